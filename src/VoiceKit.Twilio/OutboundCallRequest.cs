namespace VoiceKit.Twilio;

/// <summary>
/// What <see cref="TwilioCallControl.CreateCallAsync"/> asks Twilio for (protocols.md §5.5): whom to call, from which
/// number, and the TwiML to run when the call is answered (normally <c>&lt;Connect&gt;&lt;Stream&gt;</c> to this service's
/// media endpoint). A plain settings object; not thread-safe while being filled in.
/// </summary>
public sealed class OutboundCallRequest
{
    /// <summary>The number to call in E.164 form (<c>+14155550100</c>) or a <c>sip:</c> address. Sent as <c>To</c>.</summary>
    public required string To { get; init; }

    /// <summary>The calling number: a Twilio number or a verified caller ID in E.164 form. Sent as <c>From</c>.</summary>
    public required string From { get; init; }

    /// <summary>The TwiML to run when the call connects, for example <c>&lt;Response&gt;&lt;Connect&gt;&lt;Stream url="wss://…"/&gt;&lt;/Connect&gt;&lt;/Response&gt;</c>. Sent as <c>Twiml</c>.</summary>
    public required string Twiml { get; init; }

    /// <summary>Where Twilio posts call progress (<c>StatusCallback</c>); null for no callbacks.</summary>
    public Uri? StatusCallback { get; init; }

    /// <summary>
    /// The progress events posted to <see cref="StatusCallback"/>, each sent as its own <c>StatusCallbackEvent</c> field:
    /// <c>initiated</c>, <c>ringing</c>, <c>answered</c>, <c>completed</c> by default. Ignored without a callback.
    /// </summary>
    public IReadOnlyList<string> StatusCallbackEvents { get; init; } = ["initiated", "ringing", "answered", "completed"];

    /// <summary>The HTTP method for <see cref="StatusCallback"/> (<c>POST</c> or <c>GET</c>); <c>POST</c> by default. Ignored without a callback.</summary>
    public string StatusCallbackMethod { get; init; } = "POST";

    /// <summary>How long to let the phone ring before giving up (<c>Timeout</c>, whole seconds); null for Twilio's default.</summary>
    public TimeSpan? RingTimeout { get; init; }

    /// <summary>Answering-machine detection (<c>MachineDetection</c>: <c>Enable</c> or <c>DetectMessageEnd</c>); null for none.</summary>
    public string? MachineDetection { get; init; }
}
