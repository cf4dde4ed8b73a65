namespace VoiceKit.Testing;

/// <summary>
/// Word error rate, the standard measure of a recogniser's accuracy: the fewest word substitutions, deletions and
/// insertions that turn the reference into the hypothesis, divided by the reference's word count. Case and punctuation
/// are ignored (a word-internal apostrophe is kept: "it's" is one word), since recognisers differ in both.
/// </summary>
public static class WordErrorRate
{
    /// <summary>Computes the word error rate of <paramref name="hypothesis"/> against <paramref name="reference"/>.</summary>
    /// <param name="reference">What was said.</param>
    /// <param name="hypothesis">What the recogniser heard.</param>
    /// <returns>0 for a perfect match; can exceed 1 when the hypothesis adds words. 0 when both are empty; 1 when only the reference is.</returns>
    public static double Compute(string reference, string hypothesis)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(hypothesis);
        var expected = Words(reference);
        var actual = Words(hypothesis);
        if (expected.Length == 0)
        {
            return actual.Length == 0 ? 0 : 1;
        }

        return (double)Distance(expected, actual) / expected.Length;
    }

    /// <summary>The word errors (substitutions + deletions + insertions) of <paramref name="hypothesis"/> against <paramref name="reference"/>.</summary>
    /// <param name="reference">What was said.</param>
    /// <param name="hypothesis">What the recogniser heard.</param>
    /// <returns>The edit distance in words.</returns>
    public static int Errors(string reference, string hypothesis)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(hypothesis);
        return Distance(Words(reference), Words(hypothesis));
    }

    /// <summary>The words of <paramref name="text"/>, lower-case, without punctuation.</summary>
    /// <param name="text">Any text.</param>
    /// <returns>The words.</returns>
    public static string[] Words(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var chars = text.ToLowerInvariant().ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (!char.IsLetterOrDigit(chars[i]) && chars[i] != '\'')
            {
                chars[i] = ' ';
            }
        }

        return new string(chars).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(w => w.Trim('\''))
            .Where(w => w.Length > 0)
            .ToArray();
    }

    private static int Distance(string[] expected, string[] actual)
    {
        // One row of the Levenshtein table at a time.
        var previous = new int[actual.Length + 1];
        var current = new int[actual.Length + 1];
        for (var j = 0; j <= actual.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= expected.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= actual.Length; j++)
            {
                var substitution = previous[j - 1] + (string.Equals(expected[i - 1], actual[j - 1], StringComparison.Ordinal) ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[actual.Length];
    }
}
