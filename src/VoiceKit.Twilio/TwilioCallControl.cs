using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace VoiceKit.Twilio;

/// <summary>
/// Call control over Twilio's REST API (protocols.md §5.4-5.5): hang up, transfer to another number, place an outbound
/// call. Authenticates with HTTP Basic <c>AccountSid:AuthToken</c> from <see cref="TwilioOptions"/> (read at each call),
/// against <see cref="TwilioOptions.ApiBaseUrl"/>; every request is bounded by <see cref="TwilioOptions.RestRequestTimeout"/>.
/// Thread-safe; it does not own or dispose the <see cref="HttpClient"/>. Errors: bad credentials are an
/// <see cref="AuthenticationException"/>, refusals a <see cref="TwilioRestException"/>, a timeout or unreachable server a
/// transient <see cref="VoiceProviderException"/>. The auth token never appears in a message.
/// </summary>
public sealed partial class TwilioCallControl : ITwilioCallActions
{
    /// <summary>The <see cref="VoiceProviderException.Provider"/> of Twilio errors.</summary>
    internal const string Provider = "twilio";

    /// <summary>The API version in every REST path.</summary>
    private const string ApiVersion = "2010-04-01";

    /// <summary>Twilio's error code for "the requested resource was not found"; for a call, one that has already ended.</summary>
    private const int NotFoundCode = 20404;

    /// <summary>The most of a response body read; a Call resource or an error body is a couple of KiB.</summary>
    private const int MaxResponseBytes = 64 * 1024;

    private const string CredentialHint =
        "check TwilioOptions.AccountSid and TwilioOptions.AuthToken, or the TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN environment variables";

    private static readonly ProductInfoHeaderValue s_userAgent =
        new("VoiceKit.Twilio", typeof(TwilioCallControl).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");

    private readonly HttpClient _httpClient;
    private readonly TwilioOptions _options;

    /// <summary>Creates call control over an HTTP client the caller owns (in DI, one from <c>IHttpClientFactory</c>).</summary>
    /// <param name="httpClient">Sends the requests; its <see cref="HttpClient.BaseAddress"/> is not used.</param>
    /// <param name="options">Credentials, API base URL, timeout and clock; read at each call, so later changes apply.</param>
    public TwilioCallControl(HttpClient httpClient, TwilioOptions options)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        _httpClient = httpClient;
        _options = options;
    }

    /// <summary>Ends a call (<c>Status=completed</c>). A call that has already ended (404 with code 20404) is not an error.</summary>
    /// <param name="callSid">The call's SID (<c>CA</c> followed by 32 hex digits).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>True when the call was still live and is now ended; false when it had already ended.</returns>
    /// <exception cref="ArgumentException">The SID is not a call SID.</exception>
    /// <exception cref="AuthenticationException">The credentials are missing or were rejected.</exception>
    /// <exception cref="TwilioRestException">Twilio refused the request.</exception>
    /// <exception cref="VoiceProviderException">Twilio did not answer in time or could not be reached (transient).</exception>
    public async Task<bool> HangUpAsync(string callSid, CancellationToken cancellationToken = default)
    {
        ValidateCallSid(callSid);
        var (status, body) = await PostAsync($"Calls/{callSid}.json", [new("Status", "completed")], "hang up the call", cancellationToken).ConfigureAwait(false);
        if (IsSuccess(status))
        {
            return true;
        }

        var error = ParseError(body);
        if (status == HttpStatusCode.NotFound && error?.Code == NotFoundCode)
        {
            return false;
        }

        throw CreateError(status, error, "hang up the call");
    }

