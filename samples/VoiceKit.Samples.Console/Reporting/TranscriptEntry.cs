using System.Text.Json.Serialization;

namespace VoiceKit.Samples.Console.Reporting;

/// <summary>
/// One line of a <see cref="CallTranscript"/>: something said or done on the call. In JSON each entry names its kind
/// first (<c>"kind": "caller"</c>, ...; see <see cref="TranscriptEntryKind"/>), then its time, then what it carries.
/// </summary>
/// <param name="Time">Seconds from the start of the call when it happened (for speech: when it ended).</param>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(CallerLine), TranscriptEntryKind.Caller)]
[JsonDerivedType(typeof(AgentLine), TranscriptEntryKind.Agent)]
[JsonDerivedType(typeof(BargeIn), TranscriptEntryKind.BargeIn)]
[JsonDerivedType(typeof(ToolCall), TranscriptEntryKind.Tool)]
[JsonDerivedType(typeof(TurnLatency), TranscriptEntryKind.Latency)]
[JsonDerivedType(typeof(KeyPresses), TranscriptEntryKind.Dtmf)]
[JsonDerivedType(typeof(ProviderError), TranscriptEntryKind.Error)]
[JsonDerivedType(typeof(HangUp), TranscriptEntryKind.HangUp)]
internal abstract record TranscriptEntry([property: JsonPropertyOrder(-1)] double Time)
{
    /// <summary>The caller's turn, as the recogniser heard it.</summary>
    /// <param name="Time">When the turn ended.</param>
    /// <param name="Text">The recognised words.</param>
    internal sealed record CallerLine(double Time, string Text) : TranscriptEntry(Time);

    /// <summary>An agent reply, as far as the caller heard it.</summary>
    /// <param name="Time">When the agent stopped speaking.</param>
    /// <param name="Text">What the caller heard: the whole reply, or the part before a barge-in cut it.</param>
    /// <param name="Interrupted">Whether the caller cut the agent off.</param>
    internal sealed record AgentLine(double Time, string Text, bool Interrupted) : TranscriptEntry(Time);

    /// <summary>The caller started talking over the agent, and the agent stopped.</summary>
    /// <param name="Time">When the turn engine decided it was a barge-in.</param>
    /// <param name="CallerSpeechMs">How long the caller had been speaking by then.</param>
    /// <param name="FalseAlarm">Whether it turned out to be noise or a backchannel (the agent carried on).</param>
    internal sealed record BargeIn(double Time, int CallerSpeechMs, bool FalseAlarm) : TranscriptEntry(Time);

    /// <summary>The agent ran a tool.</summary>
    /// <param name="Time">When it finished.</param>
    /// <param name="Start">When it started.</param>
    /// <param name="Name">The tool.</param>
    /// <param name="Arguments">Its arguments, as the JSON the model sent.</param>
    /// <param name="Result">What it returned, or the error the model was told.</param>
    /// <param name="ElapsedMs">How long it ran.</param>
    /// <param name="Failed">Whether it failed or timed out.</param>
    internal sealed record ToolCall(double Time, double Start, string Name, string Arguments, string Result, int ElapsedMs, bool Failed) : TranscriptEntry(Time);

    /// <summary>How long the caller waited for an answer, and where the time went.</summary>
    /// <param name="Time">When the agent's first audio was queued for the caller.</param>
    /// <param name="Turn">The turn's number, from 1.</param>
    /// <param name="CallerStopped">When the caller stopped speaking (<paramref name="Time"/> minus the total), if known.</param>
    /// <param name="EndpointingMs">Caller's last speech to the end-of-turn decision.</param>
    /// <param name="SpeechToTextMs">Caller's last speech to the recogniser's final transcript.</param>
    /// <param name="LanguageModelMs">Request to the language model's first token.</param>
    /// <param name="TextToSpeechMs">First text to the synthesiser to its first audio.</param>
    /// <param name="TotalMs">Caller's last speech to the agent's first audio: what the caller feels.</param>
    internal sealed record TurnLatency(
        double Time, int Turn, double? CallerStopped, int EndpointingMs, int? SpeechToTextMs, int? LanguageModelMs, int? TextToSpeechMs, int? TotalMs)
        : TranscriptEntry(Time);

    /// <summary>The caller pressed keys.</summary>
    /// <param name="Time">When the entry ended.</param>
    /// <param name="Digits">The keys.</param>
    internal sealed record KeyPresses(double Time, string Digits) : TranscriptEntry(Time);

    /// <summary>A provider failed; the call went on (or, for the error that ended it, did not).</summary>
    /// <param name="Time">When.</param>
    /// <param name="Type">The exception's type name.</param>
    /// <param name="Message">The exception's message.</param>
    internal sealed record ProviderError(double Time, string Type, string Message) : TranscriptEntry(Time);

    /// <summary>The call ended.</summary>
    /// <param name="Time">When.</param>
    /// <param name="Reason">How: a <see cref="CallEndReason"/> name, e.g. <c>AgentHungUp</c>.</param>
    /// <param name="TransferredTo">Where the call was transferred, if it was.</param>
    internal sealed record HangUp(double Time, string Reason, string? TransferredTo) : TranscriptEntry(Time);
}
