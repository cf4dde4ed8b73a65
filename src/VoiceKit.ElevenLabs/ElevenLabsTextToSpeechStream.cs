using System.Buffers;
using System.Globalization;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using VoiceKit.Audio;

namespace VoiceKit.ElevenLabs;

/// <summary>
/// One reply on one ElevenLabs <c>stream-input</c> socket (already initialised with the voice settings). Text goes out
/// as it is sent; the reader receives and decodes audio on its own thread, inside <see cref="ReadAudioAsync"/>, into
/// pooled buffers that each yielded chunk points into. Every send (text, keepalive, end of input) goes through one lock,
/// so the socket has one writer. A keepalive loop sends <c>{"text":" "}</c> while the reply's text pauses for
/// <see cref="ElevenLabsTextToSpeechOptions.KeepAliveInterval"/>, until the end of input is sent.
/// </summary>
internal sealed class ElevenLabsTextToSpeechStream : ITextToSpeechStream
{
    /// <summary>Resets the server's inactivity clock without ending the input (§3.2 step 4).</summary>
    internal static readonly byte[] KeepAliveMessage = """{"text":" "}"""u8.ToArray();

    /// <summary>End of input (EOS, §3.2 step 3): the server speaks what is buffered, sends <c>isFinal</c> and closes.</summary>
    internal static readonly byte[] EndOfInputMessage = """{"text":""}"""u8.ToArray();

    /// <summary>Largest server message accepted (pipecat allows 16 MB for large audio messages).</summary>
    internal const int MaxMessageBytes = 16 << 20;

    private const string Provider = ElevenLabsTextToSpeech.Provider;

