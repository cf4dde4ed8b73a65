using Microsoft.Extensions.Logging;

namespace VoiceKit.Twilio;

/// <summary>The package's log messages (source-generated). No credentials, no audio, no transcripts.</summary>
internal static partial class TwilioLog
{
    [LoggerMessage(1, LogLevel.Warning, "Rejected a Twilio {Kind} request to {Path}: the X-Twilio-Signature is missing or does not match (check TwilioOptions.AuthToken and PublicBaseUrl).")]
    public static partial void SignatureRejected(ILogger logger, string kind, string path);

    [LoggerMessage(2, LogLevel.Information, "Incoming Twilio call {CallSid}: answering with a media stream.")]
    public static partial void IncomingCall(ILogger logger, string callSid);

    [LoggerMessage(3, LogLevel.Information, "Twilio media stream for call {CallSid} ended: {EndReason} after {Seconds:0.0} s.")]
    public static partial void CallEnded(ILogger logger, string callSid, CallEndReason endReason, double seconds);

    [LoggerMessage(4, LogLevel.Warning, "A Twilio media stream could not start.")]
    public static partial void StreamFailed(ILogger logger, Exception exception);

    [LoggerMessage(5, LogLevel.Information, "Twilio status callback for call {CallSid}: {CallStatus}.")]
    public static partial void StatusCallback(ILogger logger, string callSid, string callStatus);

    [LoggerMessage(6, LogLevel.Warning, "Request to the Twilio media endpoint {Path} is not a WebSocket upgrade.")]
    public static partial void NotWebSocket(ILogger logger, string path);
}
