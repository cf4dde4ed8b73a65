using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using VoiceKit.Conformance;

namespace VoiceKit.Deepgram.Tests;

/// <summary>One frame the adapter sent.</summary>
internal sealed record ReceivedFrame(WebSocketMessageType Type, byte[] Data)
{
    public string Text => Encoding.UTF8.GetString(Data);
}

/// <summary>One connection the stand-in accepted: its socket and the audio bytes it took in.</summary>
internal sealed class StandInConnection(WebSocket socket)
{
    private readonly MemoryStream _audio = new();

    public WebSocket Socket { get; } = socket;

    public SemaphoreSlim SendLock { get; } = new(1, 1);

    /// <summary>When the connection last received a frame (Environment.TickCount64).</summary>
    public long LastActivity { get; set; } = Environment.TickCount64;

    /// <summary>Set once the stand-in dropped this connection; audio after that is not taken in.</summary>
    public bool Dropped { get; set; }

    public long AudioLength
    {
        get
        {
            lock (_audio)
            {
                return _audio.Length;
            }
        }
    }

    public byte[] Audio
    {
        get
        {
            lock (_audio)
            {
                return _audio.ToArray();
            }
        }
    }

    /// <summary>Where the open segment (audio since the last final) starts, in this connection's bytes.</summary>
    public long SegmentStart { get; private set; }

    /// <summary>Words of the open segment already reported in an interim.</summary>
    public int WordsSent { get; set; }

    /// <summary>The open segment's audio.</summary>
    public byte[] PendingAudio
    {
        get
        {
            lock (_audio)
            {
                return _audio.GetBuffer().AsSpan((int)SegmentStart, (int)(_audio.Length - SegmentStart)).ToArray();
            }
        }
    }

    /// <summary>Closes the open segment after a final.</summary>
    public void EndSegment()
    {
        lock (_audio)
        {
            SegmentStart = _audio.Length;
            WordsSent = 0;
        }
    }

    public void AddAudio(byte[] data)
    {
        lock (_audio)
        {
            _audio.Write(data);
        }
    }

    public async Task SendTextAsync(string json)
    {
        await SendLock.WaitAsync();
        try
        {
            await Socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, CancellationToken.None);
        }
        finally
        {
            SendLock.Release();
        }
    }
}

/// <summary>
/// A local Deepgram /v1/listen stand-in on 127.0.0.1 (HttpListener): records the upgrade request and every frame the
/// adapter sends, lets a test push server messages, and on CloseStream sends Metadata then closes with 1000
/// (protocols.md §1.3, §1.5). Accepts <c>connections</c> connections (one by default) and refuses later upgrade
/// requests with HTTP 503. It can drop the first connection with 1011 NET-0001 after some audio bytes (protocols.md
/// §1.5), and can answer every audio frame with a final for that frame's audio (in that connection's time, 8 kHz
/// mu-law), its transcript <c>w{first byte}</c>.
/// </summary>
internal sealed class DeepgramStandIn : LoopbackHttpServer
{
    private readonly Channel<ReceivedFrame> _frames = Channel.CreateUnbounded<ReceivedFrame>();
    private readonly TaskCompletionSource<WebSocket> _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<StandInConnection> _reconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<StandInConnection> _connections = [];

    public DeepgramStandIn(int rejectWithStatus = 0, bool closeOnCloseStream = true, int connections = 1, int dropAfterAudioBytes = 0, bool finalPerFrame = false, ScriptedRecognizer? recognizer = null, string? apiKey = null)
    {
        Recognizer = recognizer;
        ExpectedAuthorization = apiKey is null ? null : "Token " + apiKey;
        RejectWithStatus = rejectWithStatus;
        CloseOnCloseStream = closeOnCloseStream;
        AcceptConnections = connections;
        DropAfterAudioBytes = dropAfterAudioBytes;
        FinalPerFrame = finalPerFrame;
        Start();
    }

    public Uri Endpoint => new($"ws://127.0.0.1:{Port}");

    public int RejectWithStatus { get; }