    /// <summary>
    /// Transfers a live call: replaces its TwiML with <c>&lt;Response&gt;&lt;Dial&gt;destination&lt;/Dial&gt;&lt;/Response&gt;</c>
    /// (a <c>sip:</c> address inside <c>&lt;Sip&gt;</c>), which also ends its media stream.
    /// </summary>
    /// <param name="callSid">The call's SID (<c>CA</c> followed by 32 hex digits).</param>
    /// <param name="destination">An E.164 number (<c>+14155550100</c>) or a <c>sip:</c> address.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task that completes when Twilio has accepted the new instructions.</returns>
    /// <exception cref="ArgumentException">The SID or the destination is malformed.</exception>
    /// <exception cref="AuthenticationException">The credentials are missing or were rejected.</exception>
    /// <exception cref="TwilioRestException">Twilio refused (for example 20404 when the call has already ended).</exception>
    /// <exception cref="VoiceProviderException">Twilio did not answer in time or could not be reached (transient).</exception>
    public async Task TransferAsync(string callSid, string destination, CancellationToken cancellationToken = default)
    {
        ValidateCallSid(callSid);
        var twiml = TransferTwiml(destination);
        var (status, body) = await PostAsync($"Calls/{callSid}.json", [new("Twiml", twiml)], "transfer the call", cancellationToken).ConfigureAwait(false);
        if (!IsSuccess(status))
        {
            throw CreateError(status, ParseError(body), "transfer the call");
        }
    }

    /// <summary>Places an outbound call that runs <see cref="OutboundCallRequest.Twiml"/> when answered.</summary>
    /// <param name="request">Whom to call, from which number, the TwiML and the optional callbacks.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The new call's SID and initial status.</returns>
    /// <exception cref="ArgumentException">The request is incomplete or malformed.</exception>
    /// <exception cref="AuthenticationException">The credentials are missing or were rejected.</exception>
    /// <exception cref="TwilioRestException">Twilio refused (an unverified number, a geographic permission ...).</exception>
    /// <exception cref="VoiceProviderException">Twilio did not answer in time, could not be reached, or answered with something that is not a Call resource.</exception>
    public async Task<OutboundCall> CreateCallAsync(OutboundCallRequest request, CancellationToken cancellationToken = default)
    {
        var form = CreateCallForm(request);
        var (status, body) = await PostAsync("Calls.json", form, "create the call", cancellationToken).ConfigureAwait(false);
        if (!IsSuccess(status))
        {
            throw CreateError(status, ParseError(body), "create the call");
        }

        TwilioCallResource? call;
        try
        {
            call = JsonSerializer.Deserialize(body, TwilioRestJsonContext.Default.TwilioCallResource);
        }
        catch (JsonException ex)
        {
            throw new VoiceProviderException("Twilio accepted the call but its answer was not a Call resource (malformed JSON).", Provider, innerException: ex);
        }

        if (call?.Sid is not { } sid || !CallSid().IsMatch(sid) || string.IsNullOrEmpty(call.Status))
        {
            throw new VoiceProviderException("Twilio accepted the call but its answer was not a Call resource (no valid sid or status).", Provider);
        }

        return new OutboundCall(sid, call.Status);
    }

    /// <inheritdoc />
    Task ITwilioCallActions.HangUpAsync(string callSid, CancellationToken ct) => HangUpAsync(callSid, ct);

    /// <inheritdoc />
    Task ITwilioCallActions.TransferAsync(string callSid, string destination, CancellationToken ct) => TransferAsync(callSid, destination, ct);

    /// <summary>The TwiML that dials <paramref name="destination"/>, XML-escaped; throws when it is neither an E.164 number nor a sip: address.</summary>
    internal static string TransferTwiml(string destination)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(destination);
        if (E164().IsMatch(destination))
        {
            return $"<Response><Dial>{destination}</Dial></Response>";
        }

        if (SipAddress().IsMatch(destination))
        {
            // A bare <Dial> body is a phone number; SIP endpoints are dialled through the <Sip> noun.
            return $"<Response><Dial><Sip>{SecurityElement.Escape(destination)}</Sip></Dial></Response>";
        }

