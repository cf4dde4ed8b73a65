namespace VoiceKit.Twilio;

/// <summary>Places outbound calls that the agent mapped with <c>MapTwilioVoiceAgent</c> answers.</summary>
public static class TwilioAgentCallExtensions
{
    /// <summary>
    /// Calls <paramref name="to"/> from <paramref name="from"/> (a Twilio number): the new call's TwiML connects its
    /// media stream to <c>{PublicBaseUrl}{prefix}/media</c> with <c>Direction=outbound</c>, so the agent opens with its
    /// <c>OpeningLine</c>; status callbacks go to <c>{PublicBaseUrl}{prefix}/status</c>.
    /// </summary>
    /// <param name="calls">The REST client.</param>
    /// <param name="options">The Twilio options; <see cref="TwilioOptions.PublicBaseUrl"/> must be set (there is no request to take it from).</param>
    /// <param name="to">The number to call (E.164).</param>
    /// <param name="from">A Twilio number of the account (E.164).</param>
    /// <param name="parameters">Custom parameters for the agent (<see cref="CallInfo.Parameters"/>), e.g. an order number.</param>
    /// <param name="prefix">The prefix the endpoints were mapped under; <c>/twilio</c> by default.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The new call's SID and status.</returns>
    public static Task<OutboundCall> CallWithAgentAsync(
        this TwilioCallControl calls,
        TwilioOptions options,
        string to,
        string from,
        IReadOnlyDictionary<string, string>? parameters = null,
        string prefix = "/twilio",
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(calls);
        ArgumentNullException.ThrowIfNull(options);
        if (options.PublicBaseUrl is not { } publicBase)
        {
            throw new InvalidOperationException("TwilioOptions.PublicBaseUrl must be set to place outbound calls: it is where Twilio connects the call's media stream.");
        }

        // As written (not AbsoluteUri, which lowers the host): Twilio signs the status callback over this text, and the
        // endpoint validates it against PublicBaseUrl as written.
        var root = publicBase.OriginalString.TrimEnd('/') + "/" + prefix.Trim('/');
        var stream = new Uri(TwilioSignature.PublicStreamUrl(publicBase, "/" + prefix.Trim('/') + "/media"));
        var streamParameters = new Dictionary<string, string>(StringComparer.Ordinal) { ["From"] = from, ["To"] = to };
        foreach (var (name, value) in parameters ?? new Dictionary<string, string>())
        {
            streamParameters[name] = value;
        }

        streamParameters["Direction"] = "outbound";
        return calls.CreateCallAsync(
            new OutboundCallRequest
            {
                To = to,
                From = from,
                Twiml = TwiML.ConnectStream(stream, streamParameters),
                StatusCallback = new Uri(root + "/status"),
            },
            cancellationToken);
    }
}
