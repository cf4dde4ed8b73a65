using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;

namespace VoiceKit.Deepgram.Tests;

/// <summary>One frame the adapter sent.</summary>
internal sealed record ReceivedFrame(WebSocketMessageType Type, byte[] Data)
{
    public string Text => Encoding.UTF8.GetString(Data);
}

/// <summary>
/// A local Deepgram /v1/listen stand-in on 127.0.0.1 (HttpListener): records the upgrade request and every frame the
/// adapter sends, lets a test push server messages, and on CloseStream sends Metadata then closes with 1000
/// (protocols.md §1.3, §1.5). Accepts one connection.
/// </summary>
internal sealed class DeepgramStandIn : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Channel<ReceivedFrame> _frames = Channel.CreateUnbounded<ReceivedFrame>();
    private readonly TaskCompletionSource<WebSocket> _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serve;
    private WebSocket? _socket;

    public DeepgramStandIn(int rejectWithStatus = 0, bool closeOnCloseStream = true)
    {
        RejectWithStatus = rejectWithStatus;
        CloseOnCloseStream = closeOnCloseStream;
        Port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _serve = ServeAsync();
    }

    public int Port { get; }

    public Uri Endpoint => new($"ws://127.0.0.1:{Port}");

    public int RejectWithStatus { get; }

    public bool CloseOnCloseStream { get; }

    /// <summary>The upgrade request's path and query, as sent.</summary>
    public string? RawUrl { get; private set; }

    public ConcurrentDictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);

    public ConcurrentQueue<ReceivedFrame> AllFrames { get; } = new();

    public Task<WebSocket> Connected => _connected.Task;

    public async Task SendTextAsync(string json)
    {
        var socket = await _connected.Task.WaitAsync(TimeSpan.FromSeconds(5));
        await _sendLock.WaitAsync();
        try
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, CancellationToken.None);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>The next frame the adapter sent, or a TimeoutException.</summary>
    public async Task<ReceivedFrame> NextFrameAsync(TimeSpan? timeout = null) =>
        await _frames.Reader.ReadAsync().AsTask().WaitAsync(timeout ?? TimeSpan.FromSeconds(3));

    private async Task ServeAsync()
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

        RawUrl = context.Request.RawUrl;
        foreach (var key in context.Request.Headers.AllKeys)
        {
            Headers[key!] = context.Request.Headers[key]!;
        }

        if (RejectWithStatus != 0)
        {
            // Deepgram's handshake failure: plain HTTP, dg-error header, the error repeated in the body (protocols.md §1.1).
            context.Response.StatusCode = RejectWithStatus;
            context.Response.Headers["dg-request-id"] = "00000000-0000-0000-0000-000000000000";
            context.Response.Headers["dg-error"] = "Invalid credentials.";
            var body = """{"err_code":"INVALID_AUTH","err_msg":"Invalid credentials.","request_id":"00000000-0000-0000-0000-000000000000"}"""u8.ToArray();
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
            return;
        }

        var webSocketContext = await context.AcceptWebSocketAsync(subProtocol: null);
        var socket = webSocketContext.WebSocket;
        _socket = socket;
        _connected.SetResult(socket);
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                using var message = new MemoryStream();
                WebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer, _stop.Token);
                    message.Write(buffer, 0, result.Count);
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    if (socket.State == WebSocketState.CloseReceived)
                    {
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, _stop.Token);
                    }

                    // Drop the TCP connection once the close handshake is done, as a real server does; otherwise the
                    // client waits up to 1 s for the server to hang up.
                    context.Response.Abort();
                    return;
                }

                var frame = new ReceivedFrame(result.MessageType, message.ToArray());
                AllFrames.Enqueue(frame);
                _frames.Writer.TryWrite(frame);
                if (CloseOnCloseStream && frame.Type == WebSocketMessageType.Text && frame.Text == """{"type":"CloseStream"}""")
                {
                    await SendTextAsync("""{"type":"Metadata","transaction_key":"deprecated","request_id":"00000000-0000-0000-0000-000000000000","sha256":"e3b0c442","created":"2024-08-29T22:37:55.202Z","duration":0.0,"channels":1}""");
                    await _sendLock.WaitAsync();
                    try
                    {
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, _stop.Token);
                    }
                    finally
                    {
                        _sendLock.Release();
                    }
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or HttpListenerException)
        {
        }
        finally
        {
            _frames.Writer.TryComplete();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _socket?.Abort();
        _listener.Stop();
        _listener.Close();
        await _serve.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _socket?.Dispose();
        _sendLock.Dispose();
        _stop.Dispose();
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
