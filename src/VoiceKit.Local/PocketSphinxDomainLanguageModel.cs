using System.Globalization;
using System.Text;

namespace VoiceKit.Local;

/// <summary>
/// Builds a small trigram language model, in ARPA text format, from the sentences callers of one service are expected
/// to say (<see cref="PocketSphinxOptions.DomainPhrases"/>). The general US English model spreads its probability over
/// 130,000 words, and phone audio gives the acoustic model little to go on, so "parcel" became "car sale" and digits
/// went missing; a model of the domain's few hundred words keeps the search among the sentences that matter.
/// </summary>
/// <remarks>
/// Witten-Bell smoothing with back-off to bigrams and to add-one unigrams over every word of the phrases, so any
/// sequence of known words stays possible (a digit string never seen in the phrases, words in a new order), only less
/// likely than the phrases' own word sequences. Words outside the phrases cannot be recognised at all.
/// </remarks>
internal static class PocketSphinxDomainLanguageModel
{
    private const string SentenceStart = "<s>";
    private const string SentenceEnd = "</s>";

    /// <summary>Writes (once; the name is the content's hash) the model for the phrases and returns its path.</summary>
    /// <param name="phrases">The sentences; case is folded, and punctuation marks the clauses each also counts as a sentence.</param>
    /// <param name="dictionaryPath">The pronunciation dictionary every word must be in.</param>
    /// <exception cref="InvalidOperationException">A word is not in the dictionary, there are no words at all, or the cache cannot be written.</exception>
    public static string PathFor(IEnumerable<string> phrases, string dictionaryPath)
    {
        var sentences = phrases.SelectMany(Sentences).ToList();
        if (sentences.Count == 0)
        {
            throw new InvalidOperationException($"{nameof(PocketSphinxOptions)}.{nameof(PocketSphinxOptions.DomainPhrases)} has no words.");
        }

        RequireInDictionary(sentences, dictionaryPath);
        return PocketSphinxFileCache.PathFor("domain", ".lm", Build(sentences));
    }

    /// <summary>
    /// The sentences a phrase gives the model: the whole phrase, and each of its clauses (split at , . ; : ? !) on its
    /// own. The session asks the recogniser for a final whenever the caller pauses, and people pause where writers put
    /// commas, so "hi, i'm calling about my parcel" also arrives as "hi" and "i'm calling about my parcel": each must be
    /// a likely sentence, or a lone "hi" is heard as the likeliest short sentence the model knows ("bye").
    /// </summary>
    internal static IEnumerable<string[]> Sentences(string phrase)
    {
        var whole = Tokenize(phrase);
        if (whole.Length == 0)
        {
            yield break;
        }

        yield return whole;
        var clauses = phrase.Split([',', '.', ';', ':', '?', '!'], StringSplitOptions.RemoveEmptyEntries)
            .Select(Tokenize)
            .Where(words => words.Length > 0)
            .ToList();
        if (clauses.Count > 1)
        {
            foreach (var clause in clauses)
            {
                yield return clause;
            }
        }
    }

