namespace VoiceKit.Turns;

/// <summary>
/// Walks the words of a transcript from the end backwards, trimming punctuation, without allocating. Hyphenated
/// backchannels such as "uh-huh" and "mm-hmm" stay one word.
/// </summary>
internal ref struct WordCursor(ReadOnlySpan<char> text)
{
    private readonly ReadOnlySpan<char> _text = text;
    private int _end = text.Length;

    /// <summary>The previous word, or an empty span when there are no more.</summary>
    public ReadOnlySpan<char> Previous()
    {
        while (_end > 0 && !IsWordChar(_text[_end - 1]))
        {
            _end--;
        }

        var end = _end;
        while (_end > 0 && IsWordChar(_text[_end - 1]))
        {
            _end--;
        }

        return _text[_end..end];
    }

    /// <summary>Counts the words in <paramref name="text"/>.</summary>
    public static int Count(ReadOnlySpan<char> text)
    {
        var cursor = new WordCursor(text);
        var count = 0;
        while (!cursor.Previous().IsEmpty)
        {
            count++;
        }

        return count;
    }

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c is '\'' or '-' or '’';
}
