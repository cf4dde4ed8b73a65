using System.Collections.Concurrent;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace VoiceKit.Twilio.Tests;

/// <summary>
/// A real Kestrel server on 127.0.0.1 (random port) that accepts WebSockets on <c>/media</c> and hands each accepted
/// socket to a handler; the request stays open until the handler returns.
/// </summary>
public sealed class LoopbackWebSocketHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackWebSocketHost(WebApplication app, Uri baseUrl)
    {
        _app = app;
        MediaUrl = new Uri($"ws://{baseUrl.Authority}/media");
    }

    /// <summary>The <c>ws://127.0.0.1:port/media</c> URL to connect to.</summary>
    public Uri MediaUrl { get; }

    /// <summary>Headers of every upgrade request, in order (for signature checks).</summary>
    public ConcurrentQueue<IHeaderDictionary> UpgradeHeaders { get; } = new();

    /// <summary>Starts a host whose <c>/media</c> endpoint runs <paramref name="handler"/> for each accepted socket.</summary>
    public static async Task<LoopbackWebSocketHost> StartAsync(Func<WebSocket, HttpContext, Task> handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.UseWebSockets();
        LoopbackWebSocketHost? host = null;
        app.Map("/media", async context =>
        {
            host?.UpgradeHeaders.Enqueue(context.Request.Headers);
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            await handler(socket, context);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        host = new LoopbackWebSocketHost(app, new Uri(address));
        return host;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
