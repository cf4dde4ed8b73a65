using VoiceKit.Testing;

namespace VoiceKit.Conformance;

/// <summary>
/// Key words in a transcript, for recognisers with real acoustics (whose transcripts are close, not exact): the suites
/// bound the word error rate (<see cref="WordErrorRate"/>) and require the words that carry the meaning, in order.
/// </summary>
public static class KeyWords
{
    /// <summary>Whether every key word occurs in <paramref name="transcript"/>, in the order given (other words may come between).</summary>
    /// <param name="transcript">What was heard.</param>
    /// <param name="keyWords">Words that must be there.</param>
    /// <returns>True when they all are, in order.</returns>
    public static bool ContainsInOrder(string transcript, IEnumerable<string> keyWords)
    {
        ArgumentNullException.ThrowIfNull(keyWords);
        var words = WordErrorRate.Words(transcript);
        var at = 0;
        foreach (var key in keyWords)
        {
            var normalized = WordErrorRate.Words(key).SingleOrDefault() ?? key;
            while (at < words.Length && words[at] != normalized)
            {
                at++;
            }

            if (at == words.Length)
            {
                return false;
            }

            at++;
        }

        return true;
    }
}