    public bool CloseOnCloseStream { get; }

    public int AcceptConnections { get; }

    /// <summary>When above zero, the first connection is closed with 1011 NET-0001 once it has taken in this many audio bytes.</summary>
    public int DropAfterAudioBytes { get; }

    public bool FinalPerFrame { get; }

    /// <summary>
    /// When set, the stand-in transcribes: after each audio frame an interim Results restating the words heard since the
    /// last final (when there are more), and on Finalize a final (<c>from_finalize</c>, <c>speech_final</c>) for them.
    /// </summary>
    public ScriptedRecognizer? Recognizer { get; }

    /// <summary>When set, upgrade requests with another Authorization header get 401 and dg-error, as Deepgram answers a bad key.</summary>
    public string? ExpectedAuthorization { get; }

    /// <summary>
    /// Deepgram closes a stream that has received neither audio nor KeepAlive for 10 s with 1011 NET-0001
    /// (protocols.md §1.5, §6); tests shorten it. <see cref="Timeout.InfiniteTimeSpan"/> (the default) turns it off.
    /// </summary>
    public TimeSpan IdleTimeout { get; init; } = Timeout.InfiniteTimeSpan;

    /// <summary>Connections the stand-in closed for idleness.</summary>
    public int IdleCloses => Volatile.Read(ref _idleCloses);

    private int _idleCloses;

    /// <summary>When set, the next result message is sent as truncated JSON instead.</summary>
    public bool MalformedNext { get; set; }

    /// <summary>The first upgrade request's path and query, as sent.</summary>
    public string? RawUrl { get; private set; }

    /// <summary>Every upgrade request's path and query, in order, including refused ones.</summary>
    public ConcurrentQueue<string> RawUrls { get; } = new();

    /// <summary>Every upgrade request's Authorization header, in order, including refused ones.</summary>
    public ConcurrentQueue<string> Authorizations { get; } = new();

