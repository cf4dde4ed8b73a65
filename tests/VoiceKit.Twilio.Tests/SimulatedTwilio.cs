using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace VoiceKit.Twilio.Tests;

/// <summary>
/// Plays Twilio's media servers against a Media Streams WebSocket endpoint (protocols.md §5.2, §5.3, §6): connects
/// (optionally signing the upgrade), sends <c>connected</c> and <c>start</c>, then caller audio as <c>media</c> frames in
/// real time with string-typed counters, <c>dtmf</c> on demand and <c>stop</c> on hang-up. Agent audio it receives plays
/// at 8,000 bytes/s: each <c>mark</c> is echoed once the audio before it has played; <c>clear</c> drops unplayed audio and
/// echoes every pending mark at once. Everything is timestamped so tests can assert pacing and jitter.
/// </summary>
/// <remarks>Thread-safe. Times are measured from <see cref="ConnectAsync"/> on a monotonic clock.</remarks>
public sealed class SimulatedTwilio : IAsyncDisposable
{
    /// <summary>mu-law silence.</summary>
    public const byte Silence = 0xFF;

    private const int BytesPerSecond = 8000;
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly Uri _url;
    private readonly ClientWebSocket _socket = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly SemaphoreSlim _playbackSignal = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly ConcurrentQueue<byte[]> _callerAudio = new();
    private readonly List<(string Name, long Position)> _pendingMarks = [];
    private readonly MemoryStream _timeline = new();
    private readonly MemoryStream _allAgentAudio = new();
    private readonly List<SimulatedTwilioMark> _markEchoes = [];
    private readonly List<SimulatedTwilioClear> _clears = [];
    private readonly List<TimeSpan> _frameLateness = [];
    private readonly List<string> _receivedMessages = [];
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _origin;
    private int _sequenceNumber;
    private long _queuedEnd;
    private long _playedBefore;
    private bool _playing;
    private long _runStartTimestamp;
    private long _runStartPosition;
    private long _maxUnplayed;
    private long _lastRunEndTimestamp;
    private long _framesSent;
    private readonly List<TimeSpan> _underruns = [];
    private int _mediaReceived;
    private TimeSpan? _lastMediaReceivedAt;
    private Task _mediaLoop = Task.CompletedTask;
    private Task _receiveLoop = Task.CompletedTask;
    private Task _playbackLoop = Task.CompletedTask;

    /// <summary>Whether to keep the agent audio received and played (<see cref="PlayedAudio"/>, <see cref="ReceivedAudio"/>); load tests turn it off.</summary>
    public bool RecordAudio { get; init; } = true;

    /// <summary>Caller media messages sent so far.</summary>
    public long FramesSent => Interlocked.Read(ref _framesSent);

    /// <summary>
    /// Gaps in the agent's audio: playback ran dry and more audio arrived less than 500 ms later (the same reply, so the
    /// caller heard a glitch). A paced sender with a lead never causes one.
    /// </summary>
    public IReadOnlyList<TimeSpan> Underruns
    {
        get
        {
            lock (_lock)
            {
                return [.. _underruns];
            }
        }
    }

    /// <summary>Creates a simulated Twilio that will connect to <paramref name="url"/>.</summary>
    public SimulatedTwilio(Uri url)
    {
        _url = url;
        StreamSid = "MZ" + RandomHex();
        CallSid = "CA" + RandomHex();
        AccountSid = "AC" + RandomHex();
    }

    /// <summary>The stream SID sent in <c>start</c> and every message.</summary>
    public string StreamSid { get; init; }

    /// <summary>The call SID sent in <c>start</c>.</summary>
    public string CallSid { get; init; }

    /// <summary>The account SID sent in <c>start</c>.</summary>
    public string AccountSid { get; init; }

    /// <summary>The TwiML &lt;Parameter&gt;s, sent as <c>start.customParameters</c>.</summary>
    public Dictionary<string, string> CustomParameters { get; init; } = [];

    /// <summary>Computes the <c>X-Twilio-Signature</c> of the upgrade from the URL; no header when null.</summary>
    public Func<Uri, string>? SignUpgrade { get; init; }

    /// <summary><c>start.mediaFormat</c>: encoding, sample rate, channels.</summary>
    public (string Encoding, int SampleRate, int Channels) MediaFormat { get; init; } = ("audio/x-mulaw", 8000, 1);

