using System.Collections.Concurrent;
using System.Collections.Specialized;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using System.Web;
using VoiceKit.Audio;
using VoiceKit.Conformance;

namespace VoiceKit.Deepgram.Tests;

/// <summary>One frame the adapter sent to the Aura stand-in, and on which connection (0 for the first accepted).</summary>
internal sealed record AuraFrame(int Connection, WebSocketMessageType Type, byte[] Data)
{
    public string Text => Encoding.UTF8.GetString(Data);
}

/// <summary>
/// A local Deepgram Aura <c>/v1/speak</c> stand-in on 127.0.0.1 (HttpListener), following protocols.md §2 and the §6
/// "Deepgram TTS" checklist: checks <c>Authorization: Token &lt;key&gt;</c> (401 with <c>dg-error</c> otherwise, as for
/// /v1/listen), sends <c>Metadata</c> when a connection opens, buffers <c>Speak</c> text and on <c>Flush</c> speaks it
/// with <see cref="ScriptedVoice"/> in the requested encoding and rate (split into a few binary frames), then sends
/// <c>Flushed</c>; <c>Clear</c> drops buffered text and audio not yet sent and answers <c>Cleared</c>; beyond
/// <see cref="MaxFlushesPerMinute"/> flushes in 60 s it answers a Flush with a <c>Warning</c> and ignores it (as
/// Deepgram's Flush page says); <c>Close</c> closes with 1000. Test hooks: drop a connection after some audio bytes
/// (close 1011 or abort), send one malformed text frame, send one Warning, refuse upgrades with a status. It records
/// every upgrade request and frame and counts open connections.
/// </summary>
internal sealed class AuraStandIn : LoopbackHttpServer
{
    private readonly Channel<AuraFrame> _frames = Channel.CreateUnbounded<AuraFrame>();
    private readonly List<Connection> _connections = [];
    private readonly TimeProvider _time;
    private int _dropArmed;
    private int _malformedArmed;
    private int _warningArmed;
    private int _ignoreFlushArmed;
    private int _strayByteArmed;

    public AuraStandIn(string apiKey, TimeProvider? time = null)
    {
        ExpectedAuthorization = "Token " + apiKey;
        _time = time ?? TimeProvider.System;
        Start();
    }

    public Uri Endpoint => new($"ws://127.0.0.1:{Port}");

    public string ExpectedAuthorization { get; }

    /// <summary>Deepgram's Flush limit per 60 s; more flushes get a Warning and are ignored.</summary>
    public int MaxFlushesPerMinute { get; init; } = 20;

    /// <summary>Binary frames each flush's audio is split into.</summary>
    public int FramesPerFlush { get; init; } = 3;

    /// <summary>A pause before each audio frame, so a Clear can catch audio still being "generated".</summary>
    public TimeSpan FrameDelay { get; init; }

    /// <summary>A slow first byte: how long each connection holds back its first audio (read when the audio is due, so a test may change it between replies).</summary>
    public TimeSpan FirstAudioDelay { get; set; }

    /// <summary>Split audio at odd byte offsets (mid-sample for PCM16), to check the adapter reassembles whole samples.</summary>
    public bool OddSplits { get; init; }

    /// <summary>When not zero, upgrade requests are refused with this status (and dg-error), as for a bad key.</summary>
    public int RejectWithStatus { get; set; }

    /// <summary>Whether a drop aborts the TCP connection instead of sending a close frame.</summary>
    public bool DropByAbort { get; set; }

    /// <summary>The close code a drop sends; 1011 (server error) by default.</summary>
    public WebSocketCloseStatus DropCloseStatus { get; set; } = WebSocketCloseStatus.InternalServerError;

    /// <summary>The close reason a drop sends; none by default (Aura's close reasons are not documented).</summary>
    public string? DropCloseReason { get; set; }

    /// <summary>WebSocket connections accepted so far.</summary>
    public int AcceptedConnections
    {
        get
        {
            lock (_connections)
            {
                return _connections.Count;
            }
        }
    }

