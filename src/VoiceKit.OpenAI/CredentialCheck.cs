using System.Net;

namespace VoiceKit.OpenAI;

/// <summary>
/// Checks the key once per provider with <c>GET models/{model}</c>, the cheapest authenticated call, before the first
/// stream starts: a bad key then fails at <c>StartAsync</c> rather than in the middle of a call. It also opens a pooled
/// connection, so the first real request skips the TCP and TLS handshakes. Thread-safe.
/// </summary>
internal sealed class CredentialCheck(OpenAIVoiceOptions settings, HttpClient http, string model, string port)
{
    private volatile bool _done;

    /// <summary>Checks, unless turned off or already settled.</summary>
    /// <exception cref="System.Security.Authentication.AuthenticationException">The server answered 401 or 403.</exception>
    public async ValueTask EnsureAsync(CancellationToken cancellationToken)
    {
        if (_done || !settings.VerifyCredentialsOnStart)
        {
            return;
        }

        var started = settings.TimeProvider.GetTimestamp();
        using var timeout = new CancellationTokenSource(settings.VerifyTimeout, settings.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        using var request = OpenAIHttp.CreateRequest(HttpMethod.Get, "models/" + Uri.EscapeDataString(model), settings);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // Unreachable or slow: the first real request reports it; check again on the next start.
            return;
        }

        using (response)
        {
            OpenAITelemetry.Metrics.RecordConnect(port, settings.TimeProvider.GetElapsedTime(started));
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                throw await OpenAIHttp.ReadErrorAsync(response, "the credential check (GET models/" + model + ")", settings, linked.Token).ConfigureAwait(false);
            }

            // 200, or a 404 from a compatible server without the models endpoint, or anything else: the key was not refused.
            _done = true;
        }
    }
}