    /// <summary>Caller audio bytes per <c>media</c> message (160 = 20 ms, Twilio's size); the cadence follows it.</summary>
    public int ChunkBytes { get; init; } = 160;

    /// <summary>Whether to send silence when no scripted caller audio is queued (Twilio always streams); false sends only scripted audio.</summary>
    public bool SendSilenceWhenIdle { get; init; } = true;

    /// <summary>Whether to send <c>connected</c> and <c>start</c> on connect (false lets a test send its own first messages).</summary>
    public bool SendHandshake { get; init; } = true;

    /// <summary>Whether to keep every text message received (off for load tests).</summary>
    public bool RecordMessages { get; init; } = true;

    /// <summary>Completes when the server closed the WebSocket (or it failed).</summary>
    public Task Closed => _closed.Task;

    /// <summary>The close status the server sent, once closed.</summary>
    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    /// <summary>Time since connecting.</summary>
    public TimeSpan Now => Stopwatch.GetElapsedTime(_origin);

    /// <summary>Agent audio that has played so far (cleared audio excluded).</summary>
    public TimeSpan PlayedDuration => TimeSpan.FromTicks(PlayedBytes * TimeSpan.TicksPerSecond / BytesPerSecond);

    /// <summary>Agent audio bytes played so far.</summary>
    public long PlayedBytes
    {
        get
        {
            lock (_lock)
            {
                return PlayedLocked(Stopwatch.GetTimestamp());
            }
        }
    }

    /// <summary>Agent audio received but not yet played.</summary>
    public TimeSpan Unplayed
    {
        get
        {
            lock (_lock)
            {
                return ToTime(_queuedEnd - PlayedLocked(Stopwatch.GetTimestamp()));
            }
        }
    }

    /// <summary>The most unplayed agent audio ever buffered, checked at every media message received.</summary>
    public TimeSpan MaxUnplayed
    {
        get
        {
            lock (_lock)
            {
                return ToTime(_maxUnplayed);
            }
        }
    }

    /// <summary>A copy of the agent audio played so far, in order.</summary>
    public byte[] PlayedAudio
    {
        get
        {
            lock (_lock)
            {
                return _timeline.GetBuffer().AsSpan(0, (int)PlayedLocked(Stopwatch.GetTimestamp())).ToArray();
            }
        }
    }

    /// <summary>A copy of all agent audio received, played or cleared.</summary>
    public byte[] ReceivedAudio
    {
        get
        {
            lock (_lock)
            {
                return _allAgentAudio.ToArray();
            }
        }
    }

    /// <summary>How many <c>media</c> messages the server sent.</summary>
    public int MediaReceived
    {
        get
        {
            lock (_lock)
            {
                return _mediaReceived;
            }
        }
    }

    /// <summary>When the last <c>media</c> message arrived.</summary>
    public TimeSpan? LastMediaReceivedAt
    {
        get
        {
            lock (_lock)
            {
                return _lastMediaReceivedAt;
            }
        }
    }

    /// <summary>Marks echoed so far, in order (flushed ones came from a clear).</summary>
    public IReadOnlyList<SimulatedTwilioMark> MarkEchoes
    {
        get
        {
            lock (_lock)
            {
                return [.. _markEchoes];
            }
        }
    }

    /// <summary>Marks received and not yet echoed.</summary>
    public int PendingMarks
    {
        get
        {
            lock (_lock)
            {
                return _pendingMarks.Count;
            }
        }
    }

    /// <summary>Every <c>clear</c> received: when, and how much had played.</summary>
    public IReadOnlyList<SimulatedTwilioClear> Clears
    {
        get
        {
            lock (_lock)
            {
                return [.. _clears];
            }
        }
    }

    /// <summary>How late each caller frame went out relative to its real-time schedule.</summary>
    public IReadOnlyList<TimeSpan> FrameLateness
    {
        get
        {
            lock (_lock)
            {
                return [.. _frameLateness];
            }
        }
    }

    /// <summary>Every text message received, verbatim (when <see cref="RecordMessages"/>).</summary>
    public IReadOnlyList<string> ReceivedMessages
    {
        get
        {
            lock (_lock)
            {
                return [.. _receivedMessages];
            }
        }
    }