    /// <summary>Every upgrade request's path and query, in order, including refused ones.</summary>
    public ConcurrentQueue<string> RawUrls { get; } = new();

    /// <summary>Every upgrade request's Authorization header, in order, including refused ones.</summary>
    public ConcurrentQueue<string> Authorizations { get; } = new();

    /// <summary>Every frame the adapter sent, in order of arrival.</summary>
    public ConcurrentQueue<AuraFrame> AllFrames { get; } = new();

    /// <summary>Warning messages sent (for the flush limit or by <see cref="SendWarningNext"/>).</summary>
    public int WarningsSent => Volatile.Read(ref _warningsSent);

    private int _warningsSent;

    /// <summary>The next flush's audio is cut after <paramref name="audioBytes"/> bytes and its connection dropped (1011, or an abort).</summary>
    public void DropAfter(int audioBytes) => Volatile.Write(ref _dropArmed, Math.Max(audioBytes, 1));

    /// <summary>The next flush is answered with one malformed (truncated JSON) text frame instead of its audio.</summary>
    public void SendMalformedNext() => Volatile.Write(ref _malformedArmed, 1);

    /// <summary>The next Flush is swallowed: no audio, no Flushed, no Warning (a lost message, or a server that hung).</summary>
    public void IgnoreNextFlush() => Volatile.Write(ref _ignoreFlushArmed, 1);

    /// <summary>The next flush's audio ends with one stray byte (half a PCM16 sample) before its Flushed.</summary>
    public void AppendStrayByteNext() => Volatile.Write(ref _strayByteArmed, 1);

    /// <summary>The next flush's audio is preceded by a Warning message.</summary>
    public void SendWarningNext() => Volatile.Write(ref _warningArmed, 1);

    /// <summary>Closes every open connection with 1000, as a server that hangs up an idle socket.</summary>
    public async Task CloseOpenConnectionsAsync()
    {
        Connection[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }

        foreach (var connection in connections.Where(c => c.Socket.State == WebSocketState.Open))
        {
            connection.Dropped = true;
            await connection.SendLock.WaitAsync();
            try
            {
                await connection.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
            }
            finally
            {
                connection.SendLock.Release();
            }
        }
    }

    /// <summary>The text frames the adapter sent, as strings, in order.</summary>
    public string[] TextFrames() => [.. AllFrames.Where(f => f.Type == WebSocketMessageType.Text).Select(f => f.Text)];

    /// <summary>The next frame the adapter sent on any connection, or a TimeoutException.</summary>
    public async Task<AuraFrame> NextFrameAsync(TimeSpan? timeout = null) =>
        await _frames.Reader.ReadAsync().AsTask().WaitAsync(timeout ?? TimeSpan.FromSeconds(3));

