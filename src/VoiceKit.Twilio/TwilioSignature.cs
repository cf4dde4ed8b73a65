using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace VoiceKit.Twilio;

/// <summary>
/// The <c>X-Twilio-Signature</c> algorithm (protocols.md §5.6, after twilio-csharp's RequestValidator): HMAC-SHA1 keyed
/// with the auth token over the URL Twilio requested followed by the form parameters sorted by name (ordinal), each name
/// then value with no separators, base64-encoded. Validation retries once with the port toggled, because Twilio signs
/// ports inconsistently, and compares in constant time. Stateless and thread-safe.
/// </summary>
internal static class TwilioSignature
{
    /// <summary>The request header Twilio puts the signature in.</summary>
    public const string HeaderName = "X-Twilio-Signature";

    /// <summary>The query parameter Twilio adds to the URL of a JSON-body webhook, holding the body's SHA-256 in lowercase hex.</summary>
    public const string BodySha256Parameter = "bodySHA256";

    /// <summary>A base64 HMAC-SHA1 is 28 characters; anything much longer is garbage and is rejected before hashing.</summary>
    private const int MaxSignatureLength = 128;

    /// <summary>The most of a JSON webhook body read to check its hash; Twilio's JSON webhooks are a few KiB.</summary>
    private const int MaxJsonBodyBytes = 1024 * 1024;

    /// <summary>Computes the signature Twilio sends for a request to <paramref name="url"/> with these form parameters.</summary>
    /// <param name="url">The full URL Twilio requested, exactly as configured (scheme, host, port, path and query).</param>
    /// <param name="formParameters">The POST form parameters, or null for none (GET, WebSocket upgrade, JSON body).</param>
    /// <param name="authToken">The account's auth token, the HMAC key.</param>
    /// <returns>The base64 HMAC-SHA1 (standard alphabet, padded).</returns>
    public static string Compute(string url, IEnumerable<KeyValuePair<string, string>>? formParameters, string authToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentException.ThrowIfNullOrEmpty(authToken);
        Span<byte> hash = stackalloc byte[HMACSHA1.HashSizeInBytes];
        ComputeHash(url, formParameters, authToken, hash);
        return Convert.ToBase64String(hash);
    }

    /// <summary>
    /// Whether <paramref name="signature"/> is Twilio's signature for this URL and form, trying the URL as given and then
    /// once with its port toggled (an explicit port removed; the scheme's default port added when there is none). Scheme,
    /// host and credentials keep their case. A missing, empty or malformed signature is simply invalid.
    /// </summary>
    /// <param name="url">The full URL Twilio requested.</param>
    /// <param name="formParameters">The POST form parameters, or null for none.</param>
    /// <param name="signature">The <c>X-Twilio-Signature</c> header value, if any.</param>
    /// <param name="authToken">The account's auth token.</param>
    /// <returns>True when the signature matches either URL form.</returns>
    public static bool IsValid(string url, IEnumerable<KeyValuePair<string, string>>? formParameters, string? signature, string authToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentException.ThrowIfNullOrEmpty(authToken);
        if (string.IsNullOrEmpty(signature) || signature.Length > MaxSignatureLength)
        {
            return false;
        }

        // The parameters are enumerated twice (once per URL form), so a one-shot sequence is materialised first.
        var parameters = formParameters is null or ICollection<KeyValuePair<string, string>> ? formParameters : formParameters.ToList();
        Span<byte> given = stackalloc byte[MaxSignatureLength * 3];
        var givenLength = Encoding.UTF8.GetBytes(signature, given);
        given = given[..givenLength];
        if (Matches(url, parameters, given, authToken))
        {
            return true;
        }

        return TryTogglePort(url, out var toggled) && Matches(toggled, parameters, given, authToken);
    }

    /// <summary>
    /// Validates a JSON-body webhook: the signature covers the URL alone (no parameters), and the URL's
    /// <c>bodySHA256</c> query parameter must equal the lowercase hex SHA-256 of the raw body.
    /// </summary>
    /// <param name="urlWithBodySha256">The full URL Twilio requested, including <c>bodySHA256=…</c>.</param>
    /// <param name="body">The raw body, as text (hashed as UTF-8).</param>
    /// <param name="signature">The <c>X-Twilio-Signature</c> header value, if any.</param>
    /// <param name="authToken">The account's auth token.</param>
    /// <returns>True when both the signature and the body hash match.</returns>
    public static bool IsValidJsonBody(string urlWithBodySha256, string body, string? signature, string authToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        return IsValidJsonBody(urlWithBodySha256, Encoding.UTF8.GetBytes(body), signature, authToken);
    }

