namespace VoiceKit.Samples.Console.Reporting;

/// <summary>The call's totals, from its <see cref="CallSummary"/>.</summary>
/// <param name="Turns">Caller turns the agent answered.</param>
/// <param name="Interruptions">Times the caller cut the agent off (false alarms excluded).</param>
/// <param name="ToolCalls">Tool calls made.</param>
/// <param name="ToolFailures">Tool calls that failed or timed out.</param>
internal sealed record TranscriptCounts(int Turns, int Interruptions, int ToolCalls, int ToolFailures);
