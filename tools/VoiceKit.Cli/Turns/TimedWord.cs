using System.Text.Json.Serialization;

namespace VoiceKit.Cli.Turns;

/// <summary>A word of the caller's speech with its timing, as in <c>words.json</c>.</summary>
/// <param name="Text">The word.</param>
/// <param name="StartMs">When it starts, in milliseconds from the start of the file.</param>
/// <param name="EndMs">When it ends.</param>
public sealed record TimedWord(
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("start_ms")] int StartMs,
    [property: JsonPropertyName("end_ms")] int EndMs);