    /// <summary>Validates a JSON-body webhook from the body's raw bytes; see <see cref="IsValidJsonBody(string, string, string?, string)"/>.</summary>
    /// <param name="urlWithBodySha256">The full URL Twilio requested, including <c>bodySHA256=…</c>.</param>
    /// <param name="body">The raw body bytes.</param>
    /// <param name="signature">The <c>X-Twilio-Signature</c> header value, if any.</param>
    /// <param name="authToken">The account's auth token.</param>
    /// <returns>True when both the signature and the body hash match.</returns>
    public static bool IsValidJsonBody(string urlWithBodySha256, ReadOnlySpan<byte> body, string? signature, string authToken)
    {
        ArgumentNullException.ThrowIfNull(urlWithBodySha256);
        ArgumentException.ThrowIfNullOrEmpty(authToken);
        if (!TryGetBodySha256(urlWithBodySha256, out var expectedHex))
        {
            return false;
        }

        // Both checks always run, so the time taken says nothing about which one failed.
        var signatureValid = IsValid(urlWithBodySha256, formParameters: null, signature, authToken);
        return BodyHashMatches(body, expectedHex) & signatureValid;
    }

    /// <summary>
    /// The URL Twilio requested to reach this request, as Twilio signed it. With <paramref name="publicBaseUrl"/>, its
    /// scheme, authority and path (as written, keeping case) replace the request's own scheme and host, and its path is
    /// put before the request's path unless the request path already starts with it (an app using <c>UsePathBase</c>, or
    /// a proxy that does not strip the prefix). Without it, the request's scheme and Host header are used. Path and query
    /// are taken as received (the raw request target when the server exposes it). A WebSocket upgrade is signed over
    /// the <c>ws</c>/<c>wss</c> URL written in <c>&lt;Stream url&gt;</c>, so http maps to ws and https to wss.
    /// </summary>
    /// <param name="request">The incoming request.</param>
    /// <param name="publicBaseUrl">The public base URL Twilio was given (<see cref="TwilioOptions.PublicBaseUrl"/>), or null.</param>
    /// <returns>The URL string to sign.</returns>
    public static string RequestUrl(HttpRequest request, Uri? publicBaseUrl)
    {
        ArgumentNullException.ThrowIfNull(request);
        string scheme;
        string authority;
        var prefix = string.Empty;
        if (publicBaseUrl is not null)
        {
            prefix = SplitPublicBaseUrl(publicBaseUrl, out scheme, out authority);
        }
        else
        {
            scheme = request.Scheme;
            authority = request.Host.Value ?? string.Empty;
        }

        var target = RequestTarget(request);
        if (prefix.Length > 0 && !StartsWithSegment(target, prefix))
        {
            target = prefix + target;
        }

        if (IsWebSocketUpgrade(request))
        {
            scheme = WebSocketScheme(scheme);
        }

        return scheme + "://" + authority + target;
    }

    /// <summary>
    /// The <c>ws</c>/<c>wss</c> URL to write in <c>&lt;Stream url&gt;</c> for a media endpoint at <paramref name="path"/>
    /// behind <paramref name="publicBaseUrl"/>: exactly the URL <see cref="RequestUrl"/> reconstructs for the upgrade,
    /// because Twilio signs the attribute as written. So the host keeps the case it was configured with (a
    /// <see cref="Uri"/> would lower it) and the base path is put before <paramref name="path"/> only when it is not
    /// already there (an app using <c>UsePathBase</c> with it).
    /// </summary>
    /// <param name="publicBaseUrl">The public base URL Twilio was given.</param>
    /// <param name="path">The endpoint's path as this app sees it (path base included), escaped, starting with '/'.</param>
    /// <returns>The URL string.</returns>
    public static string PublicStreamUrl(Uri publicBaseUrl, string path)
    {
        ArgumentNullException.ThrowIfNull(publicBaseUrl);
        ArgumentNullException.ThrowIfNull(path);
        var prefix = SplitPublicBaseUrl(publicBaseUrl, out var scheme, out var authority);
        if (prefix.Length > 0 && !StartsWithSegment(path, prefix))
        {
            path = prefix + path;
        }

        return WebSocketScheme(scheme) + "://" + authority + path;
    }

    /// <summary>Scheme and authority of the public base URL as written, and its path without a trailing slash.</summary>
    private static string SplitPublicBaseUrl(Uri publicBaseUrl, out string scheme, out string authority)
    {
        var original = publicBaseUrl.IsAbsoluteUri ? publicBaseUrl.OriginalString : throw new ArgumentException("The public base URL must be absolute.", nameof(publicBaseUrl));
        if (!TrySplit(original, out scheme, out authority, out var pathStart))
        {
            throw new ArgumentException("The public base URL must have the form scheme://host[:port][/path].", nameof(publicBaseUrl));
        }

        var pathEnd = original.AsSpan(pathStart).IndexOfAny('?', '#');
        return (pathEnd < 0 ? original[pathStart..] : original.Substring(pathStart, pathEnd)).TrimEnd('/');
    }

