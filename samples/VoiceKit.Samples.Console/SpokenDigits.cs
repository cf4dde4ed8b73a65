namespace VoiceKit.Samples.Console;

/// <summary>Between digits as written ("452198") and as spoken ("four five two one nine eight").</summary>
internal static class SpokenDigits
{
    private static readonly string[] s_words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];

    /// <summary>The digits in <paramref name="text"/>, written or spoken ("oh" is zero), in order; everything else is skipped.</summary>
    public static string ToDigits(string text)
    {
        var digits = new System.Text.StringBuilder();
        foreach (var word in text.ToLowerInvariant().Split([' ', ',', '.', '-', '?', '!'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (word.All(char.IsAsciiDigit))
            {
                digits.Append(word);
            }
            else if (word == "oh")
            {
                digits.Append('0');
            }
            else if (Array.IndexOf(s_words, word) is >= 0 and var index)
            {
                digits.Append((char)('0' + index));
            }
        }

        return digits.ToString();
    }

    /// <summary>Each digit as a word, so a synthesiser reads "452198" digit by digit, as people read order numbers.</summary>
    public static string ToWords(string digits) =>
        string.Join(' ', digits.Where(char.IsAsciiDigit).Select(d => s_words[d - '0']));
}
