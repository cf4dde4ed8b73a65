using System.Buffers;
using System.Buffers.Text;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using VoiceKit.Audio;

namespace VoiceKit.Twilio;

/// <summary>
/// One phone call over a Twilio Media Streams WebSocket (bidirectional, <c>&lt;Connect&gt;&lt;Stream&gt;</c>): caller
/// audio and key presses in, agent audio out paced in real time, playback position from echoed marks, <c>clear</c> on
/// barge-in, and hang-up or transfer through the REST API.
/// </summary>
/// <remarks>
/// <para>
/// Audio is 8 kHz mu-law both ways (<see cref="AudioFormat.Telephony"/>), exactly as Twilio carries it: no transcoding.
/// Caller audio arrives as 20 ms <see cref="AudioFrame"/>s whatever size Twilio's chunks are.
/// </para>
/// <para>
/// Two loops run per call. The receive loop reads Twilio's messages (and processes mark echoes even when nobody reads
/// events). The output loop sends queued agent audio one 20 ms <c>media</c> message at a time, keeping at most
/// <see cref="TwilioOptions.OutboundLead"/> of audio ahead of real time: Twilio plays whatever it has buffered even after
/// a <c>clear</c> is on its way, so a burst would make barge-in late. It sends a <c>mark</c> after the first frame of a
/// burst, every <see cref="TwilioPlaybackTracker.MarkEveryFrames"/> frames, and when the queue runs dry. Every send goes
/// through one lock: a WebSocket has one writer.
/// </para>
/// <para>
/// Malformed JSON, unknown events, bad base64 and messages for another stream are logged and ignored. A message over
/// <see cref="TwilioOptions.MaxMessageBytes"/> or a binary frame ends the call (<see cref="TransportEvent.Ended"/>, socket
/// closed). No loop throws; no task is left unobserved.
/// </para>
/// <para>
/// The transport owns the socket once <see cref="AcceptAsync"/> returns and closes it on hang-up, transfer or dispose.
/// Members may be called concurrently (one event reader, one audio sender, call control from either).
/// </para>
/// </remarks>
internal sealed partial class TwilioMediaStreamTransport : ITransport, IAsyncDisposable
{
    /// <summary>The provider name in errors.</summary>
    public const string Provider = "twilio";

    /// <summary>How long Twilio has to send <c>connected</c> and <c>start</c> after the upgrade.</summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How long a close handshake may take before the socket is aborted.</summary>
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Caller events that may wait unread (20 s of audio); beyond it caller audio is dropped, not key presses or the end.</summary>
    private const int EventCapacity = 1_000;

    /// <summary>Slots kept free for key presses and the end when the reader falls behind.</summary>
    private const int ControlReserve = 16;

    private const int FrameMilliseconds = 20;
    private const int InitialReceiveBufferBytes = 4 * 1024;
    private const int LoudLogLimit = 20;

    private readonly WebSocket _socket;
    private readonly ILogger _logger;
    private readonly ITwilioCallActions? _actions;
    private readonly TimeProvider _time;
    private readonly TimeSpan _lead;
    private readonly int _maxMessageBytes;
    private readonly byte[] _streamSidUtf8;
    private readonly int _frameBytes;
    private readonly TimeSpan _frameDuration;

    private readonly Channel<TransportEvent> _events = Channel.CreateBounded<TransportEvent>(
        new BoundedChannelOptions(EventCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true, SingleWriter = false });

    // Wakes the output loop: new audio, the pacing timer, a clear, or the end. One pending signal is enough.
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly Lock _stateLock = new();
    private readonly TwilioOutboundQueue _queue = new();
    private readonly TwilioPlaybackTracker _playback;
    private readonly TwilioOutboundMessages _messages;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly CancellationToken _lifetimeToken;
    private readonly ITimer _paceTimer;
    private readonly ITimer? _idleTimer;
    private readonly TimeSpan _idleTimeout;
    private long _lastReceiveTimestamp;
    private readonly byte[] _outFrame;

    // Receive loop state (owned by the receive loop; returned when it ends).
    private byte[] _receiveBuffer;
    private byte[] _decodeBuffer;
    private readonly byte[] _inboundPending;
    private int _inboundPendingLength;

    private long _aheadUntil; // output loop pacing: when the audio sent so far will have played, in timestamp units (state lock)
    private int _ignoredCount;
    private int _droppedFrames;
    private int _outputStopped;
    private int _agentEnded;
    private int _farEndRaised;
    private int _disposed;
    private int _idleAborted;
    private int _buffersReturned;
    private Task _receiveLoop = Task.CompletedTask;
    private Task _outputLoop = Task.CompletedTask;

