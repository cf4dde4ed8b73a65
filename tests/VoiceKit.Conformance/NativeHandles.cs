using System.Reflection;
using System.Runtime.InteropServices;

namespace VoiceKit.Conformance;

/// <summary>
/// For in-process engines (no connection for a stand-in to count): proves that disposing an object freed the native
/// resources it owned, by finding the <see cref="SafeHandle"/>s in its fields (and in the fields of the objects it holds
/// from its own assembly) and checking that each is closed.
/// </summary>
public static class NativeHandles
{
    /// <summary>How many objects deep the search goes from <c>owner</c>: a stream, its decoder, the decoder's handles.</summary>
    private const int MaxDepth = 3;

    /// <summary>Asserts that <paramref name="owner"/> holds at least one native handle and that every one it holds is closed.</summary>
    /// <param name="owner">A disposed object, such as a stream.</param>
    /// <param name="what">What it is, for the failure message.</param>
    public static void AssertAllClosed(object owner, string what)
    {
        ArgumentNullException.ThrowIfNull(owner);
        var handles = new List<(string Path, SafeHandle Handle)>();
        Collect(owner, owner.GetType().Assembly, owner.GetType().Name, 0, handles, new HashSet<object>(ReferenceEqualityComparer.Instance));
        Assert.That(handles, Is.Not.Empty, $"the {what} holds a native handle (none found: the check would prove nothing)");
        Assert.That(handles.Where(h => !h.Handle.IsClosed).Select(h => h.Path), Is.Empty, $"every native handle of the disposed {what} is released");
    }

    private static void Collect(object target, Assembly home, string path, int depth, List<(string, SafeHandle)> handles, HashSet<object> seen)
    {
        if (!seen.Add(target))
        {
            return;
        }

        for (var type = target.GetType(); type is not null && type.Assembly == home; type = type.BaseType)
        {
            foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                switch (field.GetValue(target))
                {
                    case SafeHandle handle:
                        handles.Add(($"{path}.{field.Name}", handle));
                        break;
                    case { } value when depth < MaxDepth && !value.GetType().IsValueType && value.GetType().Assembly == home:
                        Collect(value, home, $"{path}.{field.Name}", depth + 1, handles, seen);
                        break;
                }
            }
        }
    }
}
