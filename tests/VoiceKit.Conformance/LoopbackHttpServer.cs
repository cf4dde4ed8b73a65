using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;

namespace VoiceKit.Conformance;

/// <summary>
/// The skeleton every local protocol stand-in shares: an <see cref="HttpListener"/> on a free 127.0.0.1 port, an accept
/// loop that hands each request to <see cref="OnRequestAsync"/>, the WebSocket connections it took (each served by a
/// handler task, counted in <see cref="OpenConnections"/> while that task runs), and a prompt dispose that aborts those
/// sockets, stops the listener and waits for the handlers, so no test leaves a server task behind.
/// </summary>
public abstract class LoopbackHttpServer : IAsyncDisposable
{
    /// <summary>How long dispose waits for the accept loop, then for the handlers, before it gives up on them.</summary>
    private static readonly TimeSpan s_shutdownPatience = TimeSpan.FromSeconds(5);

    private readonly HttpListener _listener = new();
    private readonly List<IDisposable> _owned = [];
    private readonly List<WebSocket> _sockets = [];
    private readonly List<Task> _handlers = [];
    private readonly List<HttpListenerContext> _stalled = [];
    private readonly CancellationTokenSource _stopping = new();
    private Task _accepting = Task.CompletedTask;
    private int _open;

    /// <summary>Picks a free loopback port. The server answers nothing until the subclass calls <see cref="Start"/>.</summary>
    protected LoopbackHttpServer()
    {
        Port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
    }

    /// <summary>The loopback port the server listens on.</summary>
    public int Port { get; }

    /// <summary>Connections accepted and not yet closed (their handler still running).</summary>
    public int OpenConnections => Volatile.Read(ref _open);

    /// <summary>Cancelled when the server is disposed: handlers pass it to every receive, send and delay.</summary>
    protected CancellationToken Stopping => _stopping.Token;

    /// <summary>Starts listening and accepting. Subclasses call it last in their constructor, once their settings are in place.</summary>
    protected void Start()
    {
        _listener.Start();
        _accepting = AcceptLoopAsync();
    }

    /// <summary>
    /// Answers one request, on the accept loop: requests are taken one at a time, in order, so this should only refuse,
    /// or upgrade and hand the socket to <see cref="Serve"/>, never hold a connection open itself.
    /// </summary>
    protected abstract Task OnRequestAsync(HttpListenerContext context);

    /// <summary>Accepts the WebSocket upgrade, or returns null when the client has already gone.</summary>
    protected static async Task<WebSocket?> AcceptWebSocketAsync(HttpListenerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            return (await context.AcceptWebSocketAsync(subProtocol: null)).WebSocket;
        }
        catch (Exception ex) when (ex is WebSocketException or HttpListenerException or ObjectDisposedException)
        {
            return null;
        }
    }

    /// <summary>
    /// Runs <paramref name="handler"/> for an accepted socket on a task of its own; the socket counts as open until it
    /// returns. Dispose aborts the socket, then disposes it and <paramref name="owned"/> (say, the connection's send
    /// lock) once the handlers have finished.
    /// </summary>
    protected void Serve(WebSocket socket, Func<Task> handler, IDisposable? owned = null)
    {
        lock (_sockets)
        {
            _sockets.Add(socket);
            if (owned is not null)
            {
                _owned.Add(owned);
            }

            Interlocked.Increment(ref _open);
            _handlers.Add(Task.Run(async () =>
            {
                try
                {
                    await handler();
                }
                finally
                {
                    Interlocked.Decrement(ref _open);
                }
            }));
        }
    }

    /// <summary>Leaves a request unanswered (accepted over TCP, never upgraded) until the server is disposed.</summary>
    protected void Stall(HttpListenerContext context)
    {
        lock (_stalled)
        {
            _stalled.Add(context);
        }
    }

    /// <summary>Refuses a request with a plain HTTP status and a JSON body, as the vendors refuse a bad upgrade.</summary>
    protected static async Task RefuseAsync(HttpListenerContext context, int status, string json)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes(json));
        context.Response.Close();
    }

    /// <summary>Receives one whole message (all its fragments); a close frame comes back as its type with no data.</summary>
    protected async Task<(WebSocketMessageType Type, byte[] Data)> ReceiveMessageAsync(WebSocket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        var buffer = new byte[16 * 1024];
        using var message = new MemoryStream();
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, Stopping);
            message.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);
        return (result.MessageType, message.ToArray());
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await DisposeAsyncCore();
        GC.SuppressFinalize(this);
    }

    /// <summary>Aborts every accepted socket and stalled request, stops the listener, waits for the accept loop and the handlers, then disposes the sockets and what they own. Overrides call it first, then release their own state.</summary>
    protected virtual async ValueTask DisposeAsyncCore()
    {
        _stopping.Cancel();
        WebSocket[] sockets;
        IDisposable[] owned;
        Task[] handlers;
        lock (_sockets)
        {
            sockets = [.. _sockets];
            owned = [.. _owned];
            handlers = [.. _handlers];
        }

        foreach (var socket in sockets)
        {
            socket.Abort();
        }

        lock (_stalled)
        {
            foreach (var context in _stalled)
            {
                context.Response.Abort();
            }
        }

        _listener.Stop();
        _listener.Close();
        await _accepting.WaitAsync(s_shutdownPatience).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await Task.WhenAll(handlers).WaitAsync(s_shutdownPatience).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var socket in sockets)
        {
            socket.Dispose();
        }

        foreach (var disposable in owned)
        {
            disposable.Dispose();
        }

        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            await OnRequestAsync(context);
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