    private TwilioMediaStreamTransport(WebSocket socket, TwilioOptions options, ITwilioCallActions? actions, ILogger logger, CallInfo call, string streamSid, byte[] receiveBuffer)
    {
        _socket = socket;
        _actions = actions;
        _logger = logger;
        _time = options.TimeProvider;
        _lead = options.OutboundLead;
        _maxMessageBytes = options.MaxMessageBytes;
        Call = call;
        StreamSid = streamSid;
        _streamSidUtf8 = Encoding.UTF8.GetBytes(streamSid);
        _frameBytes = Format.BytesPer(FrameMilliseconds);
        _frameDuration = Format.DurationOf(_frameBytes);
        _playback = new TwilioPlaybackTracker(_time, Format.BytesPerSecond);
        _messages = new TwilioOutboundMessages(streamSid, _frameBytes);
        _lifetimeToken = _lifetime.Token;
        _outFrame = new byte[_frameBytes];
        _inboundPending = new byte[_frameBytes];
        _receiveBuffer = receiveBuffer;
        _decodeBuffer = ArrayPool<byte>.Shared.Rent(1024);
        _paceTimer = _time.CreateTimer(static state => ((TwilioMediaStreamTransport)state!)._wake.Writer.TryWrite(true), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _lastReceiveTimestamp = _time.GetTimestamp();
        if (options.ReceiveIdleTimeout is { } idle)
        {
            // Checked a few times per timeout, off the receive path: the loop only stamps a timestamp per message.
            _idleTimeout = idle;
            var period = TimeSpan.FromTicks(Math.Max(idle.Ticks / 4, TimeSpan.TicksPerMillisecond * 50));
            _idleTimer = _time.CreateTimer(static state => ((TwilioMediaStreamTransport)state!).CheckIdle(), this, period, period);
        }
    }

    /// <summary>Ends a call whose connection has gone silent: aborting the socket ends the receive loop, which raises Ended.</summary>
    private void CheckIdle()
    {
        if (Volatile.Read(ref _disposed) != 0 || _time.GetElapsedTime(Volatile.Read(ref _lastReceiveTimestamp)) < _idleTimeout)
        {
            return;
        }

        if (Interlocked.Exchange(ref _idleAborted, 1) == 0)
        {
            LogIdle(_logger, Call.CallId, _idleTimeout.TotalSeconds);
            _socket.Abort();
        }
    }

    /// <inheritdoc />
    public AudioFormat Format => AudioFormat.Telephony;

    /// <inheritdoc />
    public CallInfo Call { get; }

    /// <summary>The Media Streams stream SID (<c>MZ…</c>).</summary>
    public string StreamSid { get; }

    /// <summary>Completes when the WebSocket is closed or failed (the receive loop ended). Never faults.</summary>
    public Task Closed => _receiveLoop;

    /// <summary>Completes when the output loop has stopped (the call ended or the transport was disposed). Never faults.</summary>
    internal Task OutputStopped => _outputLoop;

    /// <inheritdoc />
    public TimeSpan PlayedDuration
    {
        get
        {
            lock (_stateLock)
            {
                return Format.DurationOf(_playback.PlayedBytes());
            }
        }
    }

    /// <summary>
    /// Reads Twilio's <c>connected</c> and <c>start</c> messages from an accepted Media Streams WebSocket and starts the
    /// call's loops.
    /// </summary>
    /// <param name="socket">The server side of the WebSocket, just accepted. Owned by the transport once this returns; on failure it is left open for the caller to close.</param>
    /// <param name="options">The Twilio options (size limit, pacing lead, clock).</param>
    /// <param name="actions">REST call control for hang-up and transfer; null to hang up by closing the socket and to refuse transfers.</param>
    /// <param name="logger">Where ignored messages and failures are logged (never audio or credentials).</param>
    /// <param name="ct">Cancels the handshake.</param>
    /// <returns>The running transport; dispose it.</returns>
    /// <exception cref="VoiceProviderException">
    /// No <c>start</c> within <see cref="HandshakeTimeout"/>, another message first (<c>connected</c> may come before it),
    /// a malformed or oversize start, or a media format other than 8 kHz mono mu-law.
    /// </exception>
    public static async Task<TwilioMediaStreamTransport> AcceptAsync(WebSocket socket, TwilioOptions options, ITwilioCallActions? actions, ILogger logger, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxMessageBytes, 1024, "options.MaxMessageBytes");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.OutboundLead, TimeSpan.Zero, "options.OutboundLead");
        ArgumentNullException.ThrowIfNull(options.TimeProvider, "options.TimeProvider");

