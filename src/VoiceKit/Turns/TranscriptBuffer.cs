namespace VoiceKit.Turns;

/// <summary>
/// The caller's words this turn: committed finals plus the open interim, which each new interim replaces. Fixed
/// capacity; when full, the oldest words go, since endpointing reads the end of the text.
/// </summary>
internal sealed class TranscriptBuffer(int capacity)
{
    private readonly char[] _text = new char[capacity];
    private int _committedLength;
    private int _length;

    public ReadOnlySpan<char> Text => _text.AsSpan(0, _length);

    public bool IsEmpty => _length == 0;

    /// <summary>Replaces the open interim segment, or commits it when <paramref name="isFinal"/>.</summary>
    public void Update(ReadOnlySpan<char> segment, bool isFinal)
    {
        segment = segment.Trim();
        _length = _committedLength;
        Append(segment);
        if (isFinal)
        {
            _committedLength = _length;
        }
    }

    public void Clear() => _length = _committedLength = 0;

    private void Append(ReadOnlySpan<char> segment)
    {
        if (segment.IsEmpty)
        {
            return;
        }

        var needed = segment.Length + (_length > 0 ? 1 : 0);
        if (needed > _text.Length)
        {
            segment = segment[^(_text.Length - 1)..];
            needed = _text.Length;
            _length = _committedLength = 0;
        }

        if (_length + needed > _text.Length)
        {
            // Drop the oldest text, keeping what endpointing reads: the end.
            var drop = _length + needed - _text.Length;
            _text.AsSpan(drop, _length - drop).CopyTo(_text);
            _length -= drop;
            _committedLength = Math.Max(0, _committedLength - drop);
        }

        if (_length > 0)
        {
            _text[_length++] = ' ';
        }

        segment.CopyTo(_text.AsSpan(_length));
        _length += segment.Length;
    }
}
