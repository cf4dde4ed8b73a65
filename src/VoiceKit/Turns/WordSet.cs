namespace VoiceKit.Turns;

/// <summary>A case-insensitive set of words that can be probed with a span, so lookups allocate nothing.</summary>
internal sealed class WordSet
{
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public WordSet(params IEnumerable<string> words)
    {
        var set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var word in words)
        {
            set.Add(word.Trim());
        }

        _lookup = set.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public bool Contains(ReadOnlySpan<char> word) => !word.IsEmpty && _lookup.Contains(word);
}