        byte[]? buffer = ArrayPool<byte>.Shared.Rent(InitialReceiveBufferBytes);
        using var deadline = new CancellationTokenSource(HandshakeTimeout, options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        try
        {
            TwilioStartEnvelope? start = null;
            for (var index = 0; start is null; index++)
            {
                var received = await ReceiveMessageAsync(socket, buffer, options.MaxMessageBytes, ArrayPool<byte>.Shared, linked.Token).ConfigureAwait(false);
                buffer = received.Buffer;
                if (received.Outcome != ReceiveOutcome.Text)
                {
                    throw HandshakeError($"Twilio sent {Describe(received.Outcome)} before the stream started.");
                }

                TwilioStartEnvelope? message;
                try
                {
                    message = JsonSerializer.Deserialize(buffer.AsSpan(0, received.Length), TwilioJsonContext.Default.TwilioStartEnvelope);
                }
                catch (JsonException e)
                {
                    throw HandshakeError("Twilio's first messages were not the expected JSON (connected, then start).", e);
                }

                if (message?.Event == "connected" && index == 0)
                {
                    continue;
                }

                if (message?.Event != "start")
                {
                    throw HandshakeError($"Expected Twilio's start message, got event \"{Shorten(message?.Event)}\".");
                }

                start = message;
            }

            var (call, streamSid) = ReadStart(start);
            var transport = new TwilioMediaStreamTransport(socket, options, actions, logger, call, streamSid, buffer);
            buffer = null; // the receive loop owns it now
            transport.StartLoops();
            return transport;
        }
        catch (OperationCanceledException e) when (deadline.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new VoiceProviderException(
                $"Twilio did not start the media stream within {HandshakeTimeout.TotalSeconds:0} s of the WebSocket upgrade.", Provider, "timeout", isTransient: false, e);
        }
        catch (WebSocketException e)
        {
            throw new VoiceProviderException("The Twilio media WebSocket failed before the stream started.", Provider, "socket", isTransient: true, e);
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>After the agent hangs up or transfers, events still queued are dropped and the stream ends.</remarks>
    public async IAsyncEnumerable<TransportEvent> ReadEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Wait without the token (a cancellable wait allocates on every frame); cancellation posts an empty event to wake the reader.
        var reader = _events.Reader;
        using var registration = cancellationToken.Register(static state => ((TwilioMediaStreamTransport)state!)._events.Writer.TryWrite(default), this);
        while (!cancellationToken.IsCancellationRequested && await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            while (reader.TryRead(out var item))
            {
                if (item.Kind == 0)
                {
                    continue; // the cancellation wake-up
                }

                if (cancellationToken.IsCancellationRequested || Volatile.Read(ref _agentEnded) != 0)
                {
                    item.Frame?.Dispose();
                    continue;
                }

                yield return item;
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <inheritdoc />
    /// <remarks>Ignored once the call has ended.</remarks>
    public ValueTask SendAudioAsync(ReadOnlyMemory<byte> audio, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (audio.IsEmpty || Volatile.Read(ref _outputStopped) != 0)
        {
            return default;
        }

        lock (_stateLock)
        {
            _queue.Enqueue(audio.Span);
        }

        _wake.Writer.TryWrite(true);
        return default;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Drops the queue, fixes <see cref="PlayedDuration"/> at what was heard, then sends <c>clear</c> (after at most the
    /// one message being sent). Marks Twilio echoes for the flushed audio are not counted as played.
    /// </remarks>
    public async ValueTask ClearAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_stateLock)
        {
            _queue.Clear();
            _playback.OnClear();
            _aheadUntil = _time.GetTimestamp();
        }

        if (Volatile.Read(ref _outputStopped) != 0)
        {
            return;
        }

        await _sendLock.WaitAsync(_lifetimeToken).ConfigureAwait(false);
        try
        {
            lock (_stateLock)
            {
                // A frame may have gone out between the first clear and the lock: it is flushed by this clear too.
                _queue.Clear();
                _playback.OnClear();
                _aheadUntil = _time.GetTimestamp();
            }

            await SendLockedAsync(_messages.Clear).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or IOException)
        {
            // The socket failed: the far side is gone, nothing more plays, and the receive loop reports the end.
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Ends the call through the REST API when call control is configured (a failure there is logged: closing the
    /// socket still ends the call when no TwiML follows <c>&lt;Connect&gt;</c>), then closes the WebSocket.
    /// </remarks>
    public async ValueTask HangUpAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!EndByAgent())
        {
            return;
        }

        if (_actions is not null)
        {
            try
            {
                await _actions.HangUpAsync(Call.CallId, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogHangUpFailed(_logger, Call.CallId, e);
            }
        }

        await CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "hang up").ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <exception cref="NotSupportedException">No REST call control is configured (AccountSid and AuthToken).</exception>
    /// <remarks>A REST failure propagates and leaves the call connected.</remarks>
    public async ValueTask TransferAsync(string destination, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(destination);
        cancellationToken.ThrowIfCancellationRequested();
        if (_actions is null)
        {
            throw new NotSupportedException(
                "Transferring a Twilio call needs REST call control: set TwilioOptions.AccountSid and AuthToken (or TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN).");
        }

        if (Volatile.Read(ref _agentEnded) != 0)
        {
            return;
        }

        await _actions.TransferAsync(Call.CallId, destination, cancellationToken).ConfigureAwait(false);
        if (EndByAgent())
        {
            await CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "transferred").ConfigureAwait(false);
        }
    }

    /// <summary>Stops both loops, closes the socket (politely, then by abort), and returns pooled buffers. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        StopOutput();
        _events.Writer.TryComplete();
        await CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "call ended").ConfigureAwait(false);

        // Give Twilio a moment to answer the close, then stop waiting.
        if (!_receiveLoop.IsCompleted)
        {
            using var stopWaiting = new CancellationTokenSource();
            await Task.WhenAny(_receiveLoop, Task.Delay(CloseTimeout, _time, stopWaiting.Token)).ConfigureAwait(false);
            await stopWaiting.CancelAsync().ConfigureAwait(false);
        }

        await _lifetime.CancelAsync().ConfigureAwait(false);
        _socket.Abort();
        await _receiveLoop.ConfigureAwait(false);
        await _outputLoop.ConfigureAwait(false);
        await _paceTimer.DisposeAsync().ConfigureAwait(false);
        if (_idleTimer is not null)
        {
            await _idleTimer.DisposeAsync().ConfigureAwait(false);
        }

        await _sendLock.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            Interlocked.Exchange(ref _buffersReturned, 1);
            _messages.Dispose();
            lock (_stateLock)
            {
                _queue.Dispose();
            }
        }
        finally
        {
            _sendLock.Release();
        }

        while (_events.Reader.TryRead(out var item))
        {
            item.Frame?.Dispose();
        }

        _lifetime.Dispose();
    }

    private static VoiceProviderException HandshakeError(string message, Exception? inner = null) =>
        new(message, Provider, "handshake", isTransient: false, inner);

    private static string Describe(ReceiveOutcome outcome) => outcome switch
    {
        ReceiveOutcome.Binary => "a binary frame",
        ReceiveOutcome.TooBig => "a message over TwilioOptions.MaxMessageBytes",
        _ => "a close",
    };

    private static string Shorten(string? text) => text is null ? "(none)" : text.Length > 40 ? text[..40] : text;

    private static (CallInfo Call, string StreamSid) ReadStart(TwilioStartEnvelope envelope)
    {
        var start = envelope.Start ?? throw HandshakeError("Twilio's start message has no \"start\" object.");
        var streamSid = start.StreamSid ?? envelope.StreamSid;
        if (string.IsNullOrEmpty(streamSid) || streamSid.Length > 64 || !streamSid.All(char.IsAsciiLetterOrDigit))
        {
            throw HandshakeError("Twilio's start message has no valid streamSid.");
        }

        if (string.IsNullOrEmpty(start.CallSid))
        {
            throw HandshakeError("Twilio's start message has no callSid.");
        }

        var format = start.MediaFormat;
        if (format is null || format.Encoding != "audio/x-mulaw" || format.SampleRate != 8000 || format.Channels != 1)
        {
            throw HandshakeError(
                $"Twilio's media format is {Shorten(format?.Encoding)}/{format?.SampleRate}/{format?.Channels}; this transport carries audio/x-mulaw, 8000 Hz, mono.");
        }

        var parameters = start.CustomParameters ?? [];
        var call = new CallInfo
        {
            CallId = start.CallSid,
            From = parameters.GetValueOrDefault("From"),
            To = parameters.GetValueOrDefault("To"),

            // Twilio's Direction is inbound, outbound-api or outbound-dial; the webhook passes it on as a <Parameter>.
            IsOutbound = parameters.TryGetValue("Direction", out var direction) && direction.StartsWith("outbound", StringComparison.OrdinalIgnoreCase),
            Parameters = parameters,
        };
        return (call, streamSid);
    }

    private void StartLoops()
    {
        _aheadUntil = _time.GetTimestamp();
        _receiveLoop = Task.Run(ReceiveLoopAsync);
        _outputLoop = Task.Run(OutputLoopAsync);
    }

    /// <summary>Marks the call ended by the agent: no more events, no more audio. Returns false when it already was.</summary>
    private bool EndByAgent()
    {
        if (Interlocked.Exchange(ref _agentEnded, 1) != 0)
        {
            return false;
        }

        StopOutput();
        _events.Writer.TryComplete();
        return true;
    }

    private void StopOutput()
    {
        Interlocked.Exchange(ref _outputStopped, 1);
        lock (_stateLock)
        {
            _queue.Clear();
        }

        _wake.Writer.TryComplete();
    }

    /// <summary>The far side ended the call: <see cref="TransportEvent.Ended"/> once (unless the agent ended it first), then the stream ends.</summary>
    private void RaiseEnded()
    {
        StopOutput();
        if (Interlocked.Exchange(ref _farEndRaised, 1) == 0 && Volatile.Read(ref _agentEnded) == 0)
        {
            _events.Writer.TryWrite(TransportEvent.Ended);
        }

        _events.Writer.TryComplete();
    }

    // ---------------------------------------------------------------- receive loop

    private async Task ReceiveLoopAsync()
    {
        try
        {
            while (true)
            {
                var received = await ReceiveMessageAsync(_socket, _receiveBuffer, _maxMessageBytes, ArrayPool<byte>.Shared, _lifetimeToken).ConfigureAwait(false);
                Volatile.Write(ref _lastReceiveTimestamp, _time.GetTimestamp());
                _receiveBuffer = received.Buffer;
                switch (received.Outcome)
                {
                    case ReceiveOutcome.Text:
                        var action = Process(_receiveBuffer.AsSpan(0, received.Length), out var digit);
                        if (action == InboundAction.Dtmf && !_events.Writer.TryWrite(TransportEvent.Dtmf(digit)))
                        {
                            await _events.Writer.WriteAsync(TransportEvent.Dtmf(digit), _lifetimeToken).ConfigureAwait(false);
                        }
                        else if (action == InboundAction.Stop)
                        {
                            LogStopped(_logger, Call.CallId);
                            RaiseEnded();
                            await CloseAndDrainAsync(WebSocketCloseStatus.NormalClosure, "stream stopped").ConfigureAwait(false);
                            return;
                        }

                        break;
                    case ReceiveOutcome.Close:
                        RaiseEnded();
                        if (_socket.State == WebSocketState.CloseReceived)
                        {
                            await CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "closed").ConfigureAwait(false);
                        }

                        return;
                    case ReceiveOutcome.Binary:
                        LogBinaryFrame(_logger, Call.CallId);
                        RaiseEnded();
                        await CloseAndDrainAsync(WebSocketCloseStatus.InvalidMessageType, "binary frames are not part of Media Streams").ConfigureAwait(false);
                        return;
                    default:
                        LogTooBig(_logger, Call.CallId, _maxMessageBytes);
                        RaiseEnded();
                        await CloseAndDrainAsync(WebSocketCloseStatus.MessageTooBig, "message too big").ConfigureAwait(false);
                        return;
                }
            }
        }
        catch (OperationCanceledException) when (_lifetimeToken.IsCancellationRequested)
        {
            // Disposed.
        }
        catch (Exception e) when (e is WebSocketException or ChannelClosedException or ObjectDisposedException or IOException or OperationCanceledException)
        {
            if (Volatile.Read(ref _agentEnded) == 0 && Volatile.Read(ref _disposed) == 0)
            {
                LogSocketFailed(_logger, Call.CallId, e);
            }
        }
        catch (Exception e)
        {
            LogReceiveFailed(_logger, Call.CallId, e);
        }
        finally
        {
            RaiseEnded();
            ArrayPool<byte>.Shared.Return(_receiveBuffer);
            ArrayPool<byte>.Shared.Return(_decodeBuffer);
            _receiveBuffer = [];
            _decodeBuffer = [];
        }
    }

    /// <summary>Closes our side after a protocol end and reads until Twilio closes too (or the close times out).</summary>
    private async Task CloseAndDrainAsync(WebSocketCloseStatus status, string reason)
    {
        await CloseOutputAsync(status, reason).ConfigureAwait(false);
        using var timeout = new CancellationTokenSource(CloseTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _lifetimeToken);
        try
        {
            while (_socket.State is WebSocketState.Open or WebSocketState.CloseSent)
            {
                var result = await _socket.ReceiveAsync(_receiveBuffer.AsMemory(), linked.Token).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            _socket.Abort();
        }
    }

    private enum InboundAction
    {
        None,
        Dtmf,
        Stop,
    }

    /// <summary>Handles one text message; the rest of the loop does only what needs an await.</summary>
    private InboundAction Process(ReadOnlySpan<byte> json, out char digit)
    {
        digit = '\0';
        byte[]? scratch = null;
        try
        {
            // Twilio never escapes inside these strings; a message that does gets a scratch buffer to unescape into.
            if (json.Contains((byte)'\\'))
            {
                scratch = ArrayPool<byte>.Shared.Rent(json.Length);
            }

            if (!TwilioInboundMessage.TryParse(json, _streamSidUtf8, scratch, out var message))
            {
                Ignored(IgnoredReason.Malformed);
                return InboundAction.None;
            }

            if (message.Event is TwilioInboundEvent.Connected or TwilioInboundEvent.Start or TwilioInboundEvent.Unknown)
            {
                Ignored(IgnoredReason.UnknownEvent, message.EventName.In(json, scratch));
                return InboundAction.None;
            }

            if (!message.StreamSidMatches)
            {
                Ignored(IgnoredReason.WrongStream);
                return InboundAction.None;
            }

            switch (message.Event)
            {
                case TwilioInboundEvent.Media:
                    if (!message.IsOutboundTrack)
                    {
                        ReceiveAudio(message.Payload.In(json, scratch));
                    }

                    return InboundAction.None;
                case TwilioInboundEvent.Mark:
                    if (TwilioOutboundMessages.TryParseMarkName(message.MarkName.In(json, scratch), out var sequence))
                    {
                        lock (_stateLock)
                        {
                            _playback.OnMarkEchoed(sequence);
                        }
                    }

                    return InboundAction.None;
                case TwilioInboundEvent.Dtmf:
                    var key = message.Digit.In(json, scratch);
                    if (key.Length == 1 && key[0] is (>= (byte)'0' and <= (byte)'9') or (byte)'*' or (byte)'#' or (>= (byte)'A' and <= (byte)'D'))
                    {
                        digit = (char)key[0];
                        return InboundAction.Dtmf;
                    }

                    Ignored(IgnoredReason.BadDigit);
                    return InboundAction.None;
                default:
                    return InboundAction.Stop;
            }
        }
        finally
        {
            if (scratch is not null)
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }
        }
    }

    /// <summary>Decodes a media payload and cuts it into 20 ms frames (Twilio's chunks are 20 ms, but nothing relies on it).</summary>
    private void ReceiveAudio(ReadOnlySpan<byte> payload)
    {
        var maxDecoded = Base64.GetMaxDecodedFromUtf8Length(payload.Length);
        if (_decodeBuffer.Length < maxDecoded)
        {
            ArrayPool<byte>.Shared.Return(_decodeBuffer);
            _decodeBuffer = ArrayPool<byte>.Shared.Rent(maxDecoded);
        }

        if (payload.IsEmpty || Base64.DecodeFromUtf8(payload, _decodeBuffer, out _, out var written) != OperationStatus.Done)
        {
            Ignored(IgnoredReason.BadBase64);
            return;
        }

        var audio = _decodeBuffer.AsSpan(0, written);
        while (!audio.IsEmpty)
        {
            var take = Math.Min(_frameBytes - _inboundPendingLength, audio.Length);
            audio[..take].CopyTo(_inboundPending.AsSpan(_inboundPendingLength));
            _inboundPendingLength += take;
            audio = audio[take..];
            if (_inboundPendingLength < _frameBytes)
            {
                continue;
            }

            _inboundPendingLength = 0;
            if (_events.Reader.Count >= EventCapacity - ControlReserve)
            {
                DroppedFrame();
                continue;
            }

            var frame = AudioFramePool.Shared.Rent(Format, _frameBytes);
            _inboundPending.CopyTo(frame.Span);
            if (!_events.Writer.TryWrite(TransportEvent.Audio(frame)))
            {
                frame.Dispose(); // the stream has ended
            }
        }
    }

    private void DroppedFrame()
    {
        var dropped = ++_droppedFrames;
        if (dropped == 1 || dropped % 500 == 0)
        {
            LogDroppedAudio(_logger, Call.CallId, dropped);
        }
    }

    private enum IgnoredReason
    {
        Malformed,
        UnknownEvent,
        WrongStream,
        BadBase64,
        BadDigit,
    }

    /// <summary>Logs an ignored message: the first few loudly, then quietly, so a misbehaving peer cannot flood the log.</summary>
    private void Ignored(IgnoredReason reason, ReadOnlySpan<byte> eventName = default)
    {
        var level = ++_ignoredCount <= LoudLogLimit ? LogLevel.Warning : LogLevel.Debug;
        if (!_logger.IsEnabled(level))
        {
            return;
        }

        var detail = reason == IgnoredReason.UnknownEvent
            ? $"unknown or repeated event \"{Shorten(Encoding.UTF8.GetString(eventName[..Math.Min(eventName.Length, 40)]))}\""
            : reason switch
            {
                IgnoredReason.Malformed => "not a JSON object",
                IgnoredReason.WrongStream => "missing or wrong streamSid",
                IgnoredReason.BadBase64 => "media payload is not valid base64",
                _ => "dtmf digit is not a key",
            };
        LogIgnored(_logger, level, Call.CallId, detail);
    }

    internal enum ReceiveOutcome
    {
        Text,
        Binary,
        Close,
        TooBig,
    }

    internal readonly record struct ReceivedMessage(byte[] Buffer, int Length, ReceiveOutcome Outcome);

    /// <summary>
    /// Reads one whole message into <paramref name="buffer"/>, growing it (rented from <paramref name="pool"/>) up to the
    /// limit. The caller owns <paramref name="buffer"/> until this returns: on success it owns <see cref="ReceivedMessage.Buffer"/>
    /// instead (the original went back to the pool if it was replaced); on an exception it still owns the original, and
    /// any grown buffer went back to the pool. So no buffer is ever returned twice.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    internal static async ValueTask<ReceivedMessage> ReceiveMessageAsync(WebSocket socket, byte[] buffer, int maxBytes, ArrayPool<byte> pool, CancellationToken ct)
    {
        var original = buffer;
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    var bigger = pool.Rent(Math.Min(buffer.Length * 2, maxBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    if (!ReferenceEquals(buffer, original))
                    {
                        pool.Return(buffer); // an intermediate buffer only this method knows about
                    }

                    buffer = bigger;
                }

                // Room for one byte past the limit, so a message of exactly maxBytes is accepted and a longer one is seen.
                var room = Math.Min(buffer.Length, maxBytes + 1) - length;
                var result = await socket.ReceiveAsync(buffer.AsMemory(length, room), ct).ConfigureAwait(false);
                switch (result.MessageType)
                {
                    case WebSocketMessageType.Close:
                        return Handover(new(buffer, 0, ReceiveOutcome.Close));
                    case WebSocketMessageType.Binary:
                        return Handover(new(buffer, 0, ReceiveOutcome.Binary));
                }

                length += result.Count;
                if (length > maxBytes)
                {
                    return Handover(new(buffer, 0, ReceiveOutcome.TooBig));
                }

                if (result.EndOfMessage)
                {
                    return Handover(new(buffer, length, ReceiveOutcome.Text));
                }
            }
        }
        catch
        {
            if (!ReferenceEquals(buffer, original))
            {
                pool.Return(buffer);
            }

            throw;
        }

        ReceivedMessage Handover(ReceivedMessage message)
        {
            if (!ReferenceEquals(message.Buffer, original))
            {
                pool.Return(original);
            }

            return message;
        }
    }

