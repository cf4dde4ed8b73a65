namespace VoiceKit.Twilio;

/// <summary>
/// Settings for answering and placing Twilio calls. Defaults suit production: signatures validated, credentials from
/// <c>TWILIO_ACCOUNT_SID</c> and <c>TWILIO_AUTH_TOKEN</c>, the public REST API.
/// </summary>
public sealed class TwilioOptions
{
    /// <summary>The account SID (<c>AC…</c>), for REST calls; <c>TWILIO_ACCOUNT_SID</c> by default.</summary>
    public string? AccountSid { get; set; } = Environment.GetEnvironmentVariable("TWILIO_ACCOUNT_SID");

    /// <summary>The auth token: the key for X-Twilio-Signature and the REST password; <c>TWILIO_AUTH_TOKEN</c> by default. Never logged.</summary>
    public string? AuthToken { get; set; } = Environment.GetEnvironmentVariable("TWILIO_AUTH_TOKEN");

    /// <summary>The REST API's base address; <c>https://api.twilio.com</c> by default (a regional edge or a test server otherwise).</summary>
    public Uri ApiBaseUrl { get; set; } = new("https://api.twilio.com");

    /// <summary>
    /// The public base URL Twilio reaches this service at (for example <c>https://voice.example.com</c>), used to sign-check
    /// requests and to tell Twilio where the media stream is. When null, it is taken from each request (its scheme and
    /// host, honouring forwarded headers if the app uses the forwarded-headers middleware).
    /// </summary>
    public Uri? PublicBaseUrl { get; set; }

    /// <summary>
    /// Skips X-Twilio-Signature validation. Allowed only when the host environment is Development (starting otherwise
    /// fails), for trying things out through a tunnel without a token. Never set this in production.
    /// </summary>
    public bool DisableSignatureValidationInDevelopment { get; set; }

    /// <summary>Largest WebSocket message accepted from Twilio; a bigger one ends the call cleanly. 64 KiB by default (a 20 ms media message is under 400 bytes).</summary>
    public int MaxMessageBytes { get; set; } = 64 * 1024;

    /// <summary>How far ahead of real time agent audio is sent to Twilio: enough to ride out network jitter, small enough that a barge-in stops quickly. 100 ms by default.</summary>
    public TimeSpan OutboundLead { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Extra <c>&lt;Parameter&gt;</c>s for the media stream of an incoming call, from the webhook's form (Twilio's
    /// <c>From</c>, <c>To</c>, <c>CallSid</c> ...). They reach the agent as <see cref="CallInfo.Parameters"/>; <c>From</c>,
    /// <c>To</c> and <c>Direction</c> are always passed.
    /// </summary>
    public Func<IReadOnlyDictionary<string, string>, IEnumerable<KeyValuePair<string, string>>>? StreamParameters { get; set; }

    /// <summary>
    /// How long one REST request (hang up, transfer, create a call) may take before it fails as a transient
    /// <see cref="VoiceProviderException"/>; 10 s by default. Measured on <see cref="TimeProvider"/>.
    /// </summary>
    public TimeSpan RestRequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long the media stream may stay silent (no message at all) before the connection is taken for dead and the
    /// call ends: Twilio sends caller audio every 20 ms for the whole call, so a long silence means a half-open
    /// connection (a NAT timeout, a lost media server) that would otherwise hold the session for many minutes. 15 s by
    /// default; null turns the watchdog off.
    /// </summary>
    public TimeSpan? ReceiveIdleTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The clock for pacing and playback tracking; <see cref="TimeProvider.System"/> by default.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Checks the options; called when the endpoints are mapped.</summary>
    /// <param name="isDevelopment">Whether the host runs in the Development environment.</param>
    /// <exception cref="InvalidOperationException">Says what to fix.</exception>
    public void Validate(bool isDevelopment)
    {
        if (DisableSignatureValidationInDevelopment && !isDevelopment)
        {
            throw new InvalidOperationException(
                "TwilioOptions.DisableSignatureValidationInDevelopment is set outside the Development environment: anyone could then open calls on this service. Remove it, and set TwilioOptions.AuthToken (TWILIO_AUTH_TOKEN).");
        }

        if (!DisableSignatureValidationInDevelopment && string.IsNullOrWhiteSpace(AuthToken))
        {
            throw new InvalidOperationException(
                "Twilio auth token is missing: set TwilioOptions.AuthToken or the TWILIO_AUTH_TOKEN environment variable (it validates X-Twilio-Signature on every request).");
        }

        if (PublicBaseUrl is { } url && (!url.IsAbsoluteUri || url.Scheme is not ("https" or "http")))
        {
            throw new InvalidOperationException("TwilioOptions.PublicBaseUrl must be an absolute https:// URL such as https://voice.example.com.");
        }

        if (ApiBaseUrl is null || !ApiBaseUrl.IsAbsoluteUri)
        {
            throw new InvalidOperationException("TwilioOptions.ApiBaseUrl must be an absolute URL such as https://api.twilio.com.");
        }

        if (MaxMessageBytes < 1024)
        {
            throw new InvalidOperationException("TwilioOptions.MaxMessageBytes must be at least 1024 (a media message is about 300 bytes); 65536 is the default.");
        }

        if (OutboundLead < TimeSpan.FromMilliseconds(20) || OutboundLead > TimeSpan.FromSeconds(1))
        {
            throw new InvalidOperationException("TwilioOptions.OutboundLead must be between 20 ms and 1 s; 100 ms is the default.");
        }

        if (ReceiveIdleTimeout is { } idle && idle < TimeSpan.FromSeconds(1))
        {
            throw new InvalidOperationException("TwilioOptions.ReceiveIdleTimeout must be at least 1 s (Twilio sends audio every 20 ms), or null to turn the watchdog off; 15 s is the default.");
        }

        if (TimeProvider is null)
        {
            throw new InvalidOperationException("TwilioOptions.TimeProvider is null: leave it at TimeProvider.System or set a clock.");
        }
    }
}
