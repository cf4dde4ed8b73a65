namespace VoiceKit.Twilio;

/// <summary>A call Twilio accepted to place: the Call resource returned by <see cref="TwilioCallControl.CreateCallAsync"/>.</summary>
/// <param name="Sid">The new call's SID (<c>CA</c> followed by 32 hex digits), for hanging up or matching the media stream's <c>callSid</c>.</param>
/// <param name="Status">Its status when created, usually <c>queued</c> (one of queued, ringing, in-progress, completed, busy, failed, no-answer, canceled).</param>
public sealed record OutboundCall(string Sid, string Status);
