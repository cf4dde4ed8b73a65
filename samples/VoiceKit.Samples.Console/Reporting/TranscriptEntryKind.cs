namespace VoiceKit.Samples.Console.Reporting;

/// <summary>The <c>"kind"</c> of each <see cref="TranscriptEntry"/> in the JSON transcript; stable, for tools that read it.</summary>
internal static class TranscriptEntryKind
{
    /// <summary><see cref="TranscriptEntry.CallerLine"/>.</summary>
    public const string Caller = "caller";

    /// <summary><see cref="TranscriptEntry.AgentLine"/>.</summary>
    public const string Agent = "agent";

    /// <summary><see cref="TranscriptEntry.BargeIn"/>.</summary>
    public const string BargeIn = "barge-in";

    /// <summary><see cref="TranscriptEntry.ToolCall"/>.</summary>
    public const string Tool = "tool";

    /// <summary><see cref="TranscriptEntry.TurnLatency"/>.</summary>
    public const string Latency = "latency";

    /// <summary><see cref="TranscriptEntry.KeyPresses"/>.</summary>
    public const string Dtmf = "dtmf";

    /// <summary><see cref="TranscriptEntry.ProviderError"/>.</summary>
    public const string Error = "error";

    /// <summary><see cref="TranscriptEntry.HangUp"/>.</summary>
    public const string HangUp = "hang-up";

    /// <summary>The kind of <paramref name="entry"/>, as written in JSON.</summary>
    public static string Of(TranscriptEntry entry) => entry switch
    {
        TranscriptEntry.CallerLine => Caller,
        TranscriptEntry.AgentLine => Agent,
        TranscriptEntry.BargeIn => BargeIn,
        TranscriptEntry.ToolCall => Tool,
        TranscriptEntry.TurnLatency => Latency,
        TranscriptEntry.KeyPresses => Dtmf,
        TranscriptEntry.ProviderError => Error,
        TranscriptEntry.HangUp => HangUp,
        _ => throw new ArgumentOutOfRangeException(nameof(entry), entry.GetType().Name, "Not a transcript entry kind."),
    };
}
