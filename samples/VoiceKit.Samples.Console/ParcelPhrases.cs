namespace VoiceKit.Samples.Console;

/// <summary>
/// What callers of a parcel company say, for the offline recogniser's domain language model
/// (<c>PocketSphinxOptions.DomainPhrases</c>). A real deployment would take these from its call logs; they cover the
/// kind of thing the demo's caller says and the usual variations around it; the order number in the call (four five
/// two one nine eight) is not among them, so recognising it shows the model generalising over digits.
/// </summary>
internal static class ParcelPhrases
{
    private static readonly string[] s_sentences =
    [
        "hi, i'm calling about my parcel",
        "hello, i'm calling about a parcel that hasn't arrived",
        "hi there. i'm calling about an order that hasn't arrived yet",
        "my parcel hasn't arrived yet",
        "my package was supposed to arrive yesterday",
        "where is my parcel?",
        "where is my order?",
        "i'd like to track a delivery",
        "can you tell me when it will arrive?",
        "yes, i have it here",
        "i have the order number here",
        "the order number is three one four",
        "my order number is one two three, four five six",
        "it's seven seven three, zero one two",
        "the number is nine eight seven, six five four",
        "oh five two one",
        "yes, that's right",
        "no, that's not right",
        "great, thank you",
        "can you send me a text when it's close?",
        "can you text me when the driver is nearby?",
        "please send me a text message",
        "can i pick it up from the depot?",
        "i want to change the delivery address",
        "can you leave it with a neighbour?",
        "i'd like to speak to a person",
        "sorry, could you repeat that?",
        "no, that's all. thanks",
        "that's all, thank you. bye",
        "thank you, goodbye",
    ];

    /// <summary>The phrases: what callers say, then digit strings in which every pair of digits occurs equally often.</summary>
    public static IReadOnlyList<string> All { get; } = [.. s_sentences, .. DigitStrings()];

    /// <summary>
    /// Order numbers are read digit by digit, and any digit may follow any other: a de Bruijn sequence over the ten
    /// digits holds every ordered pair exactly once, cut into six-digit strings (each repeating the last digit of the
    /// one before, so no pair is lost at a cut). No order number is favoured, the demo's included.
    /// </summary>
    private static IEnumerable<string> DigitStrings()
    {
        string[] words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
        var sequence = DeBruijn(10, 2);
        sequence.Add(sequence[0]); // close the cycle: the pair of the last digit and the first
        for (var start = 0; start < sequence.Count - 1; start += 5)
        {
            yield return string.Join(' ', sequence.Skip(start).Take(6).Select(d => words[d]));
        }
    }

    /// <summary>The de Bruijn sequence B(k, n) (cyclic), by the standard Lyndon-word construction.</summary>
    private static List<int> DeBruijn(int k, int n)
    {
        var a = new int[k * n];
        var sequence = new List<int>();
        void Generate(int t, int p)
        {
            if (t > n)
            {
                if (n % p == 0)
                {
                    sequence.AddRange(a.Skip(1).Take(p));
                }

                return;
            }

            a[t] = a[t - p];
            Generate(t + 1, p);
            for (var j = a[t - p] + 1; j < k; j++)
            {
                a[t] = j;
                Generate(t + 1, t);
            }
        }

        Generate(1, 1);
        return sequence;
    }
}
