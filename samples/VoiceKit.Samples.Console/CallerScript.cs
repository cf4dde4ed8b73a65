namespace VoiceKit.Samples.Console;

/// <summary>
/// What the demo's caller says and when: a customer of a parcel company whose delivery is late. The call exercises
/// what makes phone agents hard: a pause in the middle of a sentence that must not end the turn, a barge-in while the
/// agent is talking, a tool call slow enough to need a filler phrase, and the agent hanging up at the end.
/// </summary>
internal static class CallerScript
{
    /// <summary>The caller's lines, in order, each with how the caller delivers it.</summary>
    public static IReadOnlyList<CallerLine> Lines { get; } =
    [
        // After the greeting.
        new(CallerCue.AfterAgentFinishes, ["Hi, I'm calling about a parcel that hasn't arrived yet."]),

        // The agent asks for the order number and starts explaining where to find it; the caller has it ready and cuts in. The
        // order number comes in two groups with a pause between them, as people read numbers: the turn must not end there.
        new(CallerCue.WhileAgentSpeaks(TimeSpan.FromSeconds(5.5)), ["Yes, I have it here. The order number is four five two", "one nine eight."], TimeSpan.FromSeconds(1.2)),

        // After the order status (the agent fills the lookup's wait with a filler phrase).
        new(CallerCue.AfterAgentFinishes, ["Great. Can you send me a text message when it's close?"]),

        new(CallerCue.AfterAgentFinishes, ["No, that's all. Thank you, bye."]),
    ];

    /// <summary>Everything the caller says, as the words a perfect recogniser would return.</summary>
    public static string Words(CallerLine line) => string.Join(' ', line.Parts);
}
