using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Security.Authentication;

namespace VoiceKit.Deepgram;

/// <summary>Opens Deepgram WebSockets (<c>/v1/listen</c> and <c>/v1/speak</c>) and maps a failed handshake to a clear, typed error.</summary>
internal static class DeepgramSocket
{
    public const string Provider = "deepgram";

    /// <summary>How long a connection attempt may take before it fails (a server that accepts TCP but never answers the upgrade must not hang the call).</summary>
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Connects with the <c>Authorization: Token</c> header and records the connect time.</summary>
    /// <param name="uri">The endpoint with its query string.</param>
    /// <param name="apiKey">The key; never put into messages.</param>
    /// <param name="port"><see cref="ProviderMetrics.SpeechToText"/> or <see cref="ProviderMetrics.TextToSpeech"/>.</param>
    /// <param name="optionsName">The options class, named in the bad-credentials message.</param>
    /// <param name="time">The clock for the metric and the timeout.</param>
    /// <param name="timeout">The connect timeout.</param>
    /// <param name="cancellationToken">Cancels connecting.</param>
    /// <returns>The open socket; the caller owns it.</returns>
    /// <exception cref="AuthenticationException">HTTP 401 or 403.</exception>
    /// <exception cref="VoiceProviderException">Any other refusal, a network failure, or the timeout.</exception>
    public static async Task<ClientWebSocket> ConnectAsync(
        Uri uri, string? apiKey, string port, string optionsName, TimeProvider time, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var what = port == ProviderMetrics.SpeechToText ? "speech-to-text" : "text-to-speech";
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Token " + apiKey);
        socket.Options.CollectHttpResponseDetails = true;
        var started = time.GetTimestamp();
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            await socket.ConnectAsync(uri, linked.Token).ConfigureAwait(false);
            DeepgramTelemetry.Metrics.RecordConnect(port, time.GetElapsedTime(started));
            return socket;
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new VoiceProviderException(
                $"Deepgram {what} did not answer the connection within {timeout.TotalSeconds:0.#} s.", Provider, "timeout", isTransient: true, ex);
        }
        catch (WebSocketException ex) when (socket.HttpStatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            var status = (int)socket.HttpStatusCode;
            var detail = ErrorDetail(socket);
            socket.Dispose();
            throw new AuthenticationException(
                $"Deepgram rejected the credentials (HTTP {status}{detail}): check {optionsName}.ApiKey or the DEEPGRAM_API_KEY environment variable.",
                ex);
        }
        catch (WebSocketException ex) when (socket.HttpStatusCode != 0)
        {
            var status = (int)socket.HttpStatusCode;
            var detail = ErrorDetail(socket);
            socket.Dispose();
            throw new VoiceProviderException(
                $"Deepgram refused the {what} connection (HTTP {status}{detail}).",
                Provider,
                status.ToString(CultureInfo.InvariantCulture),
                isTransient: status is 408 or 429 or >= 500,
                ex);
        }
        catch (WebSocketException ex)
        {
            socket.Dispose();
            throw new VoiceProviderException($"Could not connect to Deepgram {what}.", Provider, isTransient: true, innerException: ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Deepgram's <c>dg-error</c> response header, shortened, for messages.</summary>
    private static string ErrorDetail(ClientWebSocket socket)
    {
        if (socket.HttpResponseHeaders is { } headers && headers.TryGetValue("dg-error", out var values))
        {
            var text = string.Join(" ", values);
            if (text.Length > 0)
            {
                return ", dg-error: " + (text.Length > 200 ? text[..200] : text);
            }
        }

        return string.Empty;
    }
}
