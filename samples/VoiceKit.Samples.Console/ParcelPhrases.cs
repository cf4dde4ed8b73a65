namespace VoiceKit.Samples.Console;

/// <summary>
/// What callers of a parcel company say, for the offline recogniser's domain language model
/// (<c>PocketSphinxOptions.DomainPhrases</c>). A real deployment would take these from its call logs; they cover the
/// demo's lines and the usual variations around them, so the recogniser is not simply handed the script.
/// </summary>
internal static class ParcelPhrases
{
    /// <summary>The phrases.</summary>
    public static IReadOnlyList<string> All { get; } =
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
        "the order number is four five two",
        "my order number is one two three, four five six",
        "it's seven seven three, zero one two",
        "the number is nine eight seven, six five four",
        "zero one two three four five six seven eight nine",
        "two one nine eight",
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
}