    /// <summary>Waits until the adapter has sent a text frame equal to <paramref name="json"/>.</summary>
    public async Task<AuraFrame> WaitForTextAsync(string json, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(3));
        while (true)
        {
            var frame = await _frames.Reader.ReadAsync(cancel.Token);
            if (frame.Type == WebSocketMessageType.Text && frame.Text == json)
            {
                return frame;
            }
        }
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        await base.DisposeAsyncCore();
        _frames.Writer.TryComplete();
    }

    protected override async Task OnRequestAsync(HttpListenerContext context)
    {
        RawUrls.Enqueue(context.Request.RawUrl ?? string.Empty);
        Authorizations.Enqueue(context.Request.Headers["Authorization"] ?? string.Empty);
        var query = HttpUtility.ParseQueryString(context.Request.Url?.Query ?? string.Empty);
        if (context.Request.Headers["Authorization"] != ExpectedAuthorization)
        {
            await RefuseAsync(context, 401, "Invalid credentials.", "INVALID_AUTH");
            return;
        }

        if (RejectWithStatus != 0)
        {
            await RefuseAsync(context, RejectWithStatus, "Service unavailable.", "SERVICE_UNAVAILABLE");
            return;
        }

        if (context.Request.Url?.AbsolutePath != "/v1/speak" || !TryParseFormat(query, out var format))
        {
            await RefuseAsync(context, 400, "Unsupported path, encoding or sample_rate.", "INVALID_QUERY_PARAMETER");
            return;
        }

        if (await AcceptWebSocketAsync(context) is not { } socket)
        {
            return;
        }

        Connection connection;
        lock (_connections)
        {
            connection = new Connection(socket, _connections.Count, format, query["model"] ?? string.Empty);
            _connections.Add(connection);
        }

        Serve(socket, () => HandleAsync(context, connection), connection.SendLock);
    }

    /// <summary>Deepgram's handshake failure: plain HTTP, dg-error header, the error repeated in a JSON body (protocols.md §1.1).</summary>
    private static Task RefuseAsync(HttpListenerContext context, int status, string error, string code)
    {
        context.Response.Headers["dg-request-id"] = "00000000-0000-0000-0000-000000000000";
        context.Response.Headers["dg-error"] = error;
        return RefuseAsync(context, status, $$"""{"err_code":"{{code}}","err_msg":"{{error}}","request_id":"00000000-0000-0000-0000-000000000000"}""");
    }

    /// <summary>encoding linear16/mulaw/alaw; sample_rate from the SDK enum or the reference page (both accepted, protocols.md §2); G.711 at 8 kHz only.</summary>
    private static bool TryParseFormat(NameValueCollection query, out AudioFormat format)
    {
        format = default;
        if (string.IsNullOrEmpty(query["model"]) || !int.TryParse(query["sample_rate"], out var rate))
        {
            return false;
        }

        AudioEncoding? encoding = query["encoding"] switch
        {
            "linear16" when rate is 8000 or 16000 or 24000 or 32000 or 44100 or 48000 => AudioEncoding.Pcm16,
            "mulaw" when rate == 8000 => AudioEncoding.MuLaw,
            "alaw" when rate == 8000 => AudioEncoding.ALaw,
            _ => null,
        };
        if (encoding is null)
        {
            return false;
        }

        format = new AudioFormat(encoding.Value, rate);
        return true;
    }

    private async Task HandleAsync(HttpListenerContext context, Connection connection)
    {
        var socket = connection.Socket;
        var synth = Task.Run(() => SynthesizeAsync(context, connection));
        try
        {
            await connection.SendTextAsync(
                $$"""{"type":"Metadata","request_id":"{{Guid.NewGuid()}}","model_name":"{{connection.Model}}","model_version":"stand-in","model_uuid":"{{Guid.NewGuid()}}","additional_model_uuids":[]}""",
                Stopping);
            while (true)
            {
                var (type, data) = await ReceiveMessageAsync(socket);
                if (type == WebSocketMessageType.Close)
                {
                    await connection.SendLock.WaitAsync(Stopping);
                    try
                    {
                        if (socket.State == WebSocketState.CloseReceived)
                        {
                            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, Stopping);
                        }
                    }
                    finally
                    {
                        connection.SendLock.Release();
                    }

                    // Hang up once the close handshake is done, as a real server does.
                    context.Response.Abort();
                    return;
                }

                var frame = new AuraFrame(connection.Index, type, data);
                AllFrames.Enqueue(frame);
                _frames.Writer.TryWrite(frame);
                if (frame.Type == WebSocketMessageType.Text && !connection.Dropped)
                {
                    OnControlMessage(connection, frame.Text);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or HttpListenerException)
        {
        }
        finally
        {
            connection.Jobs.Writer.TryComplete();
            await synth.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private void OnControlMessage(Connection connection, string json)
    {
        string? type;
        string? text;
        using (var document = JsonDocument.Parse(json))
        {
            type = document.RootElement.GetProperty("type").GetString();
            text = type == "Speak" ? document.RootElement.GetProperty("text").GetString() : null;
        }

        switch (type)
        {
            case "Speak":
                connection.PendingText.Append(text);
                break;
            case "Flush":
                if (Interlocked.Exchange(ref _ignoreFlushArmed, 0) != 0)
                {
                    connection.PendingText.Clear();
                    break;
                }

                var now = _time.GetTimestamp();
                while (connection.FlushTimes.TryPeek(out var at) && _time.GetElapsedTime(at, now) >= TimeSpan.FromSeconds(60))
                {
                    connection.FlushTimes.Dequeue();
                }

                if (connection.FlushTimes.Count >= MaxFlushesPerMinute)
                {
                    connection.Jobs.Writer.TryWrite(new Job(JobKind.LimitWarning, string.Empty, connection.Generation, 0));
                    break;
                }

                connection.FlushTimes.Enqueue(now);
                connection.Jobs.Writer.TryWrite(new Job(JobKind.Flush, connection.PendingText.ToString(), connection.Generation, connection.Flushes++));
                connection.PendingText.Clear();
                break;
            case "Clear":
                connection.Generation++; // audio of earlier flushes not yet sent is dropped
                connection.PendingText.Clear();
                connection.Jobs.Writer.TryWrite(new Job(JobKind.Clear, string.Empty, connection.Generation, connection.Flushes));
                break;
            case "Close":
                connection.Jobs.Writer.TryWrite(new Job(JobKind.Close, string.Empty, connection.Generation, 0));
                break;
        }
    }

    /// <summary>Answers the connection's jobs in order on a task of its own, so a Clear can overtake audio still being sent.</summary>
    private async Task SynthesizeAsync(HttpListenerContext context, Connection connection)
    {
        try
        {
            await foreach (var job in connection.Jobs.Reader.ReadAllAsync(Stopping))
            {
                switch (job.Kind)
                {
                    case JobKind.Flush when job.Generation == connection.Generation:
                        await FlushAsync(context, connection, job);
                        break;
                    case JobKind.Clear:
                        await connection.SendTextAsync($$"""{"type":"Cleared","sequence_id":{{job.Sequence}}}""", Stopping);
                        break;
                    case JobKind.LimitWarning:
                        Interlocked.Increment(ref _warningsSent);
                        await connection.SendTextAsync("""{"type":"Warning","description":"Flush limit reached: no more Flush messages are processed until the 60-second window has passed.","code":"STAND_IN_FLUSH_LIMIT"}""", Stopping);
                        break;
                    case JobKind.Close:
                        await connection.SendLock.WaitAsync(Stopping);
                        try
                        {
                            await connection.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, Stopping);
                        }
                        finally
                        {
                            connection.SendLock.Release();
                        }

                        return;
                }

                if (connection.Dropped)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or HttpListenerException or InvalidOperationException)
        {
        }
    }

    private async Task FlushAsync(HttpListenerContext context, Connection connection, Job job)
    {
        if (Interlocked.Exchange(ref _malformedArmed, 0) != 0)
        {
            await connection.SendTextAsync("""{"type":"Flushed","sequence_id":""", Stopping);
            return;
        }

        if (Interlocked.Exchange(ref _warningArmed, 0) != 0)
        {
            Interlocked.Increment(ref _warningsSent);
            await connection.SendTextAsync("""{"type":"Warning","description":"Stand-in warning for the test.","code":"STAND_IN_WARNING"}""", Stopping);
        }

        var audio = ScriptedVoice.Synthesize(job.Text, connection.Format);
        if (Interlocked.Exchange(ref _strayByteArmed, 0) != 0)
        {
            audio = [.. audio, 0x55];
        }

        var dropAt = Interlocked.Exchange(ref _dropArmed, 0) is var drop and > 0 ? Math.Min(drop, audio.Length) : -1;
        var frameLength = Math.Max(1, audio.Length / Math.Max(1, FramesPerFlush));
        if (!OddSplits)
        {
            frameLength = Math.Max(connection.Format.BlockAlign, frameLength / connection.Format.BlockAlign * connection.Format.BlockAlign);
        }
        else if (frameLength % 2 == 0)
        {
            frameLength++;
        }

        if (!connection.FirstAudioSent && FirstAudioDelay > TimeSpan.Zero)
        {
            await Task.Delay(FirstAudioDelay, Stopping);
            if (job.Generation != connection.Generation)
            {
                return; // cleared while the first byte was on its way
            }
        }

        connection.FirstAudioSent = true;
        var at = 0;
        while (at < audio.Length)
        {
            if (FrameDelay > TimeSpan.Zero)
            {
                await Task.Delay(FrameDelay, Stopping);
            }

            if (job.Generation != connection.Generation)
            {
                return; // cleared meanwhile
            }

            var length = Math.Min(frameLength, audio.Length - at);
            if (dropAt >= 0 && at + length >= dropAt)
            {
                if (dropAt > at)
                {
                    await connection.SendBinaryAsync(audio.AsMemory(at, dropAt - at), Stopping);
                }

                await DropAsync(context, connection);
                return;
            }

            await connection.SendBinaryAsync(audio.AsMemory(at, length), Stopping);
            at += length;
        }

        if (dropAt >= 0)
        {
            await DropAsync(context, connection);
            return;
        }

        await connection.SendTextAsync($$"""{"type":"Flushed","sequence_id":{{job.Sequence}}}""", Stopping);
    }

    /// <summary>Drops a connection as a server fault does: a close frame (<see cref="DropCloseStatus"/>), or a TCP abort.</summary>
    private async Task DropAsync(HttpListenerContext context, Connection connection)
    {
        connection.Dropped = true;
        if (DropByAbort)
        {
            connection.Socket.Abort();
            context.Response.Abort();
            return;
        }

        await connection.SendLock.WaitAsync(Stopping);
        try
        {
            await connection.Socket.CloseOutputAsync(DropCloseStatus, DropCloseReason, Stopping);
        }
        finally
        {
            connection.SendLock.Release();
        }
    }

    private enum JobKind
    {
        Flush,
        Clear,
        LimitWarning,
        Close,
    }

    private sealed record Job(JobKind Kind, string Text, int Generation, int Sequence);

    /// <summary>One accepted connection: its socket, format, buffered text and the queue its synthesis task answers.</summary>
    private sealed class Connection(WebSocket socket, int index, AudioFormat format, string model)
    {
        private int _generation;

        public WebSocket Socket { get; } = socket;

        public int Index { get; } = index;

        public AudioFormat Format { get; } = format;

        public string Model { get; } = model;

        public SemaphoreSlim SendLock { get; } = new(1, 1);

        public StringBuilder PendingText { get; } = new();

        public Queue<long> FlushTimes { get; } = new();

        public Channel<Job> Jobs { get; } = Channel.CreateUnbounded<Job>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

        /// <summary>Bumped by Clear; flush jobs of an older generation are dropped.</summary>
        public int Generation
        {
            get => Volatile.Read(ref _generation);
            set => Volatile.Write(ref _generation, value);
        }

        public int Flushes { get; set; }

        public bool FirstAudioSent { get; set; }

        private volatile bool _dropped;

        public bool Dropped
        {
            get => _dropped;
            set => _dropped = value;
        }

        public async Task SendTextAsync(string json, CancellationToken cancellationToken)
        {
            await SendLock.WaitAsync(cancellationToken);
            try
            {
                await Socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, cancellationToken);
            }
            finally
            {
                SendLock.Release();
            }
        }

        public async Task SendBinaryAsync(ReadOnlyMemory<byte> audio, CancellationToken cancellationToken)
        {
            await SendLock.WaitAsync(cancellationToken);
            try
            {
                await Socket.SendAsync(audio, WebSocketMessageType.Binary, true, cancellationToken);
            }
            finally
            {
                SendLock.Release();
            }
        }
    }
}