    private static string WebSocketScheme(string scheme) =>
        scheme.Equals("https", StringComparison.OrdinalIgnoreCase) ? "wss"
        : scheme.Equals("http", StringComparison.OrdinalIgnoreCase) ? "ws"
        : scheme;

    /// <summary>
    /// Whether an incoming request carries Twilio's valid signature: a form POST is checked with its form parameters
    /// (the form is read, and stays readable through <see cref="HttpRequest.Form"/>); a URL with <c>bodySHA256</c> is
    /// checked as a JSON-body webhook (the body is buffered and rewound, so the endpoint can still read it); a GET or
    /// WebSocket upgrade is checked over the URL alone. A POST with some other body and no body hash is refused, because
    /// its body would be unauthenticated. Malformed forms, missing or repeated headers give false, never an exception.
    /// </summary>
    /// <param name="request">The incoming request.</param>
    /// <param name="authToken">The account's auth token.</param>
    /// <param name="publicBaseUrl">The public base URL Twilio was given, or null to use the request's scheme and host.</param>
    /// <param name="cancellationToken">Cancels reading the body.</param>
    /// <returns>True when the request is signed by Twilio with this token.</returns>
    public static async Task<bool> IsValidAsync(HttpRequest request, string authToken, Uri? publicBaseUrl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(authToken);
        var headers = request.Headers[HeaderName];
        if (headers.Count != 1 || string.IsNullOrEmpty(headers[0]))
        {
            return false;
        }

        var signature = headers[0];
        var url = RequestUrl(request, publicBaseUrl);
        if (TryGetBodySha256(url, out _))
        {
            var body = await ReadBoundedBodyAsync(request, cancellationToken).ConfigureAwait(false);
            return body is not null && IsValidJsonBody(url, body, signature, authToken);
        }

        if (request.HasFormContentType)
        {
            IFormCollection form;
            try
            {
                form = await request.ReadFormAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidDataException or BadHttpRequestException)
            {
                return false;
            }

            return IsValid(url, Flatten(form), signature, authToken);
        }

        if (request.ContentLength > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0))
        {
            return false;
        }