    // ---------------------------------------------------------------- output loop

    private async Task OutputLoopAsync()
    {
        var wake = _wake.Reader;
        try
        {
            while (true)
            {
                var wait = await SendDueAudioAsync().ConfigureAwait(false);
                if (wait is { } due)
                {
                    _paceTimer.Change(due, Timeout.InfiniteTimeSpan);
                }

                if (!await wake.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
                {
                    return;
                }

                wake.TryRead(out _);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException or IOException)
        {
            // The call is over (disposed, or the socket failed and the receive loop reports the end).
        }
        catch (Exception e)
        {
            LogOutputFailed(_logger, Call.CallId, e);
            RaiseEnded();
        }
    }

    /// <summary>Sends every frame that is due; returns how long until the next one is, or null to wait for more audio.</summary>
    private async ValueTask<TimeSpan?> SendDueAudioAsync()
    {
        // Full frames go while less than (lead - one frame) is ahead, so Twilio never holds more than the lead. A tail
        // shorter than a frame waits for more audio until Twilio is about to run dry.
        var fullThreshold = _lead > _frameDuration ? _lead - _frameDuration : TimeSpan.Zero;
        while (Volatile.Read(ref _outputStopped) == 0)
        {
            int take;
            lock (_stateLock)
            {
                var count = _queue.Count;
                if (count == 0)
                {
                    return null;
                }

                var ahead = _time.GetElapsedTime(_time.GetTimestamp(), _aheadUntil);
                var threshold = count >= _frameBytes ? fullThreshold : _frameDuration;
                if (ahead > threshold)
                {
                    return ahead - threshold;
                }

                take = Math.Min(count, _frameBytes);
            }

            await _sendLock.WaitAsync(_lifetimeToken).ConfigureAwait(false);
            try
            {
                if (Volatile.Read(ref _outputStopped) != 0)
                {
                    return null;
                }

                int sent;
                long markSequence = 0;
                lock (_stateLock)
                {
                    sent = _queue.Dequeue(_outFrame.AsSpan(0, take));
                    if (sent == 0)
                    {
                        continue; // cleared meanwhile
                    }

                    if (_playback.OnAudioSent(sent) || _queue.Count == 0)
                    {
                        markSequence = _playback.OnMarkSent();
                    }

                    var now = _time.GetTimestamp();
                    _aheadUntil = Math.Max(_aheadUntil, now) + ToTimestamp(Format.DurationOf(sent));
                }

                await SendLockedAsync(_messages.Media(_outFrame.AsSpan(0, sent))).ConfigureAwait(false);
                if (markSequence != 0)
                {
                    await SendLockedAsync(_messages.Mark(markSequence)).ConfigureAwait(false);
                }
            }
            finally
            {
                _sendLock.Release();
            }
        }

        return null;
    }

    private long ToTimestamp(TimeSpan duration) => (long)((Int128)duration.Ticks * _time.TimestampFrequency / TimeSpan.TicksPerSecond);

    /// <summary>Sends one text message; the caller holds the send lock.</summary>
    private ValueTask SendLockedAsync(ReadOnlyMemory<byte> message)
    {
        if (Volatile.Read(ref _buffersReturned) != 0 || _socket.State != WebSocketState.Open)
        {
            return default;
        }

        return _socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, _lifetimeToken);
    }

    /// <summary>Sends our close frame once, if the socket is still open; errors mean it is closed already.</summary>
    private async ValueTask CloseOutputAsync(WebSocketCloseStatus status, string reason)
    {
        bool entered;
        try
        {
            // A send stuck on a peer that stopped reading must not hold the close (and dispose) forever.
            entered = await _sendLock.WaitAsync(CloseTimeout, _lifetimeToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        if (!entered)
        {
            _socket.Abort();
            return;
        }

        try
        {
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(CloseTimeout, _time);
                await _socket.CloseOutputAsync(status, reason, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            _socket.Abort();
        }
        finally
        {
            _sendLock.Release();
        }
    }

    [LoggerMessage(100, LogLevel.Warning, "Call {CallId}: Twilio media message ignored: {Detail}.")]
    private static partial void LogIgnoredCore(ILogger logger, string callId, string detail);

    private static void LogIgnored(ILogger logger, LogLevel level, string callId, string detail)
    {
        if (level == LogLevel.Warning)
        {
            LogIgnoredCore(logger, callId, detail);
        }
        else
        {
            LogIgnoredQuietly(logger, callId, detail);
        }
    }

    [LoggerMessage(101, LogLevel.Debug, "Call {CallId}: Twilio media message ignored: {Detail}.")]
    private static partial void LogIgnoredQuietly(ILogger logger, string callId, string detail);

    [LoggerMessage(102, LogLevel.Warning, "Call {CallId}: Twilio sent a message over {MaxBytes} bytes (TwilioOptions.MaxMessageBytes); ending the call.")]
    private static partial void LogTooBig(ILogger logger, string callId, int maxBytes);

    [LoggerMessage(103, LogLevel.Warning, "Call {CallId}: Twilio sent a binary frame, which Media Streams never does; ending the call.")]
    private static partial void LogBinaryFrame(ILogger logger, string callId);

    [LoggerMessage(104, LogLevel.Information, "Call {CallId}: Twilio stopped the media stream.")]
    private static partial void LogStopped(ILogger logger, string callId);

    [LoggerMessage(105, LogLevel.Warning, "Call {CallId}: hanging up through the Twilio REST API failed; closing the media stream instead.")]
    private static partial void LogHangUpFailed(ILogger logger, string callId, Exception exception);

    [LoggerMessage(106, LogLevel.Information, "Call {CallId}: the Twilio media WebSocket closed without a stop message.")]
    private static partial void LogSocketFailed(ILogger logger, string callId, Exception exception);

    [LoggerMessage(107, LogLevel.Error, "Call {CallId}: the Twilio media receive loop failed; ending the call.")]
    private static partial void LogReceiveFailed(ILogger logger, string callId, Exception exception);

    [LoggerMessage(108, LogLevel.Error, "Call {CallId}: the Twilio media output loop failed; ending the call.")]
    private static partial void LogOutputFailed(ILogger logger, string callId, Exception exception);

    [LoggerMessage(109, LogLevel.Warning, "Call {CallId}: caller audio dropped ({Frames} frames so far): nothing is reading the transport's events.")]
    private static partial void LogDroppedAudio(ILogger logger, string callId, int frames);

    [LoggerMessage(110, LogLevel.Warning, "Call {CallId}: nothing received from Twilio for {Seconds:0} s; the connection is taken for dead and the call ends.")]
    private static partial void LogIdle(ILogger logger, string callId, double seconds);
}
