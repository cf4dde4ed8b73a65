using System.Net;
using System.Net.Http.Headers;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;

namespace VoiceKit.OpenAI;

/// <summary>What the speech ports share about talking HTTP to OpenAI: the connection pool, request headers and error mapping.</summary>
internal static class OpenAIHttp
{
    /// <summary>The <c>voicekit.provider</c> tag and <see cref="VoiceProviderException.Provider"/>.</summary>
    public const string Provider = "openai";

    /// <summary>The most of an error body read; vendor error bodies are a few hundred bytes.</summary>
    private const int MaxErrorBodyBytes = 16 * 1024;

    private const string CredentialHint = "check OpenAIVoiceOptions.ApiKey or the OPENAI_API_KEY environment variable (and OPENAI_BASE_URL, if the key belongs to another server).";

    private static readonly ProductInfoHeaderValue s_userAgent = new("VoiceKit.OpenAI", typeof(OpenAIHttp).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");

    /// <summary>
    /// The pool every provider made from one options instance shares. Timeouts are VoiceKit's own (per request, on the
    /// options' clock) and the SDK's network timeout, so the client itself never times out. Connections are recycled every
    /// few minutes so DNS changes are followed.
    /// </summary>
    public static HttpClient CreateHttpClient() => new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
        ConnectTimeout = TimeSpan.FromSeconds(10),
        EnableMultipleHttp2Connections = true,
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary><paramref name="path"/> under the endpoint's path, keeping its query (some gateways need one).</summary>
    public static Uri Resolve(Uri endpoint, string path) => new UriBuilder(endpoint)
    {
        Path = endpoint.AbsolutePath.TrimEnd('/') + "/" + path,
    }.Uri;

    /// <summary>A request with the Bearer key (when there is one), the organization and project headers, and VoiceKit's user agent.</summary>
    public static HttpRequestMessage CreateRequest(HttpMethod method, string path, OpenAIVoiceOptions settings)
    {
        var request = new HttpRequestMessage(method, Resolve(settings.Endpoint, path));
        if (!string.IsNullOrWhiteSpace(settings.ApiKey))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.ApiKey);
        }

        if (!string.IsNullOrWhiteSpace(settings.Organization))
        {
            request.Headers.TryAddWithoutValidation("OpenAI-Organization", settings.Organization);
        }

        if (!string.IsNullOrWhiteSpace(settings.Project))
        {
            request.Headers.TryAddWithoutValidation("OpenAI-Project", settings.Project);
        }

        request.Headers.UserAgent.Add(s_userAgent);
        return request;
    }

    /// <summary>Whether a status means the same request may work if tried again.</summary>
    public static bool IsTransient(HttpStatusCode status) => status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout || (int)status >= 500;

    /// <summary>Reads an error response and turns it into the exception to throw or report.</summary>
    /// <param name="response">A response with an error status, or a 200 whose body is not what was asked for.</param>
    /// <param name="what">What was being done, for the message ("speech", "transcription").</param>
    /// <param name="settings">For the key, which is scrubbed from anything quoted.</param>
    /// <param name="cancellationToken">Cancels reading the body.</param>
    /// <returns>An <see cref="AuthenticationException"/> for 401/403, otherwise a <see cref="VoiceProviderException"/>.</returns>
    public static async Task<Exception> ReadErrorAsync(HttpResponseMessage response, string what, OpenAIVoiceOptions settings, CancellationToken cancellationToken)
    {
        byte[] body;
        try
        {
            body = await ReadBoundedAsync(response.Content, MaxErrorBodyBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            body = [];
        }

        return ErrorFromBody(response.StatusCode, body, what, settings);
    }

    /// <summary>Maps a status and an error body (<c>{"error":{"message","type","param","code"}}</c>, or the <c>{"error":"..."}</c> some compatible servers send).</summary>
    public static Exception ErrorFromBody(HttpStatusCode status, ReadOnlySpan<byte> body, string what, OpenAIVoiceOptions settings)
    {
        var (message, code) = ParseError(body);
        var statusNumber = (int)status;
        if (status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            // The vendor's message for a bad key quotes part of it, so only the code is repeated.
            var detail = code is null ? string.Empty : ", " + code;
            return new AuthenticationException($"OpenAI rejected the credentials (HTTP {statusNumber}{detail}) for {what}: {CredentialHint}");
        }

        var text = new StringBuilder($"OpenAI {what} failed (HTTP {statusNumber}");
        if (code is not null)
        {
            text.Append(", ").Append(code);
        }

        text.Append(')');
        if (message is not null)
        {
            text.Append(": ").Append(Scrub(message, settings));
        }
        else if (body.Length > 0)
        {
            text.Append(": the error body was not OpenAI's error JSON");
        }

        text.Append('.');
        return new VoiceProviderException(text.ToString(), Provider, code, IsTransient(status));
    }

    /// <summary>Reads an error carried inside a stream (<c>data: {"error":{...}}</c>).</summary>
    public static VoiceProviderException ErrorFromStream(string what, string? message, string? code, OpenAIVoiceOptions settings) =>
        new($"OpenAI reported an error during {what}{(code is null ? string.Empty : " (" + code + ")")}: {Scrub(message ?? "no message", settings)}", Provider, code);

    /// <summary>The message and code of an OpenAI error body, or nulls when it is not one.</summary>
    public static (string? Message, string? Code) ParseError(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return (null, null);
        }

        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("error", out var error))
            {
                return (root.ValueKind == JsonValueKind.Object ? Text(root, "message") : null, null);
            }

            if (error.ValueKind == JsonValueKind.String)
            {
                return (error.GetString(), null);
            }

            if (error.ValueKind != JsonValueKind.Object)
            {
                return (null, null);
            }

            return (Text(error, "message"), Text(error, "code") ?? Text(error, "type"));
        }
        catch (JsonException)
        {
            return (null, null);
        }

        static string? Text(JsonElement element, string name) => element.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        } : null;
    }

    /// <summary>Reads at most <paramref name="limit"/> bytes of a body.</summary>
    public static async Task<byte[]> ReadBoundedAsync(HttpContent content, int limit, CancellationToken cancellationToken)
    {
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[limit];
            var length = 0;
            while (length < limit)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }

            return buffer.AsSpan(0, length).ToArray();
        }
    }

    /// <summary>Removes the key from text quoted from the server, in case a server echoes it.</summary>
    private static string Scrub(string message, OpenAIVoiceOptions settings)
    {
        if (!string.IsNullOrEmpty(settings.ApiKey) && settings.ApiKey.Length >= 4)
        {
            message = message.Replace(settings.ApiKey, "***", StringComparison.Ordinal);
        }

        return message.Length > 300 ? message[..300] + "..." : message;
    }
}