        return IsValid(url, formParameters: null, signature, authToken);
    }

    /// <summary>
    /// The URL with its port toggled: an explicit port (any port, as twilio-csharp does) is removed, or the default port of
    /// https/wss (443) or http/ws (80) is added when there is none. Everything else is kept byte for byte.
    /// </summary>
    /// <param name="url">A URL.</param>
    /// <param name="toggled">The URL with the port toggled.</param>
    /// <returns>False when the URL has no recognisable authority or its scheme has no default port.</returns>
    internal static bool TryTogglePort(string url, out string toggled)
    {
        toggled = url;
        if (!TrySplit(url, out var scheme, out var authority, out var pathStart))
        {
            return false;
        }

        var authorityStart = pathStart - authority.Length;
        var hostStart = authority.LastIndexOf('@') + 1;
        var host = authority.AsSpan(hostStart);
        int colon;
        if (host.StartsWith("["))
        {
            // An IPv6 literal: its colons are not a port separator.
            var close = host.IndexOf(']');
            colon = close >= 0 && close + 1 < host.Length && host[close + 1] == ':' ? close + 1 : -1;
        }
        else
        {
            colon = host.LastIndexOf(':');
        }

        if (colon >= 0)
        {
            var portStart = authorityStart + hostStart + colon;
            toggled = string.Concat(url.AsSpan(0, portStart), url.AsSpan(pathStart));
            return true;
        }

        var defaultPort = scheme.ToUpperInvariant() switch
        {
            "HTTPS" or "WSS" => ":443",
            "HTTP" or "WS" => ":80",
            _ => null,
        };
        if (defaultPort is null)
        {
            return false;
        }

        toggled = string.Concat(url.AsSpan(0, pathStart), defaultPort, url.AsSpan(pathStart));
        return true;
    }

    /// <summary>The <c>bodySHA256</c> query parameter (percent-decoded), when the URL has exactly one.</summary>
    internal static bool TryGetBodySha256(string url, out string hex)
    {
        hex = string.Empty;
        var query = url.AsSpan();
        var fragment = query.IndexOf('#');
        if (fragment >= 0)
        {
            query = query[..fragment];
        }

        var questionMark = query.IndexOf('?');
        if (questionMark < 0)
        {
            return false;
        }

        var found = 0;
        foreach (var range in query[(questionMark + 1)..].Split('&'))
        {
            var pair = query[(questionMark + 1)..][range];
            var equals = pair.IndexOf('=');
            if (equals >= 0 && pair[..equals].SequenceEqual(BodySha256Parameter))
            {
                found++;
                hex = Uri.UnescapeDataString(pair[(equals + 1)..].ToString());
            }
        }

        return found == 1;
    }

    private static bool Matches(string url, IEnumerable<KeyValuePair<string, string>>? parameters, ReadOnlySpan<byte> given, string authToken)
    {
        Span<byte> hash = stackalloc byte[HMACSHA1.HashSizeInBytes];
        ComputeHash(url, parameters, authToken, hash);
        Span<byte> expected = stackalloc byte[Base64.GetMaxEncodedToUtf8Length(HMACSHA1.HashSizeInBytes)];
        Base64.EncodeToUtf8(hash, expected, out _, out var written);
        return CryptographicOperations.FixedTimeEquals(expected[..written], given);
    }

    private static void ComputeHash(string url, IEnumerable<KeyValuePair<string, string>>? parameters, string authToken, Span<byte> destination)
    {
        var text = new StringBuilder(url);
        if (parameters is not null)
        {
            var sorted = parameters.ToList();

            // Ordinal by name (twilio-csharp); values of a repeated name sorted too, as Twilio's other SDKs do.
            sorted.Sort(static (a, b) =>
            {
                var byName = string.CompareOrdinal(a.Key, b.Key);
                return byName != 0 ? byName : string.CompareOrdinal(a.Value, b.Value);
            });
            foreach (var (name, value) in sorted)
            {
                text.Append(name).Append(value);
            }
        }

        var data = Encoding.UTF8.GetBytes(text.ToString());
        var key = Encoding.UTF8.GetBytes(authToken);
        HMACSHA1.HashData(key, data, destination);
    }

    private static bool BodyHashMatches(ReadOnlySpan<byte> body, string expectedHex)
    {
        if (expectedHex.Length != SHA256.HashSizeInBytes * 2)
        {
            return false;
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(body, hash);
        var actualHex = Convert.ToHexStringLower(hash);
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(actualHex), Encoding.UTF8.GetBytes(expectedHex));
    }

    /// <summary>Splits <c>scheme://authority/path…</c>; <paramref name="pathStart"/> is where the authority ends.</summary>
    private static bool TrySplit(string url, out string scheme, out string authority, out int pathStart)
    {
        scheme = authority = string.Empty;
        pathStart = 0;
        var separator = url.IndexOf("://", StringComparison.Ordinal);
        if (separator <= 0)
        {
            return false;
        }

        var authorityStart = separator + 3;
        var end = url.AsSpan(authorityStart).IndexOfAny('/', '?', '#');
        pathStart = end < 0 ? url.Length : authorityStart + end;
        if (pathStart == authorityStart)
        {
            return false;
        }

        scheme = url[..separator];
        authority = url[authorityStart..pathStart];
        return true;
    }

    /// <summary>The request's path and query as received: the raw target when the server keeps it, otherwise rebuilt.</summary>
    private static string RequestTarget(HttpRequest request)
    {
        var raw = request.HttpContext.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (!string.IsNullOrEmpty(raw) && raw[0] == '/')
        {
            return raw;
        }

        var path = request.PathBase.Add(request.Path).ToUriComponent();
        return (path.Length == 0 ? "/" : path) + request.QueryString.Value;
    }

    private static bool StartsWithSegment(string target, string prefix) =>
        target.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
        && (target.Length == prefix.Length || target[prefix.Length] is '/' or '?');

    private static bool IsWebSocketUpgrade(HttpRequest request) =>
        request.HttpContext.WebSockets.IsWebSocketRequest
        || (HttpMethods.IsGet(request.Method) && request.Headers.Upgrade.ToString().Contains("websocket", StringComparison.OrdinalIgnoreCase));

    private static IEnumerable<KeyValuePair<string, string>> Flatten(IFormCollection form)
    {
        var pairs = new List<KeyValuePair<string, string>>(form.Count);
        foreach (var (name, values) in form)
        {
            foreach (var value in values)
            {
                pairs.Add(new(name, value ?? string.Empty));
            }
        }

        return pairs;
    }

    /// <summary>Reads the whole body (up to a limit) and rewinds it for the endpoint; null when it is too large.</summary>
    private static async Task<byte[]?> ReadBoundedBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxJsonBodyBytes)
        {
            return null;
        }

        request.EnableBuffering();
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            using var body = new MemoryStream();
            int read;
            while ((read = await request.Body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (body.Length + read > MaxJsonBodyBytes)
                {
                    return null;
                }

                body.Write(buffer, 0, read);
            }

            request.Body.Position = 0;
            return body.ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
