using System.Diagnostics.CodeAnalysis;

namespace VoiceKit;

/// <summary>Cold throw paths kept out of hot methods so those stay small enough to inline.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void ThrowDestinationTooShort(string paramName, int needed, int actual) =>
        throw new ArgumentException($"The destination holds {actual} elements but {needed} are needed.", paramName);
}
