using Microsoft.Extensions.Logging;

namespace VoiceKit;

/// <summary>Source-generated log messages of a call. Transcripts are never logged here; they go to the event stream.</summary>
internal static partial class VoiceCallLog
{
    [LoggerMessage(1, LogLevel.Information, "Call {CallId} started ({Format}).")]
    public static partial void CallStarted(ILogger logger, string callId, string format);

    [LoggerMessage(2, LogLevel.Information, "Call {CallId} ended: {Reason} after {Seconds:0.0} s, {Turns} turns, {Interruptions} interruptions.")]
    public static partial void CallEnded(ILogger logger, string callId, CallEndReason reason, double seconds, int turns, int interruptions);

    [LoggerMessage(3, LogLevel.Warning, "Call {CallId}: a provider failed; the call goes on.")]
    public static partial void ProviderFailed(ILogger logger, string callId, Exception error);

    [LoggerMessage(4, LogLevel.Warning, "Call {CallId}: tool {Tool} failed.")]
    public static partial void ToolFailed(ILogger logger, string callId, string tool, Exception error);

    [LoggerMessage(5, LogLevel.Error, "Call {CallId}: the transport failed; ending the call.")]
    public static partial void TransportFailed(ILogger logger, string callId, Exception error);

    [LoggerMessage(6, LogLevel.Debug, "Call {CallId}: turn {Turn} latency {LatencyMs:0} ms.")]
    public static partial void TurnLatency(ILogger logger, string callId, int turn, double latencyMs);
}
