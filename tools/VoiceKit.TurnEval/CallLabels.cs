using System.Text.Json.Serialization;

namespace VoiceKit.TurnEval;

/// <summary>A span of reference speech (ms from the start of the call).</summary>
internal sealed record SpeechSegment([property: JsonPropertyName("start_ms")] int StartMs, [property: JsonPropertyName("end_ms")] int EndMs);

/// <summary>A pause inside a caller turn that must not end it. <c>Kind</c> is <c>hesitation</c> (after "and", "so", "um",
/// a preposition, part of a number) or <c>clause</c> (after a complete clause).</summary>
internal sealed record MidTurnPause(
    [property: JsonPropertyName("start_ms")] int StartMs,
    [property: JsonPropertyName("end_ms")] int EndMs,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("after")] string After);

/// <summary>The end of the last word of a caller turn; at least 1.5 s of caller silence follows.</summary>
internal sealed record TurnEnd(
    [property: JsonPropertyName("at_ms")] int AtMs,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("text")] string Text);

/// <summary>Caller speech while the agent speaks: a backchannel (must not interrupt) or an interruption (must).</summary>
internal sealed record CallerOverlap(
    [property: JsonPropertyName("start_ms")] int StartMs,
    [property: JsonPropertyName("end_ms")] int EndMs,
    [property: JsonPropertyName("text")] string Text);

/// <summary>A non-speech sound in the caller channel (a click).</summary>
internal sealed record NoiseEvent([property: JsonPropertyName("at_ms")] int AtMs, [property: JsonPropertyName("kind")] string Kind);

/// <summary>Everything known about a generated call; written as labels.json.</summary>
internal sealed record CallLabels(
    [property: JsonPropertyName("voice")] string Voice,
    [property: JsonPropertyName("duration_ms")] int DurationMs,
    [property: JsonPropertyName("speech")] IReadOnlyList<SpeechSegment> Speech,
    [property: JsonPropertyName("mid_turn_pauses")] IReadOnlyList<MidTurnPause> MidTurnPauses,
    [property: JsonPropertyName("turn_ends")] IReadOnlyList<TurnEnd> TurnEnds,
    [property: JsonPropertyName("backchannels")] IReadOnlyList<CallerOverlap> Backchannels,
    [property: JsonPropertyName("interruptions")] IReadOnlyList<CallerOverlap> Interruptions,
    [property: JsonPropertyName("noises")] IReadOnlyList<NoiseEvent> Noises);