        throw new ArgumentException("The destination must be an E.164 phone number such as +14155550100 or a sip: address such as sip:agent@example.com.", nameof(destination));
    }

    private static List<KeyValuePair<string, string>> CreateCallForm(OutboundCallRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.To) || !(E164().IsMatch(request.To) || SipAddress().IsMatch(request.To)))
        {
            throw new ArgumentException("OutboundCallRequest.To must be an E.164 phone number such as +14155550100 or a sip: address.", nameof(request));
        }

        if (string.IsNullOrWhiteSpace(request.From) || request.From.Any(char.IsControl))
        {
            throw new ArgumentException("OutboundCallRequest.From must be a Twilio number or verified caller ID such as +14155550100.", nameof(request));
        }

        if (string.IsNullOrWhiteSpace(request.Twiml))
        {
            throw new ArgumentException("OutboundCallRequest.Twiml is empty: give the TwiML that connects the call's media stream.", nameof(request));
        }

        var form = new List<KeyValuePair<string, string>>
        {
            new("To", request.To),
            new("From", request.From),
            new("Twiml", request.Twiml),
        };
        if (request.StatusCallback is { } callback)
        {
            if (!callback.IsAbsoluteUri || (callback.Scheme != Uri.UriSchemeHttps && callback.Scheme != Uri.UriSchemeHttp))
            {
                throw new ArgumentException("OutboundCallRequest.StatusCallback must be an absolute http(s) URL.", nameof(request));
            }

            if (request.StatusCallbackMethod is not ("POST" or "GET"))
            {
                throw new ArgumentException("OutboundCallRequest.StatusCallbackMethod must be POST or GET.", nameof(request));
            }

            form.Add(new("StatusCallback", callback.OriginalString));
            foreach (var callbackEvent in request.StatusCallbackEvents ?? [])
            {
                if (callbackEvent is not ("initiated" or "ringing" or "answered" or "completed"))
                {
                    throw new ArgumentException("OutboundCallRequest.StatusCallbackEvents may hold only initiated, ringing, answered and completed.", nameof(request));
                }

                form.Add(new("StatusCallbackEvent", callbackEvent));
            }

            form.Add(new("StatusCallbackMethod", request.StatusCallbackMethod));
        }

        if (request.RingTimeout is { } ring)
        {
            if (ring < TimeSpan.FromSeconds(1))
            {
                throw new ArgumentException("OutboundCallRequest.RingTimeout must be at least one second.", nameof(request));
            }

            form.Add(new("Timeout", ((int)ring.TotalSeconds).ToString(CultureInfo.InvariantCulture)));
        }

        if (request.MachineDetection is { } detection)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(detection, nameof(request));
            form.Add(new("MachineDetection", detection));
        }

        return form;
    }

    /// <summary>POSTs a form to a resource under the account and reads the (bounded) answer, within the request timeout.</summary>
    private async Task<(HttpStatusCode Status, byte[] Body)> PostAsync(string resource, IEnumerable<KeyValuePair<string, string>> form, string what, CancellationToken cancellationToken)
    {
        var (accountSid, authToken) = Credentials();
        var baseUrl = _options.ApiBaseUrl ?? throw new InvalidOperationException("TwilioOptions.ApiBaseUrl is null: leave it at https://api.twilio.com or set a URL.");
        var url = new Uri($"{baseUrl.GetLeftPart(UriPartial.Path).TrimEnd('/')}/{ApiVersion}/Accounts/{accountSid}/{resource}");
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new FormUrlEncodedContent(form),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{accountSid}:{authToken}")));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.UserAgent.Add(s_userAgent);

        var timeout = _options.RestRequestTimeout;
        using var timer = new CancellationTokenSource(timeout > TimeSpan.Zero ? timeout : Timeout.InfiniteTimeSpan, _options.TimeProvider ?? TimeProvider.System);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            using var response = await _httpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            var body = await ReadBoundedAsync(response.Content, linked.Token).ConfigureAwait(false);
            return (response.StatusCode, body);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Our timer or HttpClient.Timeout: either way Twilio was too slow, which may pass on a retry.
            throw new VoiceProviderException(
                $"Twilio did not answer within {timeout.TotalSeconds:0.#} s when trying to {what} (TwilioOptions.RestRequestTimeout).",
                Provider,
                isTransient: true,
                innerException: new TimeoutException(ex.Message, ex));
        }
        catch (HttpRequestException ex)
        {
            throw new VoiceProviderException($"Could not reach Twilio at {baseUrl.Authority} to {what}: {ex.Message}", Provider, isTransient: true, innerException: ex);
        }
    }

    private (string AccountSid, string AuthToken) Credentials()
    {
        var accountSid = _options.AccountSid;
        var authToken = _options.AuthToken;
        if (string.IsNullOrWhiteSpace(accountSid) || string.IsNullOrWhiteSpace(authToken))
        {
            throw new AuthenticationException($"Twilio credentials are missing: {CredentialHint}.");
        }

        if (!AccountSid().IsMatch(accountSid))
        {
            throw new AuthenticationException($"The Twilio account SID is not an account SID (AC followed by 32 hex digits): {CredentialHint}.");
        }

        return (accountSid, authToken);
    }

    private Exception CreateError(HttpStatusCode status, TwilioRestError? error, string what)
    {
        var statusNumber = (int)status;
        var code = error?.Code is { } number ? ", code " + number.ToString(CultureInfo.InvariantCulture) : string.Empty;
        if (status == HttpStatusCode.Unauthorized)
        {
            return new AuthenticationException($"Twilio rejected the credentials (HTTP 401{code}) when trying to {what}: {CredentialHint}.");
        }

        var text = new StringBuilder($"Twilio refused to {what} (HTTP {statusNumber}{code})");
        if (!string.IsNullOrWhiteSpace(error?.Message))
        {
            text.Append(": ").Append(Scrub(error.Message));
        }

        text.Append('.');
        Uri.TryCreate(error?.MoreInfo, UriKind.Absolute, out var moreInfo);
        if (moreInfo is not null)
        {
            text.Append(" See ").Append(moreInfo.AbsoluteUri);
        }

        return new TwilioRestException(text.ToString(), status, error?.Code, moreInfo);
    }

    /// <summary>Removes the auth token from text quoted from the server, in case it is ever echoed, and caps the length.</summary>
    private string Scrub(string message)
    {
        var token = _options.AuthToken;
        if (!string.IsNullOrEmpty(token) && token.Length >= 4)
        {
            message = message.Replace(token, "***", StringComparison.Ordinal);
        }

        return message.Length > 300 ? message[..300] + "..." : message;
    }

    private static TwilioRestError? ParseError(byte[] body)
    {
        if (body.Length == 0)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(body, TwilioRestJsonContext.Default.TwilioRestError);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task<byte[]> ReadBoundedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[MaxResponseBytes];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0)
            {
                length += read;
            }

            return buffer.AsSpan(0, length).ToArray();
        }
    }

    private static bool IsSuccess(HttpStatusCode status) => (int)status is >= 200 and < 300;

    private static void ValidateCallSid(string callSid, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(callSid))] string? name = null)
    {
        ArgumentNullException.ThrowIfNull(callSid, name);
        if (!CallSid().IsMatch(callSid))
        {
            throw new ArgumentException("A call SID is CA followed by 32 hex digits.", name);
        }
    }

    [GeneratedRegex(@"^CA[0-9a-fA-F]{32}\z")]
    private static partial Regex CallSid();

    [GeneratedRegex(@"^AC[0-9a-fA-F]{32}\z")]
    private static partial Regex AccountSid();

    [GeneratedRegex(@"^\+[1-9][0-9]{1,14}\z")]
    private static partial Regex E164();

    [GeneratedRegex(@"^sip:[^\s<>""'\p{Cc}]+\z", RegexOptions.IgnoreCase)]
    private static partial Regex SipAddress();
}
