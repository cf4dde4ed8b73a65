using System.Text.Json.Serialization;

namespace VoiceKit.Cli.Turns;

/// <summary>A stretch of time when the agent is speaking, as in <c>agent.json</c>.</summary>
/// <param name="StartMs">When the agent starts, in milliseconds from the start of the file.</param>
/// <param name="EndMs">When it stops.</param>
public sealed record AgentSpan(
    [property: JsonPropertyName("start_ms")] int StartMs,
    [property: JsonPropertyName("end_ms")] int EndMs);