    private static readonly JsonWriterOptions s_writerOptions = new()
    {
        // Leaves apostrophes and non-ASCII text as they are (the default encoder writes it\u0027s); safe because the
        // JSON never lands in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    private readonly ClientWebSocket _socket;
    private readonly AudioFormat _format;
    private readonly TimeProvider _time;
    private readonly TimeSpan _keepAliveInterval;
    private readonly TimeSpan _closeTimeout;
    private readonly TimeSpan _silenceTimeout;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CancellationTokenSource _lifetime = new();
    private readonly Task _keepAliveLoop;
    private readonly ElevenLabsSegmentTracker _segments = new();
    private readonly ElevenLabsMessageParser _parser = new();
    private readonly List<(int Offset, int Length, int Segment)> _pieces = new(4);
    private readonly ArrayBufferWriter<byte> _payload = new(256);
    private readonly Utf8JsonWriter _json;
    private readonly Lock _bufferGate = new();

    /// <summary>
    /// Fires when the server has been silent for <see cref="ElevenLabsTextToSpeechOptions.SilenceTimeout"/> while the
    /// reader waited after the end of input (no audio, no <c>isFinal</c>, no close): aborts the socket so the reader
    /// fails instead of waiting for ever. Armed and disarmed under <see cref="_silenceGate"/>.
    /// </summary>
    private readonly ITimer _silenceTimer;
    private readonly Lock _silenceGate = new();
    private bool _awaitingServer;
    private bool _silenceTimerDisposed;
    private volatile bool _serverSilent;
    private byte[] _receiveBuffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
    private Task<ValueWebSocketReceiveResult>? _pendingReceive;
    private byte[]? _pendingBuffer;
    private long _lastSendTimestamp;
    private long _firstTextTimestamp;
    private bool _firstAudioSeen;
    private bool _textSent;
    private int _carry;
    private int _carryAt;
    private int _disposed;
    private int _reading;
    private bool _readerActive;
    private bool _buffersReleased;

    /// <summary>
    /// Set once a message's audio came without alignment: its characters were never counted, so the segment tracker is
    /// behind for the rest of the reply and would credit later audio to earlier segments. From then on, audio is
    /// reported for an unknown segment (-1). Reader only.
    /// </summary>
    private bool _alignmentLost;
    private volatile bool _endOfInputSent;
    private volatile bool _final;

    /// <summary>Takes ownership of an initialised socket.</summary>
    /// <param name="socket">The socket; the stream closes and disposes it.</param>
    /// <param name="pendingReceive">A receive already outstanding on the socket (a warm socket's), read before any other.</param>
    /// <param name="pendingBuffer">Where <paramref name="pendingReceive"/> writes.</param>
    /// <param name="lastSendTimestamp">When the socket last sent something (the initialise message or a warm socket's keepalive), on the options' clock.</param>
    /// <param name="format">The audio format the socket's URL asked for.</param>
    /// <param name="options">Keepalive interval, close timeout and clock.</param>
    public ElevenLabsTextToSpeechStream(
        ClientWebSocket socket,
        Task<ValueWebSocketReceiveResult>? pendingReceive,
        byte[]? pendingBuffer,
        long lastSendTimestamp,
        AudioFormat format,
        ElevenLabsTextToSpeechOptions options)
    {
        _socket = socket;
        _pendingReceive = pendingReceive;
        _pendingBuffer = pendingBuffer;
        _format = format;
        _time = options.TimeProvider;
        _keepAliveInterval = options.KeepAliveInterval;
        _closeTimeout = options.CloseTimeout;
        _silenceTimeout = options.SilenceTimeout;
        _silenceTimer = _time.CreateTimer(static state => ((ElevenLabsTextToSpeechStream)state!).OnServerSilent(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _json = new Utf8JsonWriter(_payload, s_writerOptions);
        _lastSendTimestamp = lastSendTimestamp;
        _keepAliveLoop = Task.Run(() => KeepAliveLoopAsync(_lifetime.Token));
    }

    public async ValueTask SendTextAsync(string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (_endOfInputSent)
        {
            throw new InvalidOperationException("FlushAsync has ended this reply's text; start a new stream for the next reply.");
        }

        var spoken = ElevenLabsMessageParser.SpokenCharacters(text);
        _segments.Register(spoken); // Before sending: the reader must know a segment before its audio can arrive.
        if (spoken == 0)
        {
            return; // Nothing to say. " " would only reset the timeout, and "" would end the input.
        }

        // The first segment goes with flush:true, so ElevenLabs generates it at once instead of waiting for
        // ChunkLengthSchedule[0] characters: the first clause of a reply is usually shorter than that, and its audio
        // is the caller's wait. flush is documented to generate everything buffered and keep the socket open;
        // try_trigger_generation is not used because it generates only above a minimum length the docs do not give.
        // Later segments follow the schedule, which gives ElevenLabs context for natural prosody.
        var flush = !_textSent;
        _textSent = true;
        if (Volatile.Read(ref _firstTextTimestamp) == 0)
        {
            Volatile.Write(ref _firstTextTimestamp, _time.GetTimestamp());
        }

        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            _payload.ResetWrittenCount();
            _json.Reset(_payload);
            JsonSerializer.Serialize(_json, new ElevenLabsSendText { Text = EndingInOneSpace(text), Flush = flush }, ElevenLabsJsonContext.Default.ElevenLabsSendText);
            await SendCoreAsync(_payload.WrittenMemory, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    public async ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            if (_endOfInputSent)
            {
                return;
            }

            lock (_silenceGate)
            {
                _endOfInputSent = true; // Ends the keepalives: a keepalive after EOS would be text after the end.
                if (_awaitingServer)
                {
                    ArmSilenceTimer(); // The reader is already waiting: from now on, the server owes it a message.
                }
            }

            await SendCoreAsync(EndOfInputMessage, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>
    /// Receives until <c>isFinal</c>. Each chunk points into a buffer reused for the next one. Cancelling the read
    /// abandons the reply (ClientWebSocket aborts a socket whose receive is cancelled). Call once per stream.
    /// </summary>
    public async IAsyncEnumerable<SpeechAudio> ReadAudioAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (Interlocked.Exchange(ref _reading, 1) != 0)
        {
            throw new InvalidOperationException("ReadAudioAsync can be called once per stream; one reader reads the whole reply.");
        }

        lock (_bufferGate)
        {
            ObjectDisposedException.ThrowIf(_buffersReleased, this);
            _readerActive = true;
        }

        try
        {
            while (!_final)
            {
                var pieces = await ReceiveAudioAsync(cancellationToken).ConfigureAwait(false);
                for (var i = 0; i < pieces; i++)
                {
                    var (offset, length, segment) = _pieces[i];
                    yield return new SpeechAudio(_parser.Audio.AsMemory(offset, length), segment);
                }
            }
        }
        finally
        {
            // The buffers are the reader's while it runs: dispose must not return them to the pool under it.
            lock (_bufferGate)
            {
                _readerActive = false;
                if (_disposed != 0)
                {
                    ReleaseBuffers();
                }
            }
        }
    }

    /// <summary>
    /// After <c>isFinal</c>, completes the close handshake (briefly); before it (barge-in), aborts the socket at once
    /// without waiting for the provider. Idempotent.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_final && _socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            try
            {
                using var timeout = new CancellationTokenSource(_closeTimeout, _time);
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException or IOException)
            {
            }
        }

        _socket.Abort();
        lock (_silenceGate)
        {
            _silenceTimerDisposed = true;
            _silenceTimer.Dispose();
        }

        await _lifetime.CancelAsync().ConfigureAwait(false);
        await _keepAliveLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_pendingReceive is { } pending)
        {
            await ((Task)pending).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing); // Ends at once: the socket is aborted.
        }

        _socket.Dispose();
        if (_sendLock.Wait(0))
        {
            // Only when no send is in flight (the aborted socket makes any such send fail quickly on its own).
            try
            {
                _json.Dispose();
            }
            finally
            {
                _sendLock.Release();
            }
        }

        lock (_bufferGate)
        {
            if (!_readerActive)
            {
                ReleaseBuffers();
            }
        }

        _lifetime.Dispose();
    }

    /// <summary><paramref name="text"/> ending in exactly one space, as ElevenLabs asks of each chunk (§3.2 step 2).</summary>
    internal static string EndingInOneSpace(string text)
    {
        var trimmed = text.AsSpan().TrimEnd();
        return trimmed.Length == text.Length - 1 && text[^1] == ' ' ? text : string.Concat(trimmed, " ");
    }

    /// <summary>Sends one text frame; the caller holds the send lock. A failed socket becomes a transient provider error.</summary>
    private async ValueTask SendCoreAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        try
        {
            await _socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _lastSendTimestamp, _time.GetTimestamp());
        }
        catch (Exception ex) when (ex is not OperationCanceledException && IsSocketFailure(ex) && cancellationToken.IsCancellationRequested)
        {
            throw Cancelled(ex, cancellationToken);
        }
        catch (Exception ex) when (IsSocketFailure(ex) && !cancellationToken.IsCancellationRequested)
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            throw new VoiceProviderException("The ElevenLabs connection failed while sending text; ReadAudioAsync reports the server's reason, if it gave one.", Provider, isTransient: true, innerException: ex);
        }
    }

    private async Task KeepAliveLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!_endOfInputSent)
            {
                var idle = _time.GetElapsedTime(Volatile.Read(ref _lastSendTimestamp));
                if (idle < _keepAliveInterval)
                {
                    // At least 1 ms, so a timer that wakes a hair early does not spin.
                    await Task.Delay(TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, (_keepAliveInterval - idle).Ticks)), _time, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    if (_endOfInputSent || _socket.State != WebSocketState.Open)
                    {
                        return;
                    }

                    if (_time.GetElapsedTime(Volatile.Read(ref _lastSendTimestamp)) >= _keepAliveInterval)
                    {
                        await _socket.SendAsync(KeepAliveMessage, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
                        Volatile.Write(ref _lastSendTimestamp, _time.GetTimestamp());
                    }
                }
                finally
                {
                    _sendLock.Release();
                }
            }
        }
        catch (Exception ex) when (IsSocketFailure(ex) || ex is InvalidOperationException)
        {
            // Disposed, or the socket failed; the reader reports why.
        }
    }

    /// <summary>
    /// How a failed socket shows itself: ClientWebSocket throws <see cref="OperationCanceledException"/> (not a
    /// <see cref="WebSocketException"/>) from a send once a failed receive has marked the socket aborted.
    /// </summary>
    internal static bool IsSocketFailure(Exception ex) => ex is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException;

    /// <summary>Receives messages until one carries audio (or is final); fills <see cref="_pieces"/> and returns how many.</summary>
    private async ValueTask<int> ReceiveAudioAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var length = await ReceiveMessageAsync(cancellationToken).ConfigureAwait(false);
            var json = _receiveBuffer.AsSpan(0, length);
            var carryIn = _carry;
            if (carryIn > 0)
            {
                // Half a PCM sample left over from the previous message (the chunk that pointed at it has been consumed).
                _parser.Audio.AsSpan(_carryAt, carryIn).CopyTo(_parser.Audio);
            }

            ElevenLabsServerMessage message;
            try
            {
                message = _parser.Parse(json, carryIn);
                if (message.IsError)
                {
                    throw ServerError(ElevenLabsMessageParser.ParseError(json));
                }
            }
            catch (JsonException ex)
            {
                throw new VoiceProviderException("ElevenLabs sent a message that is not JSON of the expected shape.", Provider, innerException: ex);
            }

            _final = message.IsFinal;
            var total = carryIn + message.AudioLength;
            var deliverable = total - (total % _format.BlockAlign);
            _carry = total - deliverable;
            _carryAt = deliverable;
            if (deliverable == 0)
            {
                if (_final)
                {
                    return 0;
                }

                continue;
            }

            if (!_firstAudioSeen)
            {
                _firstAudioSeen = true;
                if (Volatile.Read(ref _firstTextTimestamp) is var firstText and not 0)
                {
                    ElevenLabsTelemetry.Metrics.RecordFirstResult(ProviderMetrics.TextToSpeech, _time.GetElapsedTime(firstText));
                }
            }

            return Split(deliverable, message.HasAlignment, carryIn);
        }
    }

    /// <summary>
    /// Cuts the decoded audio where the next segment's first character starts, by the alignment's start times (relative
    /// to this message's audio), so each piece names the one segment it speaks. Without alignment the audio is one piece
    /// for an unknown segment (-1), and so is all later audio (see <see cref="_alignmentLost"/>).
    /// </summary>
    private int Split(int deliverable, bool hasAlignment, int carryIn)
    {
        _pieces.Clear();
        if (!hasAlignment || _alignmentLost)
        {
            _alignmentLost = true;
            _pieces.Add((0, deliverable, -1));
            return 1;
        }

        var blockAlign = _format.BlockAlign;
        var segment = _segments.Current;
        var start = 0;
        for (var i = 0; i < _parser.AlignmentLength; i++)
        {
            if (_parser.IsWhitespace(i) || !_segments.Advance())
            {
                continue;
            }

            var sample = (long)Math.Round(Math.Max(0, _parser.StartMs(i)) * _format.SampleRate / 1000.0);
            var at = (int)Math.Min(carryIn + (sample * blockAlign), deliverable);
            at -= at % blockAlign;
            if (at > start)
            {
                _pieces.Add((start, at - start, segment));
                start = at;
            }

            segment = _segments.Current;
        }

        if (deliverable > start)
        {
            _pieces.Add((start, deliverable - start, segment));
        }

        return _pieces.Count;
    }

    /// <summary>Receives one whole text message into <see cref="_receiveBuffer"/>; a close or a failure before <c>isFinal</c> is a transient provider error.</summary>
    private async ValueTask<int> ReceiveMessageAsync(CancellationToken cancellationToken)
    {
        var length = 0;
        try
        {
            while (true)
            {
                ValueWebSocketReceiveResult result;
                if (_pendingReceive is { } pending)
                {
                    // A warm socket's receive, outstanding since it was parked: its bytes are in the warm buffer.
                    BeginAwaitingServer();
                    try
                    {
                        result = await pending.WaitAsync(cancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        EndAwaitingServer();
                    }

                    _pendingReceive = null;
                    EnsureReceiveCapacity(length + result.Count);
                    _pendingBuffer.AsSpan(0, result.Count).CopyTo(_receiveBuffer.AsSpan(length));
                    _pendingBuffer = null;
                }
                else
                {
                    EnsureReceiveCapacity(length + 1);
                    BeginAwaitingServer();
                    try
                    {
                        result = await _socket.ReceiveAsync(_receiveBuffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        EndAwaitingServer();
                    }
                }

                switch (result.MessageType)
                {
                    case WebSocketMessageType.Close:
                        throw ClosedEarly();
                    case WebSocketMessageType.Binary:
                        throw new VoiceProviderException("ElevenLabs sent a binary frame; the stream-input socket carries JSON text only.", Provider);
                }

                length += result.Count;
                if (result.EndOfMessage)
                {
                    return length;
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException && IsSocketFailure(ex) && cancellationToken.IsCancellationRequested)
        {
            throw Cancelled(ex, cancellationToken);
        }
        catch (Exception ex) when (IsSocketFailure(ex) && !cancellationToken.IsCancellationRequested)
        {
            if (_serverSilent)
            {
                throw new VoiceProviderException(
                    $"ElevenLabs sent nothing for {_silenceTimeout.TotalSeconds:0.#} s after the reply's text ended (no audio, no isFinal); the connection was given up.",
                    Provider,
                    "timeout",
                    isTransient: true,
                    innerException: ex);
            }

            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            throw new VoiceProviderException("The ElevenLabs connection dropped before the reply was complete.", Provider, isTransient: true, innerException: ex);
        }
    }

    /// <summary>The reader starts waiting for a message: once the end of input is out, the server has <see cref="_silenceTimeout"/> to send one.</summary>
    private void BeginAwaitingServer()
    {
        lock (_silenceGate)
        {
            _awaitingServer = true;
            if (_endOfInputSent)
            {
                ArmSilenceTimer();
            }
        }
    }

    /// <summary>The reader has its message (or gave up): time it spends elsewhere, say while its consumer plays audio, is not the server's silence.</summary>
    private void EndAwaitingServer()
    {
        lock (_silenceGate)
        {
            _awaitingServer = false;
            if (!_silenceTimerDisposed)
            {
                _silenceTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }
        }
    }

    /// <summary>Caller holds <see cref="_silenceGate"/>.</summary>
    private void ArmSilenceTimer()
    {
        if (!_silenceTimerDisposed)
        {
            _silenceTimer.Change(_silenceTimeout, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnServerSilent()
    {
        lock (_silenceGate)
        {
            if (!_awaitingServer || _silenceTimerDisposed)
            {
                return; // A message arrived as the timer fired, or the stream is gone.
            }

            _serverSilent = true;
        }

        _socket.Abort(); // Ends the pending receive; the reader reports the timeout.
    }

    private void EnsureReceiveCapacity(int needed)
    {
        if (needed <= _receiveBuffer.Length)
        {
            return;
        }

        if (needed > MaxMessageBytes)
        {
            throw new VoiceProviderException($"ElevenLabs sent a message larger than {MaxMessageBytes} bytes.", Provider);
        }

        var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(Math.Max(needed, _receiveBuffer.Length * 2), MaxMessageBytes));
        _receiveBuffer.CopyTo(bigger, 0);
        ArrayPool<byte>.Shared.Return(_receiveBuffer);
        _receiveBuffer = bigger;
    }

    private VoiceProviderException ClosedEarly()
    {
        var status = _socket.CloseStatus;
        var code = status is { } s ? ((int)s).ToString(CultureInfo.InvariantCulture) : null;
        var reason = string.IsNullOrEmpty(_socket.CloseStatusDescription) ? string.Empty : " " + Truncate(_socket.CloseStatusDescription);
        return new VoiceProviderException($"ElevenLabs closed the connection before the reply was complete (close {code ?? "without a status"}{reason}).", Provider, code, isTransient: true);
    }

    /// <summary>
    /// The caller cancelled, and the socket failed in the same moment: ClientWebSocket aborts a socket when a receive's
    /// token is cancelled, so a receive that completed as the token fired leaves an aborted socket, and the next call
    /// fails with a <see cref="WebSocketException"/> (or, after a barge-in's dispose, an <see cref="ObjectDisposedException"/>).
    /// The caller asked to stop, so it gets the cancellation it expects (a barge-in is not an error).
    /// </summary>
    private static OperationCanceledException Cancelled(Exception ex, CancellationToken cancellationToken) =>
        new("The operation was cancelled.", ex, cancellationToken);

    private static VoiceProviderException ServerError(ElevenLabsError error)
    {
        var code = error.Error ?? error.Code?.ToString(CultureInfo.InvariantCulture);
        var detail = string.IsNullOrWhiteSpace(error.Message) ? string.Empty : ": " + Truncate(error.Message);
        return new VoiceProviderException($"ElevenLabs reported an error ({code ?? "no code"}){detail}", Provider, code);
    }

    private static string Truncate(string text) => text.Length > 300 ? text[..300] + "…" : text;

    private void ReleaseBuffers()
    {
        if (_buffersReleased)
        {
            return;
        }

        _buffersReleased = true;
        _parser.Release();
        ArrayPool<byte>.Shared.Return(_receiveBuffer);
        _receiveBuffer = [];
    }
}
