using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace VoiceKit.Twilio;

/// <summary>
/// The handlers behind <c>MapTwilioVoiceAgent</c>. Every request is signature-checked before anything else happens: a
/// request that fails gets 403 and never reaches a session.
/// </summary>
internal sealed class TwilioEndpoints(TwilioOptions options, IServiceProvider services, ILogger logger, string prefix)
{
    private const string MediaPath = "/media";

    /// <summary>The incoming-call webhook: TwiML that connects a bidirectional media stream, with the call's details as parameters.</summary>
    public async Task IncomingCallAsync(HttpContext context)
    {
        if (!await IsSignedAsync(context, "webhook").ConfigureAwait(false))
        {
            return;
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        var fields = form.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["From"] = fields.GetValueOrDefault("From") ?? string.Empty,
            ["To"] = fields.GetValueOrDefault("To") ?? string.Empty,
            ["Direction"] = fields.GetValueOrDefault("Direction") is { Length: > 0 } direction && direction.StartsWith("outbound", StringComparison.Ordinal) ? "outbound" : "inbound",
        };
        if (options.StreamParameters is { } extra)
        {
            foreach (var (name, value) in extra(fields))
            {
                parameters[name] = value;
            }
        }

        TwilioLog.IncomingCall(logger, fields.GetValueOrDefault("CallSid") ?? "(none)");
        context.Response.ContentType = "text/xml; charset=utf-8";
        await context.Response.WriteAsync(TwiML.ConnectStream(StreamUrl(context.Request), parameters), context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>The media WebSocket: one call, one session of the registered agent, from <c>start</c> to <c>stop</c>.</summary>
    public async Task MediaStreamAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            TwilioLog.NotWebSocket(logger, context.Request.Path);
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("Expected a WebSocket upgrade (and app.UseWebSockets() in the pipeline).", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        if (!await IsSignedAsync(context, "media stream").ConfigureAwait(false))
        {
            return;
        }

        var agent = services.GetRequiredService<VoiceAgent>();
        var calls = services.GetService<TwilioCallControl>();
        using var socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        TwilioMediaStreamTransport transport;
        try
        {
            transport = await TwilioMediaStreamTransport.AcceptAsync(socket, options, calls, logger, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
        {
            TwilioLog.StreamFailed(logger, e);
            await CloseQuietlyAsync(socket, WebSocketCloseStatus.PolicyViolation, "stream did not start").ConfigureAwait(false);
            return;
        }

        await using (transport.ConfigureAwait(false))
        {
            // RunAsync ends with a summary (its errors included) and does not throw for a failed call; the host never sees
            // an exception from a call.
            var summary = await agent.RunAsync(transport, context.RequestAborted).ConfigureAwait(false);
            TwilioLog.CallEnded(logger, transport.Call.CallId, summary.EndReason, summary.Duration.TotalSeconds);
        }
    }

    /// <summary>Call status callbacks (<c>StatusCallback</c> of outbound calls): logged, answered 204.</summary>
    public async Task StatusCallbackAsync(HttpContext context)
    {
        if (!await IsSignedAsync(context, "status callback").ConfigureAwait(false))
        {
            return;
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        TwilioLog.StatusCallback(logger, form["CallSid"].ToString(), form["CallStatus"].ToString());
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    /// <summary>The <c>wss://</c> URL of the media endpoint as Twilio must reach it (and will sign it).</summary>
    internal Uri StreamUrl(HttpRequest request)
    {
        var path = request.PathBase.Add(prefix.TrimEnd('/')).Add(MediaPath);
        if (options.PublicBaseUrl is { } publicBase)
        {
            // Built as the upgrade's validation will rebuild it (TwiML writes OriginalString): Twilio signs it as written.
            return new Uri(TwilioSignature.PublicStreamUrl(publicBase, path.ToUriComponent()));
        }

        return new Uri((request.IsHttps ? "wss://" : "ws://") + request.Host.ToUriComponent() + path.ToUriComponent());
    }

    private async Task<bool> IsSignedAsync(HttpContext context, string kind)
    {
        if (options.DisableSignatureValidationInDevelopment)
        {
            return true; // Validate() refused this setting outside Development.
        }

        if (await TwilioSignature.IsValidAsync(context.Request, options.AuthToken!, options.PublicBaseUrl, context.RequestAborted).ConfigureAwait(false))
        {
            return true;
        }

        TwilioLog.SignatureRejected(logger, kind, context.Request.Path);
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        return false;
    }

    private static async Task CloseQuietlyAsync(WebSocket socket, WebSocketCloseStatus status, string reason)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await socket.CloseAsync(status, reason, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }
}
