namespace VoiceKit.Turns;

/// <summary>
/// The built-in <see cref="ITurnDetector"/>: reads the end of the transcript the way a listener would. Terminal
/// punctuation or a short answer to a yes/no question means finished; a trailing conjunction, filler, preposition,
/// article or an unfinished digit string ("my number is four one five") means not yet; a clause of a few words that
/// ends on a content word probably means finished.
/// </summary>
/// <remarks>Stateless, allocation-free and thread-safe; use <see cref="Instance"/>.</remarks>
public sealed class TranscriptTurnDetector : ITurnDetector
{
    /// <summary>Returned when the text ends the way finished sentences do (punctuation, an answer).</summary>
    public const float Complete = 0.95f;

    /// <summary>Returned for a clause of several words that ends on a word sentences can end on.</summary>
    public const float LikelyComplete = 0.8f;

    /// <summary>Returned when there is no telling.</summary>
    public const float Unknown = 0.5f;

    /// <summary>Returned when the text clearly continues.</summary>
    public const float Incomplete = 0.1f;

    private static readonly WordSet s_continuations = new(
        // conjunctions and clause openers
        "and", "but", "or", "so", "because", "cause", "cuz", "then", "if", "that", "which", "who", "whom", "whose", "when",
        "where", "while", "although", "though", "unless", "until", "than", "whether", "also", "plus", "nor",
        // fillers and hesitations
        "um", "umm", "uh", "uhh", "er", "erm", "ah", "hmm", "like", "mean", "basically", "actually", "just",
        // articles, determiners, possessives
        "a", "an", "the", "my", "your", "our", "their", "his", "her", "its", "this", "these", "those", "some", "any", "every", "each",
        // prepositions
        "to", "of", "for", "with", "at", "in", "on", "from", "by", "about", "into", "onto", "over", "under", "after", "before",
        "between", "through", "during", "without", "around", "near", "via", "per",
        // auxiliaries and copulas that need a complement
        "is", "are", "was", "were", "am", "be", "been", "being", "have", "has", "had", "do", "does", "did", "will", "would",
        "can", "could", "should", "shall", "may", "might", "must", "i'm", "i've", "i'd", "i'll", "it's", "that's", "there's",
        "we're", "you're", "they're", "he's", "she's", "what's", "i", "we", "they", "want", "need", "wanted", "trying", "going",
        "gonna", "wanna", "let", "let's");

    private static readonly WordSet s_answers = new(
        "yes", "yeah", "yep", "yup", "no", "nope", "nah", "sure", "correct", "right", "okay", "ok", "absolutely", "definitely",
        "exactly", "please", "thanks", "fine", "great", "perfect", "course", "certainly", "indeed", "alright", "good", "true");

    private static readonly WordSet s_numbers = new(
        "zero", "oh", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen",
        "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty", "thirty", "forty", "fifty", "sixty",
        "seventy", "eighty", "ninety", "hundred", "thousand", "double", "triple", "dash", "hash", "star", "pound", "point", "dot");

    // Cues for how many digits a dictated number has. People pause between digit groups ("four one five … five five
    // five … two three nine eight"), so a string shorter than its kind is unfinished.
    private static readonly WordSet s_phoneCues = new("number", "phone", "cell", "mobile", "telephone", "callback");
    private static readonly WordSet s_identifierCues = new(
        "account", "order", "card", "reference", "ref", "confirmation", "tracking", "policy", "member", "id", "extension",
        "routing", "booking", "invoice", "ticket", "case", "claim", "customer");
    private static readonly WordSet s_zipCues = new("zip", "postcode", "postal");
    private static readonly WordSet s_pinCues = new("pin", "code", "passcode");

    private const int PhoneDigits = 10;     // North American numbers; shorter international ones end sooner anyway
    private const int IdentifierDigits = 6; // most account and order numbers are at least this long

    private TranscriptTurnDetector()
    {
    }

    /// <summary>The shared instance.</summary>
    public static TranscriptTurnDetector Instance { get; } = new();

    /// <inheritdoc />
    public float GetEndOfTurnProbability(ReadOnlySpan<char> callerText, ReadOnlySpan<char> agentText)
    {
        var text = callerText.TrimEnd();
        if (text.IsEmpty)
        {
            return Unknown;
        }

        var lastChar = text[^1];
        if (lastChar is ',' or '-' or ':' or ';' or '…' || text.EndsWith("..."))
        {
            return Incomplete;
        }

        var words = new WordCursor(text);
        var last = words.Previous();
        var wordCount = WordCursor.Count(text);

        // The recogniser's own punctuation (smart formatting) has heard the sentence end.
        if (lastChar is '.' or '?' or '!')
        {
            return Complete;
        }

        if (IsNumberToken(last) && IsUnfinishedDigitString(text))
        {
            return Incomplete;
        }

        if (s_continuations.Contains(last))
        {
            return Incomplete;
        }

        if (IsQuestion(agentText) && wordCount <= 4 && ContainsAnswer(text))
        {
            return Complete;
        }

        if (wordCount <= 2 && s_answers.Contains(last))
        {
            return LikelyComplete;
        }

        return wordCount >= 3 ? LikelyComplete : Unknown;
    }

    /// <summary>Whether the text ends in a digit string shorter than the number its cue words announce.</summary>
    private static bool IsUnfinishedDigitString(ReadOnlySpan<char> text)
    {
        var cursor = new WordCursor(text);
        var digits = 0;
        ReadOnlySpan<char> word;
        while (IsNumberToken(word = cursor.Previous()))
        {
            digits += CountDigits(word);
        }

        // The cue sits within a few words before the digits ("my account number is", "the zip code is"); the most
        // specific one wins, so "account number" is an identifier, not a phone number.
        bool identifier = false, zip = false, pin = false, phone = false;
        for (var i = 0; i < 4 && !word.IsEmpty; i++, word = cursor.Previous())
        {
            identifier |= s_identifierCues.Contains(word);
            zip |= s_zipCues.Contains(word);
            pin |= s_pinCues.Contains(word);
            phone |= s_phoneCues.Contains(word);
        }

        return identifier ? digits < IdentifierDigits
            : zip ? digits < 5
            : pin ? digits < 4
            : phone && digits < PhoneDigits;
    }

    private static bool IsQuestion(ReadOnlySpan<char> agentText)
    {
        var trimmed = agentText.TrimEnd();
        return !trimmed.IsEmpty && trimmed[^1] == '?';
    }

    private static bool ContainsAnswer(ReadOnlySpan<char> text)
    {
        var cursor = new WordCursor(text);
        ReadOnlySpan<char> word;
        while (!(word = cursor.Previous()).IsEmpty)
        {
            if (s_answers.Contains(word))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsNumberToken(ReadOnlySpan<char> word)
    {
        if (word.IsEmpty)
        {
            return false;
        }

        if (char.IsAsciiDigit(word[0]))
        {
            foreach (var c in word)
            {
                if (!char.IsAsciiDigit(c) && c is not '-')
                {
                    return false;
                }
            }

            return true;
        }

        return s_numbers.Contains(word);
    }

    private static int CountDigits(ReadOnlySpan<char> word)
    {
        if (!char.IsAsciiDigit(word[0]))
        {
            return 1;
        }

        var count = 0;
        foreach (var c in word)
        {
            count += char.IsAsciiDigit(c) ? 1 : 0;
        }

        return count;
    }
}