    /// <summary>Connects, sends <c>connected</c> and <c>start</c> (unless <see cref="SendHandshake"/> is off) and starts streaming caller audio.</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        if (SignUpgrade is { } sign)
        {
            _socket.Options.SetRequestHeader("X-Twilio-Signature", sign(_url));
        }

        await _socket.ConnectAsync(_url, cancellationToken);
        _origin = Stopwatch.GetTimestamp();
        _receiveLoop = Task.Run(ReceiveLoopAsync);
        _playbackLoop = Task.Run(PlaybackLoopAsync);
        if (SendHandshake)
        {
            await SendRawAsync("""{"event":"connected","protocol":"Call","version":"1.0.0"}""");
            await SendRawAsync(StartMessage());
            StartMedia();
        }
    }

    /// <summary>Starts the real-time caller audio stream (done by <see cref="ConnectAsync"/> unless the handshake is off).</summary>
    public void StartMedia() => _mediaLoop = Task.Run(MediaLoopAsync);

    /// <summary>The <c>start</c> message this simulator sends.</summary>
    public string StartMessage() => Json(writer =>
    {
        writer.WriteString("event", "start");
        writer.WriteString("sequenceNumber", NextSequence());
        writer.WriteStartObject("start");
        writer.WriteString("accountSid", AccountSid);
        writer.WriteString("streamSid", StreamSid);
        writer.WriteString("callSid", CallSid);
        writer.WriteStartArray("tracks");
        writer.WriteStringValue("inbound");
        writer.WriteEndArray();
        writer.WriteStartObject("mediaFormat");
        writer.WriteString("encoding", MediaFormat.Encoding);
        writer.WriteNumber("sampleRate", MediaFormat.SampleRate);
        writer.WriteNumber("channels", MediaFormat.Channels);
        writer.WriteEndObject();
        writer.WriteStartObject("customParameters");
        foreach (var (name, value) in CustomParameters)
        {
            writer.WriteString(name, value);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteString("streamSid", StreamSid);
    });

    /// <summary>Queues caller audio (mu-law); it goes out in <see cref="ChunkBytes"/> chunks at real time, a short tail padded with silence.</summary>
    public void SendCallerAudio(ReadOnlySpan<byte> mulaw)
    {
        for (var offset = 0; offset < mulaw.Length; offset += ChunkBytes)
        {
            var chunk = new byte[ChunkBytes];
            chunk.AsSpan().Fill(Silence);
            mulaw.Slice(offset, Math.Min(ChunkBytes, mulaw.Length - offset)).CopyTo(chunk);
            _callerAudio.Enqueue(chunk);
        }
    }

    /// <summary>Whether scripted caller audio is still waiting to be sent.</summary>
    public bool HasCallerAudioQueued => !_callerAudio.IsEmpty;

    /// <summary>The caller presses a key: a <c>dtmf</c> message.</summary>
    public Task PressKeyAsync(char key) => SendRawAsync(Json(writer =>
    {
        writer.WriteString("event", "dtmf");
        writer.WriteString("streamSid", StreamSid);
        writer.WriteString("sequenceNumber", NextSequence());
        writer.WriteStartObject("dtmf");
        writer.WriteString("track", "inbound_track");
        writer.WriteString("digit", key.ToString());
        writer.WriteEndObject();
    }));

    /// <summary>The caller hangs up: media stops, <c>stop</c> is sent, and the socket closes once the server closes.</summary>
    public async Task HangUpAsync()
    {
        await StopMediaAsync();
        await SendRawAsync(Json(writer =>
        {
            writer.WriteString("event", "stop");
            writer.WriteString("sequenceNumber", NextSequence());
            writer.WriteStartObject("stop");
            writer.WriteString("accountSid", AccountSid);
            writer.WriteString("callSid", CallSid);
            writer.WriteEndObject();
            writer.WriteString("streamSid", StreamSid);
        }));
    }

    /// <summary>Stops sending caller audio.</summary>
    public async Task StopMediaAsync()
    {
        await _stop.CancelAsync();
        await _mediaLoop;
    }

    /// <summary>Sends a text message as is (for malformed-input tests).</summary>
    public async Task SendRawAsync(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        await SendAsync(bytes, WebSocketMessageType.Text);
    }

    /// <summary>Sends a binary frame (Twilio never does: error 31950).</summary>
    public Task SendBinaryAsync(byte[] bytes) => SendAsync(bytes, WebSocketMessageType.Binary);

    /// <summary>A <c>media</c> message as Twilio sends it, with <paramref name="payload"/> verbatim (base64 or not).</summary>
    public string MediaMessage(string payload, string? streamSid = null) => Json(writer =>
    {
        var sequence = NextSequence();
        writer.WriteString("event", "media");
        writer.WriteString("sequenceNumber", sequence);
        writer.WriteStartObject("media");
        writer.WriteString("track", "inbound");
        writer.WriteString("chunk", sequence);
        writer.WriteString("timestamp", ((long)Now.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
        writer.WriteString("payload", payload);
        writer.WriteEndObject();
        writer.WriteString("streamSid", streamSid ?? StreamSid);
    });

    /// <summary>Waits until <paramref name="condition"/> holds, polling every few milliseconds.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            await Task.Delay(2, cancellationToken);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _mediaLoop;
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
            }
        }

        _socket.Abort();
        await _receiveLoop;
        _playbackSignal.Release();
        await _playbackLoop;
        _socket.Dispose();
        _stop.Dispose();
    }

    private static string RandomHex() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private static TimeSpan ToTime(long bytes) => TimeSpan.FromTicks(bytes * TimeSpan.TicksPerSecond / BytesPerSecond);

    private static long ToBytes(TimeSpan time) => time.Ticks * BytesPerSecond / TimeSpan.TicksPerSecond;

    private static string Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private string NextSequence() => Interlocked.Increment(ref _sequenceNumber).ToString(CultureInfo.InvariantCulture);

    private async Task SendAsync(byte[] bytes, WebSocketMessageType type)
    {
        await _sendLock.WaitAsync();
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                await _socket.SendAsync(bytes, type, true, CancellationToken.None);
            }
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The server closed; Closed reports it.
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task MediaLoopAsync()
    {
        var cadence = TimeSpan.FromTicks(ChunkBytes * TimeSpan.TicksPerSecond / BytesPerSecond);
        var start = Stopwatch.GetTimestamp();
        var silence = new byte[ChunkBytes];
        silence.AsSpan().Fill(Silence);
        try
        {
            for (long frame = 0; !_stop.IsCancellationRequested && _socket.State == WebSocketState.Open; frame++)
            {
                var due = cadence * frame;
                var wait = due - Stopwatch.GetElapsedTime(start);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _stop.Token);
                }

                byte[]? chunk = _callerAudio.TryDequeue(out var scripted) ? scripted : SendSilenceWhenIdle ? silence : null;
                if (chunk is null)
                {
                    continue;
                }

                var lateness = Stopwatch.GetElapsedTime(start) - due;
                if (RecordMessages)
                {
                    lock (_lock)
                    {
                        _frameLateness.Add(lateness);
                    }
                }

                await SendRawAsync(MediaMessage(Convert.ToBase64String(chunk)));
                Interlocked.Increment(ref _framesSent);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[128 * 1024];
        try
        {
            while (true)
            {
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                    length += result.Count;
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    if (_socket.State == WebSocketState.CloseReceived)
                    {
                        await _sendLock.WaitAsync();
                        try
                        {
                            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                        }
                        finally
                        {
                            _sendLock.Release();
                        }
                    }

                    return;
                }

                Handle(buffer.AsSpan(0, length));
            }
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
        finally
        {
            await _stop.CancelAsync();
            _closed.TrySetResult();
        }
    }

    private void Handle(ReadOnlySpan<byte> message)
    {
        using var document = JsonDocument.Parse(message.ToArray());
        var root = document.RootElement;
        var kind = root.GetProperty("event").GetString();
        var now = Stopwatch.GetTimestamp();
        lock (_lock)
        {
            if (RecordMessages)
            {
                _receivedMessages.Add(Encoding.UTF8.GetString(message));
            }

            RefreshLocked(now);
            switch (kind)
            {
                case "media":
                    var audio = Convert.FromBase64String(root.GetProperty("media").GetProperty("payload").GetString()!);
                    _mediaReceived++;
                    _lastMediaReceivedAt = Stopwatch.GetElapsedTime(_origin, now);
                    if (RecordAudio)
                    {
                        _allAgentAudio.Write(audio);
                        _timeline.Position = _queuedEnd;
                        _timeline.Write(audio);
                    }

                    if (!_playing)
                    {
                        if (_lastRunEndTimestamp != 0 && Stopwatch.GetElapsedTime(_lastRunEndTimestamp, now) is var gap && gap < TimeSpan.FromMilliseconds(500))
                        {
                            _underruns.Add(gap);
                        }

                        _playing = true;
                        _runStartTimestamp = now;
                        _runStartPosition = _queuedEnd;
                    }

                    _queuedEnd += audio.Length;
                    _maxUnplayed = Math.Max(_maxUnplayed, _queuedEnd - PlayedLocked(now));
                    break;
                case "mark":
                    _pendingMarks.Add((root.GetProperty("mark").GetProperty("name").GetString()!, _queuedEnd));
                    break;
                case "clear":
                    var played = PlayedLocked(now);
                    _clears.Add(new SimulatedTwilioClear(Stopwatch.GetElapsedTime(_origin, now), ToTime(played)));
                    _playedBefore = played;
                    _queuedEnd = played;
                    if (RecordAudio)
                    {
                        _timeline.SetLength(played);
                    }

                    _lastRunEndTimestamp = 0; // a cleared reply ends here: the next audio is a new reply, not a gap
                    _playing = false;
                    foreach (var (name, _) in _pendingMarks)
                    {
                        EchoLocked(name, now, flushed: true);
                    }

                    _pendingMarks.Clear();
                    break;
            }
        }

        _playbackSignal.Release();
    }

    /// <summary>Echoes marks as their audio finishes playing.</summary>
    private async Task PlaybackLoopAsync()
    {
        while (!Closed.IsCompleted)
        {
            TimeSpan? wait;
            lock (_lock)
            {
                var now = Stopwatch.GetTimestamp();
                RefreshLocked(now);
                var played = PlayedLocked(now);
                while (_pendingMarks.Count > 0 && _pendingMarks[0].Position <= played)
                {
                    EchoLocked(_pendingMarks[0].Name, now, flushed: false);
                    _pendingMarks.RemoveAt(0);
                }

                wait = _pendingMarks.Count > 0 && _playing
                    ? ToTime(_pendingMarks[0].Position - played) + TimeSpan.FromTicks(1)
                    : null;
            }

            try
            {
                await (wait is { } due ? _playbackSignal.WaitAsync(due) : _playbackSignal.WaitAsync());
            }
            catch (ObjectDisposedException)
            {
                return;
            }
        }
    }

    private void EchoLocked(string name, long now, bool flushed)
    {
        if (RecordMessages)
        {
            _markEchoes.Add(new SimulatedTwilioMark(name, Stopwatch.GetElapsedTime(_origin, now), ToTime(PlayedLocked(now)), flushed));
        }

        var text = Json(writer =>
        {
            writer.WriteString("event", "mark");
            writer.WriteString("sequenceNumber", NextSequence());
            writer.WriteString("streamSid", StreamSid);
            writer.WriteStartObject("mark");
            writer.WriteString("name", name);
            writer.WriteEndObject();
        });

        // Sent outside the lock, in order: the send lock queues them.
        _ = SendRawAsync(text);
    }

    private long PlayedLocked(long now)
    {
        if (!_playing)
        {
            return _playedBefore;
        }

        return Math.Min(_queuedEnd, _runStartPosition + ToBytes(Stopwatch.GetElapsedTime(_runStartTimestamp, now)));
    }

    private void RefreshLocked(long now)
    {
        if (_playing && PlayedLocked(now) >= _queuedEnd)
        {
            _playedBefore = _queuedEnd;
            _playing = false;
            _lastRunEndTimestamp = _runStartTimestamp + (ToTime(_queuedEnd - _runStartPosition).Ticks * Stopwatch.Frequency / TimeSpan.TicksPerSecond);
        }
    }
}

/// <summary>A mark the simulated Twilio echoed: when, how much had played, and whether a clear flushed it.</summary>
public sealed record SimulatedTwilioMark(string Name, TimeSpan At, TimeSpan PlayedAt, bool Flushed);

/// <summary>A clear the simulated Twilio received: when, and how much agent audio had played.</summary>
public sealed record SimulatedTwilioClear(TimeSpan At, TimeSpan Played);