    /// <summary>Lower-case words; punctuation other than a word-internal apostrophe separates or is dropped.</summary>
    internal static string[] Tokenize(string phrase)
    {
        var builder = new StringBuilder(phrase.Length);
        foreach (var c in phrase)
        {
            builder.Append(char.IsLetterOrDigit(c) || c == '\'' ? char.ToLowerInvariant(c) : ' ');
        }

        return builder.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => w.Trim('\'')).Where(w => w.Length > 0).ToArray();
    }

    /// <summary>The ARPA text of the model.</summary>
    internal static string Build(IReadOnlyList<string[]> sentences)
    {
        var unigrams = new Dictionary<string, int>(StringComparer.Ordinal);
        var bigrams = new Dictionary<(string, string), int>();
        var trigrams = new Dictionary<(string, string, string), int>();
        foreach (var words in sentences)
        {
            var padded = new string[words.Length + 2];
            padded[0] = SentenceStart;
            words.CopyTo(padded, 1);
            padded[^1] = SentenceEnd;
            for (var i = 0; i < padded.Length; i++)
            {
                Increment(unigrams, padded[i]);
                if (i >= 1)
                {
                    Increment(bigrams, (padded[i - 1], padded[i]));
                }

                if (i >= 2)
                {
                    Increment(trigrams, (padded[i - 2], padded[i - 1], padded[i]));
                }
            }
        }

        // Unigrams: add-one over every word that can be predicted (everything but <s>).
        var predicted = unigrams.Where(u => u.Key != SentenceStart).ToList();
        double total = predicted.Sum(u => u.Value) + predicted.Count;
        var unigramP = predicted.ToDictionary(u => u.Key, u => (u.Value + 1) / total, StringComparer.Ordinal);

        var bigramContexts = Contexts(bigrams.Select(b => (b.Key.Item1, b.Key.Item2, b.Value)));
        var bigramP = new Dictionary<(string, string), double>();
        var unigramBackoff = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (context, followers) in bigramContexts)
        {
            var backoffMass = WittenBell(followers, (word, count, all) => bigramP[(context, word)] = count / all);
            unigramBackoff[context] = backoffMass / Math.Max(1e-12, 1 - followers.Sum(f => unigramP[f.Word]));
        }

        double Bigram(string context, string word) =>
            bigramP.TryGetValue((context, word), out var p) ? p : unigramBackoff.GetValueOrDefault(context, 1) * unigramP[word];

        var trigramContexts = Contexts(trigrams.Select(t => ((t.Key.Item1, t.Key.Item2), t.Key.Item3, t.Value)));
        var trigramP = new Dictionary<(string, string, string), double>();
        var bigramBackoff = new Dictionary<(string, string), double>();
        foreach (var (context, followers) in trigramContexts)
        {
            var backoffMass = WittenBell(followers, (word, count, all) => trigramP[(context.Item1, context.Item2, word)] = count / all);
            bigramBackoff[context] = backoffMass / Math.Max(1e-12, 1 - followers.Sum(f => Bigram(context.Item2, f.Word)));
        }

        var arpa = new StringBuilder();
        arpa.Append("\\data\\\n");
        arpa.Append(CultureInfo.InvariantCulture, $"ngram 1={unigrams.Count}\n");
        arpa.Append(CultureInfo.InvariantCulture, $"ngram 2={bigramP.Count}\n");
        arpa.Append(CultureInfo.InvariantCulture, $"ngram 3={trigramP.Count}\n\n");

        arpa.Append("\\1-grams:\n");
        foreach (var word in unigrams.Keys.Order(StringComparer.Ordinal))
        {
            var p = word == SentenceStart ? "-99" : Log(unigramP[word]);
            arpa.Append(p).Append(' ').Append(word);
            if (unigramBackoff.TryGetValue(word, out var bow))
            {
                arpa.Append(' ').Append(Log(bow));
            }

            arpa.Append('\n');
        }

        arpa.Append("\n\\2-grams:\n");
        foreach (var ((w1, w2), p) in bigramP.OrderBy(b => b.Key.Item1, StringComparer.Ordinal).ThenBy(b => b.Key.Item2, StringComparer.Ordinal))
        {
            arpa.Append(Log(p)).Append(' ').Append(w1).Append(' ').Append(w2);
            if (bigramBackoff.TryGetValue((w1, w2), out var bow))
            {
                arpa.Append(' ').Append(Log(bow));
            }

            arpa.Append('\n');
        }

        arpa.Append("\n\\3-grams:\n");
        foreach (var ((w1, w2, w3), p) in trigramP.OrderBy(t => t.Key.Item1, StringComparer.Ordinal).ThenBy(t => t.Key.Item2, StringComparer.Ordinal).ThenBy(t => t.Key.Item3, StringComparer.Ordinal))
        {
            arpa.Append(Log(p)).Append(' ').Append(w1).Append(' ').Append(w2).Append(' ').Append(w3).Append('\n');
        }

        return arpa.Append("\n\\end\\\n").ToString();
    }

    /// <summary>
    /// Witten-Bell: a context seen <c>n</c> times with <c>t</c> distinct followers gives each follower <c>count / (n + t)</c>
    /// and keeps <c>t / (n + t)</c>, returned, for words never seen after it.
    /// </summary>
    private static double WittenBell(List<(string Word, int Count)> followers, Action<string, int, double> set)
    {
        double n = followers.Sum(f => f.Count);
        double t = followers.Count;
        foreach (var (word, count) in followers)
        {
            set(word, count, n + t);
        }

        return t / (n + t);
    }

    private static Dictionary<TContext, List<(string Word, int Count)>> Contexts<TContext>(IEnumerable<(TContext Context, string Word, int Count)> grams)
        where TContext : notnull
    {
        var contexts = new Dictionary<TContext, List<(string Word, int Count)>>();
        foreach (var (context, word, count) in grams)
        {
            if (!contexts.TryGetValue(context, out var list))
            {
                contexts[context] = list = [];
            }

            list.Add((word, count));
        }

        return contexts;
    }

    private static void Increment<TKey>(Dictionary<TKey, int> counts, TKey key)
        where TKey : notnull => counts[key] = counts.GetValueOrDefault(key) + 1;

    private static string Log(double probability) => Math.Log10(probability).ToString("F4", CultureInfo.InvariantCulture);

    private static void RequireInDictionary(List<string[]> sentences, string dictionaryPath)
    {
        var needed = new HashSet<string>(sentences.SelectMany(s => s), StringComparer.Ordinal);
        var lookup = needed.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (var line in File.ReadLines(dictionaryPath))
        {
            var end = line.AsSpan().IndexOfAny(' ', '\t');
            if (end <= 0)
            {
                continue;
            }

            // Alternative pronunciations are listed as "word(2)".
            var entry = line.AsSpan(0, end);
            var paren = entry.IndexOf('(');
            lookup.Remove(paren > 0 ? entry[..paren] : entry);
            if (needed.Count == 0)
            {
                return;
            }
        }

        throw new InvalidOperationException(
            $"{nameof(PocketSphinxOptions)}.{nameof(PocketSphinxOptions.DomainPhrases)}: not in the pronunciation dictionary '{dictionaryPath}': " +
            $"{string.Join(", ", needed.Order(StringComparer.Ordinal).Take(20))}. Write numbers and symbols as words (\"four two\", not \"42\"), or add the words to the dictionary.");
    }
}