    public ConcurrentDictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);

    public ConcurrentQueue<ReceivedFrame> AllFrames { get; } = new();

    /// <summary>The first connection's socket.</summary>
    public Task<WebSocket> Connected => _connected.Task;

    /// <summary>The second connection, once accepted.</summary>
    public Task<StandInConnection> Reconnected => _reconnected.Task;

    public int UpgradeRequests { get; private set; }

    public StandInConnection Connection(int index)
    {
        lock (_connections)
        {
            return _connections[index];
        }
    }

    /// <summary>Sends a text message on the latest connection.</summary>
    public async Task SendTextAsync(string json)
    {
        await _connected.Task.WaitAsync(TimeSpan.FromSeconds(5));
        StandInConnection latest;
        lock (_connections)
        {
            latest = _connections[^1];
        }

        await latest.SendTextAsync(json);
    }

    /// <summary>Drops the latest connection now as Deepgram does on a server fault: close 1011 with reason NET-0001 (protocols.md §1.5).</summary>
    public async Task DropLatestAsync()
    {
        StandInConnection latest;
        lock (_connections)
        {
            latest = _connections[^1];
        }

        latest.Dropped = true;
        await latest.SendLock.WaitAsync();
        try
        {
            await latest.Socket.CloseOutputAsync(WebSocketCloseStatus.InternalServerError, "NET-0001", CancellationToken.None);
        }
        finally
        {
            latest.SendLock.Release();
        }
    }

    /// <summary>The next frame the adapter sent on any connection, or a TimeoutException.</summary>
    public async Task<ReceivedFrame> NextFrameAsync(TimeSpan? timeout = null) =>
        await _frames.Reader.ReadAsync().AsTask().WaitAsync(timeout ?? TimeSpan.FromSeconds(3));

    protected override async Task OnRequestAsync(HttpListenerContext context)
    {
        var index = UpgradeRequests++;
        RawUrl ??= context.Request.RawUrl;
        RawUrls.Enqueue(context.Request.RawUrl ?? string.Empty);
        Authorizations.Enqueue(context.Request.Headers["Authorization"] ?? string.Empty);
        foreach (var key in context.Request.Headers.AllKeys)
        {
            Headers.TryAdd(key!, context.Request.Headers[key]!);
        }

        var unauthorized = ExpectedAuthorization is not null && context.Request.Headers["Authorization"] != ExpectedAuthorization;
        if (RejectWithStatus != 0 || unauthorized || index >= AcceptConnections)
        {
            var rejectWith = unauthorized ? 401 : RejectWithStatus;
            // Deepgram's handshake failure: plain HTTP, dg-error header, the error repeated in the body (protocols.md §1.1).
            context.Response.Headers["dg-request-id"] = "00000000-0000-0000-0000-000000000000";
            context.Response.Headers["dg-error"] = rejectWith != 0 ? "Invalid credentials." : "Service unavailable.";
            await RefuseAsync(context, rejectWith != 0 ? rejectWith : 503, rejectWith != 0
                ? """{"err_code":"INVALID_AUTH","err_msg":"Invalid credentials.","request_id":"00000000-0000-0000-0000-000000000000"}"""
                : """{"err_code":"SERVICE_UNAVAILABLE","err_msg":"Service unavailable.","request_id":"00000000-0000-0000-0000-000000000000"}""");
            return;
        }

        if (await AcceptWebSocketAsync(context) is not { } socket)
        {
            return;
        }

        var connection = new StandInConnection(socket);
        lock (_connections)
        {
            _connections.Add(connection);
        }

        Serve(socket, async () =>
        {
            using var watchdog = new CancellationTokenSource();
            var idle = WatchIdleAsync(connection, watchdog.Token);
            try
            {
                await HandleAsync(context, connection, index);
            }
            finally
            {
                await watchdog.CancelAsync();
                await idle.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }, connection.SendLock);
        if (index == 0)
        {
            _connected.SetResult(connection.Socket);
        }
        else if (index == 1)
        {
            _reconnected.SetResult(connection);
        }
    }

    private async Task HandleAsync(HttpListenerContext context, StandInConnection connection, int index)
    {
        var socket = connection.Socket;
        try
        {
            while (true)
            {
                var (type, data) = await ReceiveMessageAsync(socket);
                if (type == WebSocketMessageType.Close)
                {
                    if (socket.State == WebSocketState.CloseReceived)
                    {
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, Stopping);
                    }

                    // Drop the TCP connection once the close handshake is done, as a real server does; otherwise the
                    // client waits up to 1 s for the server to hang up.
                    context.Response.Abort();
                    return;
                }

                connection.LastActivity = Environment.TickCount64;
                var frame = new ReceivedFrame(type, data);
                AllFrames.Enqueue(frame);
                _frames.Writer.TryWrite(frame);
                if (connection.Dropped)
                {
                    continue; // Deepgram has closed this stream: nothing more is transcribed.
                }

                if (frame.Type == WebSocketMessageType.Binary)
                {
                    var start = connection.AudioLength;
                    connection.AddAudio(frame.Data);
                    if (index == 0 && DropAfterAudioBytes > 0 && connection.AudioLength >= DropAfterAudioBytes)
                    {
                        connection.Dropped = true;
                        await connection.SendLock.WaitAsync();
                        try
                        {
                            await socket.CloseOutputAsync(WebSocketCloseStatus.InternalServerError, "NET-0001", Stopping);
                        }
                        finally
                        {
                            connection.SendLock.Release();
                        }
                    }
                    else if (FinalPerFrame)
                    {
                        await connection.SendTextAsync(FinalFor(start, frame.Data));
                    }
                    else if (Recognizer is not null)
                    {
                        var words = Recognizer.Recognize(connection.PendingAudio);
                        if (words.Count > connection.WordsSent)
                        {
                            connection.WordsSent = words.Count;
                            await SendResultAsync(connection, words, isFinal: false);
                        }
                    }
                }

                if (Recognizer is not null && frame.Type == WebSocketMessageType.Text && frame.Text is """{"type":"Finalize"}""" or """{"type":"CloseStream"}""")
                {
                    var words = Recognizer.Recognize(connection.PendingAudio);
                    if (words.Count > 0 || frame.Text == """{"type":"Finalize"}""")
                    {
                        await SendResultAsync(connection, words, isFinal: true);
                    }

                    connection.EndSegment();
                }

                if (CloseOnCloseStream && frame.Type == WebSocketMessageType.Text && frame.Text == """{"type":"CloseStream"}""")
                {
                    await connection.SendTextAsync("""{"type":"Metadata","transaction_key":"deprecated","request_id":"00000000-0000-0000-0000-000000000000","sha256":"e3b0c442","created":"2024-08-29T22:37:55.202Z","duration":0.0,"channels":1}""");
                    await connection.SendLock.WaitAsync();
                    try
                    {
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, Stopping);
                    }
                    finally
                    {
                        connection.SendLock.Release();
                    }
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or HttpListenerException)
        {
        }
    }

    /// <summary>Closes the connection with 1011 NET-0001 once it has been idle for <see cref="IdleTimeout"/>.</summary>
    private async Task WatchIdleAsync(StandInConnection connection, CancellationToken cancellationToken)
    {
        if (IdleTimeout == Timeout.InfiniteTimeSpan)
        {
            return;
        }

        while (!cancellationToken.IsCancellationRequested && !connection.Dropped)
        {
            await Task.Delay(20, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (Environment.TickCount64 - connection.LastActivity >= IdleTimeout.TotalMilliseconds && !connection.Dropped)
            {
                connection.Dropped = true;
                Interlocked.Increment(ref _idleCloses);
                await connection.SendLock.WaitAsync(CancellationToken.None);
                try
                {
                    await connection.Socket.CloseOutputAsync(WebSocketCloseStatus.InternalServerError, "NET-0001", CancellationToken.None);
                }
                catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException)
                {
                }
                finally
                {
                    connection.SendLock.Release();
                }
            }
        }
    }

    /// <summary>A Results message for the connection's open segment (protocols.md §1.4), or truncated JSON when <see cref="MalformedNext"/> is set.</summary>
    private async Task SendResultAsync(StandInConnection connection, IReadOnlyList<string> words, bool isFinal)
    {
        if (MalformedNext)
        {
            MalformedNext = false;
            await connection.SendTextAsync("""{"type":"Results","channel_index":[0,1],"duration":""");
            return;
        }

        var start = connection.SegmentStart / 8000.0;
        var duration = (connection.AudioLength - connection.SegmentStart) / 8000.0;
        var transcript = string.Join(' ', words);
        var final = isFinal ? "true" : "false";
        await connection.SendTextAsync(string.Create(
            CultureInfo.InvariantCulture,
            $$$"""{"type":"Results","channel_index":[0,1],"duration":{{{duration}}},"start":{{{start}}},"is_final":{{{final}}},"speech_final":{{{final}}},"channel":{"alternatives":[{"transcript":"{{{transcript}}}","confidence":0.98,"words":[]}]},"metadata":{"request_id":"00000000-0000-0000-0000-000000000000","model_info":{"name":"2-general-nova","version":"2024-01-18.26916","arch":"nova-3"},"model_uuid":"00000000-0000-0000-0000-000000000000"},"from_finalize":{{{final}}}}"""));
    }

    /// <summary>A final Results message for one frame of 8 kHz mu-law audio that began at byte <paramref name="start"/> of the connection.</summary>
    private static string FinalFor(long start, byte[] audio) => string.Create(
        CultureInfo.InvariantCulture,
        $$$"""{"type":"Results","channel_index":[0,1],"duration":{{{audio.Length / 8000.0}}},"start":{{{start / 8000.0}}},"is_final":true,"speech_final":false,"channel":{"alternatives":[{"transcript":"w{{{audio[0]}}}","confidence":0.99}]}}""");

    protected override async ValueTask DisposeAsyncCore()
    {
        await base.DisposeAsyncCore();
        _frames.Writer.TryComplete();
    }
}
