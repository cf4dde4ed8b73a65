namespace VoiceKit.Twilio;

/// <summary>
/// Call control the media-stream transport needs beyond the WebSocket: ending or redirecting the call through Twilio's
/// REST API (<c>TwilioCallControl</c> implements it). Implementations are thread-safe.
/// </summary>
internal interface ITwilioCallActions
{
    /// <summary>Ends the call (<c>Status=completed</c>); a call that already ended is not an error.</summary>
    /// <param name="callSid">The call (<c>CA…</c>).</param>
    /// <param name="ct">Cancels the request.</param>
    Task HangUpAsync(string callSid, CancellationToken ct);

    /// <summary>Redirects the call to <paramref name="destination"/> (a <c>&lt;Dial&gt;</c>), which ends its media stream.</summary>
    /// <param name="callSid">The call (<c>CA…</c>).</param>
    /// <param name="destination">A phone number or SIP address.</param>
    /// <param name="ct">Cancels the request.</param>
    Task TransferAsync(string callSid, string destination, CancellationToken ct);
}
