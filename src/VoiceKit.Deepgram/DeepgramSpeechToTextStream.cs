using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using VoiceKit.Audio;

namespace VoiceKit.Deepgram;

/// <summary>
/// One Deepgram <c>/v1/listen</c> stream. Owns the current socket, a receive loop and a KeepAlive loop; every send
/// (audio, KeepAlive, Finalize, CloseStream, close, replay) goes through one lock, so frames are never interleaved and
/// each socket has one writer. When the socket drops (a close code other than 1000 while not closing, or a
/// <see cref="WebSocketException"/>), the receive loop opens a new socket with the same URL and headers, replays the
/// audio sent since the last final, and goes on; result times from the new socket are shifted into the original
/// stream time. Audio sent while reconnecting is buffered and replayed.
/// </summary>
internal sealed class DeepgramSpeechToTextStream : ISpeechToTextStream
{
    internal static readonly byte[] KeepAliveMessage = """{"type":"KeepAlive"}"""u8.ToArray();
    internal static readonly byte[] FinalizeMessage = """{"type":"Finalize"}"""u8.ToArray();
    internal static readonly byte[] CloseStreamMessage = """{"type":"CloseStream"}"""u8.ToArray();

    /// <summary>Largest server text message accepted; a bigger one is skipped and reported as an Error update.</summary>
    internal const int MaxMessageBytes = 1 << 20;

    private const string Provider = "deepgram";

    private readonly Func<CancellationToken, Task<ClientWebSocket>> _connect;
    private readonly AudioFormat _format;
    private readonly TimeSpan _keepAliveInterval;
    private readonly TimeProvider _time;
    private readonly int _reconnectAttempts;
    private readonly TimeSpan _reconnectDelay;
    private readonly TimeSpan _reconnectTimeout;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly Lock _replayGate = new();
    private readonly DeepgramReplayBuffer _replay;
    private readonly Channel<TranscriptUpdate> _updates = Channel.CreateBounded<TranscriptUpdate>(
        new BoundedChannelOptions(256) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly CancellationTokenSource _lifetime = new();
    private readonly Task _receiveLoop;
    private readonly Task _keepAliveLoop;
    private volatile ClientWebSocket _socket;
    private long _lastSendTimestamp;
    private int _disposed;
    private int _reconnects;

    /// <summary>When the last unanswered Finalize was sent (0 when none): its final's latency is a provider metric.</summary>
    private long _finalizeSentTimestamp;
    private volatile bool _closing;
    private volatile bool _reconnecting;
    private volatile bool _ended;
    private bool _finalizePending;

    /// <summary>Where the current socket's time zero lies in the stream's time; read and written by the receive loop only.</summary>
    private TimeSpan _timeOffset;

    public DeepgramSpeechToTextStream(
        ClientWebSocket socket,
        Func<CancellationToken, Task<ClientWebSocket>> connect,
        AudioFormat format,
        DeepgramSpeechToTextOptions options)
    {
        _socket = socket;
        _connect = connect;
        _format = format;
        _keepAliveInterval = options.KeepAliveInterval;
        _time = options.TimeProvider;
        _reconnectAttempts = options.ReconnectAttempts;
        _reconnectDelay = options.ReconnectDelay;
        _reconnectTimeout = options.ReconnectTimeout;
        _replay = new DeepgramReplayBuffer(BytesFor(options.ReplayBufferLimit));
        _lastSendTimestamp = _time.GetTimestamp();
        _receiveLoop = Task.Run(() => ReceiveLoopAsync(_lifetime.Token));
        _keepAliveLoop = Task.Run(() => KeepAliveLoopAsync(_lifetime.Token));
    }

    /// <summary>How long <see cref="DisposeAsync"/> waits for Deepgram to close after CloseStream before aborting.</summary>
    internal TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How many times a dropped socket was replaced by a new one.</summary>
    internal int Reconnects => Volatile.Read(ref _reconnects);

    /// <summary>Bytes of audio held for replay: the audio sent since the last final (bounded).</summary>
    internal long ReplayBytes
    {
        get
        {
            lock (_replayGate)
            {
                return _replay.Length;
            }
        }
    }

    // Called for every 20 ms frame: when the socket send completes asynchronously, a pooled builder reuses the state
    // machine box instead of allocating one per frame.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SendAudioAsync(ReadOnlyMemory<byte> audio, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (audio.IsEmpty)
        {
            return; // An empty binary frame makes Deepgram close the stream.
        }

        ThrowIfEnded();
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (_replayGate)
            {
                _replay.Append(audio.Span);
            }

            if (_reconnecting)
            {
                return; // Held in the replay buffer; sent on the new socket.
            }

            try
            {
                await _socket.SendAsync(audio, WebSocketMessageType.Binary, endOfMessage: true, cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _lastSendTimestamp, _time.GetTimestamp());
            }
            catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException && !_ended)
            {
                // The socket dropped under us. The audio is in the replay buffer; the receive loop reconnects and replays it,
                // or ends the stream with the error.
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    public async ValueTask FinalizeAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_reconnecting)
            {
                _finalizePending = true; // Sent after the replay on the new socket.
                return;
            }

            await _socket.SendAsync(FinalizeMessage, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _lastSendTimestamp, _time.GetTimestamp());
            Interlocked.CompareExchange(ref _finalizeSentTimestamp, _time.GetTimestamp(), 0);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    public IAsyncEnumerable<TranscriptUpdate> ReadUpdatesAsync(CancellationToken cancellationToken = default) =>
        _updates.Reader.ReadAllAsync(cancellationToken);

    /// <summary>Sends CloseStream, waits up to <see cref="CloseTimeout"/> for Deepgram's last results and close, then aborts.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _closing = true;
        var socket = _socket;
        if (!_reconnecting && socket.State == WebSocketState.Open)
        {
            try
            {
                using var sendTimeout = new CancellationTokenSource(CloseTimeout, _time);
                await _sendLock.WaitAsync(sendTimeout.Token).ConfigureAwait(false);
                try
                {
                    await socket.SendAsync(CloseStreamMessage, WebSocketMessageType.Text, endOfMessage: true, sendTimeout.Token).ConfigureAwait(false);
                }
                finally
                {
                    _sendLock.Release();
                }

                await _receiveLoop.WaitAsync(CloseTimeout, _time).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or TimeoutException or WebSocketException or ObjectDisposedException)
            {
                // Deepgram did not close in time or the socket already failed: abort below.
            }
        }

        _lifetime.Cancel();
        socket.Abort();
        await Task.WhenAll(_receiveLoop, _keepAliveLoop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _updates.Writer.TryComplete();
        _socket.Abort(); // a socket opened by a reconnect that raced with dispose
        _socket.Dispose();
        socket.Dispose();
        _sendLock.Dispose();
        _lifetime.Dispose();
    }

    /// <summary>Maps one server text message to an update, or <see langword="null"/> for messages that carry none (Metadata, unknown types).</summary>
    /// <exception cref="JsonException">The message is not valid JSON of the expected shape.</exception>
    internal static TranscriptUpdate? Parse(ReadOnlySpan<byte> json)
    {
        var type = JsonSerializer.Deserialize(json, DeepgramJsonContext.Default.DeepgramMessageType)?.Type;
        switch (type)
        {
            case "Results":
                var results = JsonSerializer.Deserialize(json, DeepgramJsonContext.Default.DeepgramResults)!;
                var alternative = results.Channel?.Alternatives is [var first, ..] ? first : null;
                return new TranscriptUpdate(
                    results.IsFinal ? TranscriptUpdateKind.Final : TranscriptUpdateKind.Interim,
                    alternative?.Transcript ?? string.Empty,
                    IsEndpoint: results.IsFinal && results.SpeechFinal)
                {
                    Start = TimeSpan.FromSeconds(results.Start),
                    Duration = TimeSpan.FromSeconds(results.Duration),
                    Confidence = alternative?.Confidence,
                    RawRepresentation = results,
                };
            case "SpeechStarted":
                var started = JsonSerializer.Deserialize(json, DeepgramJsonContext.Default.DeepgramSpeechStarted)!;
                return new TranscriptUpdate(TranscriptUpdateKind.SpeechStarted)
                {
                    Start = TimeSpan.FromSeconds(started.Timestamp),
                    RawRepresentation = started,
                };
            case "UtteranceEnd":
                var end = JsonSerializer.Deserialize(json, DeepgramJsonContext.Default.DeepgramUtteranceEnd)!;
                return new TranscriptUpdate(TranscriptUpdateKind.UtteranceEnd) { RawRepresentation = end };
            case "Error":
                var error = JsonSerializer.Deserialize(json, DeepgramJsonContext.Default.DeepgramError)!;
                var text = error.Description ?? error.Message ?? error.Variant ?? "unspecified error";
                return ErrorUpdate(new VoiceProviderException("Deepgram reported an error: " + text, Provider, error.Variant));
            default:
                return null; // Metadata, and types added after this adapter was written.
        }
    }

    private void ThrowIfEnded()
    {
        if (_ended && !_closing)
        {
            throw new VoiceProviderException("The Deepgram stream has ended; read ReadUpdatesAsync for the cause.", Provider, isTransient: true);
        }
    }

    private long BytesFor(TimeSpan time) =>
        (long)(time.TotalSeconds * _format.BytesPerSecond) / _format.BlockAlign * _format.BlockAlign;

    private async Task KeepAliveLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested && !_ended)
            {
                var idle = _time.GetElapsedTime(Volatile.Read(ref _lastSendTimestamp));
                if (idle < _keepAliveInterval)
                {
                    await Task.Delay(_keepAliveInterval - idle, _time, cancellationToken).ConfigureAwait(false);
                }
                else if (!await TrySendKeepAliveAsync(cancellationToken).ConfigureAwait(false))
                {
                    // Reconnecting, or the socket just failed (the receive loop handles it): try again later.
                    await Task.Delay(_keepAliveInterval, _time, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async ValueTask<bool> TrySendKeepAliveAsync(CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_reconnecting || _socket.State != WebSocketState.Open)
            {
                return false;
            }

            await _socket.SendAsync(KeepAliveMessage, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _lastSendTimestamp, _time.GetTimestamp());
            return true;
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or InvalidOperationException)
        {
            return false;
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Reads sockets until the stream ends: normally, by dispose, or by a drop that reconnecting could not repair.</summary>
    private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        Exception? failure = null;
        try
        {
            while (true)
            {
                var socket = _socket;
                var drop = await ReceiveAsync(socket, cancellationToken).ConfigureAwait(false);
                if (drop is null || _closing)
                {
                    return;
                }

                var (reconnected, error) = await ReconnectAsync(socket, cancellationToken).ConfigureAwait(false);
                if (!reconnected)
                {
                    if (!_closing)
                    {
                        failure = new VoiceProviderException(
                            _reconnectAttempts > 0 ? $"{drop.Message} Reconnecting failed after {_reconnectAttempts} attempts." : drop.Message,
                            Provider,
                            drop.Data["close"] as string,
                            isTransient: true,
                            error ?? drop.InnerException ?? drop);
                    }

                    return;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            _ended = true;
            _updates.Writer.TryComplete(failure);
        }
    }

    /// <summary>Reads one socket until it closes; returns <see langword="null"/> for a normal end, or the drop as an <see cref="IOException"/>.</summary>
    private async Task<IOException?> ReceiveAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        var length = 0;
        var oversized = false;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (buffer.Length >= MaxMessageBytes)
                    {
                        oversized = true;
                        length = 0;
                    }
                    else
                    {
                        Array.Resize(ref buffer, Math.Min(buffer.Length * 2, MaxMessageBytes));
                    }
                }

                var result = await socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await CloseOutputAsync(socket).ConfigureAwait(false);
                    var status = socket.CloseStatus;
                    if (status is WebSocketCloseStatus.NormalClosure or null)
                    {
                        return null;
                    }

                    var closed = new IOException($"Deepgram closed the stream: {(int)status} {socket.CloseStatusDescription}".TrimEnd());
                    closed.Data["close"] = ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    return closed;
                }

                length += result.Count;
                if (!result.EndOfMessage)
                {
                    continue;
                }

                if (result.MessageType == WebSocketMessageType.Text)
                {
                    var update = oversized
                        ? ErrorUpdate(new VoiceProviderException($"Deepgram sent a message larger than {MaxMessageBytes} bytes; it was skipped.", Provider))
                        : TryParse(buffer.AsSpan(0, length));
                    if (update is not null)
                    {
                        update = ToStreamTime(update);
                        if (update.Kind == TranscriptUpdateKind.Final && Interlocked.Exchange(ref _finalizeSentTimestamp, 0) is var finalizedAt and not 0)
                        {
                            DeepgramTelemetry.Metrics.RecordFirstResult(ProviderMetrics.SpeechToText, _time.GetElapsedTime(finalizedAt));
                        }

                        await _updates.Writer.WriteAsync(update, cancellationToken).ConfigureAwait(false);
                    }
                }

                length = 0;
                oversized = false;
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException && !cancellationToken.IsCancellationRequested)
        {
            return new IOException("The Deepgram connection failed.", ex);
        }
    }

    /// <summary>Shifts a result from the current socket's time into stream time; a final releases the audio it covers from the replay buffer.</summary>
    private TranscriptUpdate ToStreamTime(TranscriptUpdate update)
    {
        if (_timeOffset != TimeSpan.Zero && update.Start is { } start)
        {
            update = update with { Start = start + _timeOffset };
        }

        if (update.Kind == TranscriptUpdateKind.Final && update.Start is { } finalStart)
        {
            var end = BytesFor(finalStart + (update.Duration ?? TimeSpan.Zero));
            lock (_replayGate)
            {
                _replay.TrimTo(end);
            }
        }

        return update;
    }

    /// <summary>
    /// Replaces a dropped socket: up to the configured attempts with doubling delays on the options' clock. On success the
    /// audio since the last final (plus any sent meanwhile) has been replayed on the new socket, which is now current.
    /// </summary>
    private async Task<(bool Reconnected, Exception? Error)> ReconnectAsync(ClientWebSocket dropped, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        _reconnecting = true; // From here on, callers' audio only goes to the replay buffer.
        _sendLock.Release();
        dropped.Abort();

        Exception? error = null;
        var delay = _reconnectDelay;
        for (var attempt = 1; attempt <= _reconnectAttempts && !_closing; attempt++, delay *= 2)
        {
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            ClientWebSocket socket;
            try
            {
                using var timeout = new CancellationTokenSource(_reconnectTimeout, _time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
                socket = await _connect(linked.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                error = ex;
                continue;
            }

            try
            {
                await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                socket.Dispose();
                throw;
            }

            try
            {
                if (_closing)
                {
                    socket.Dispose();
                    break;
                }

                long replayStart;
                ReadOnlyMemory<byte>[] replay;
                lock (_replayGate)
                {
                    // 100 ms per message, the top of the chunk sizes Deepgram recommends for live audio.
                    (replayStart, replay) = _replay.Snapshot(Math.Max((int)BytesFor(TimeSpan.FromMilliseconds(100)), _format.BlockAlign));
                }

                try
                {
                    foreach (var chunk in replay)
                    {
                        await socket.SendAsync(chunk, WebSocketMessageType.Binary, endOfMessage: true, cancellationToken).ConfigureAwait(false);
                    }

                    if (_finalizePending)
                    {
                        await socket.SendAsync(FinalizeMessage, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException && !cancellationToken.IsCancellationRequested)
                {
                    socket.Dispose();
                    error = ex;
                    continue;
                }

                _finalizePending = false;
                _timeOffset = TimeSpan.FromSeconds((double)replayStart / _format.BytesPerSecond);
                dropped.Dispose();
                _socket = socket;
                Volatile.Write(ref _lastSendTimestamp, _time.GetTimestamp());
                Interlocked.Increment(ref _reconnects);
                DeepgramTelemetry.Metrics.RecordReconnect(ProviderMetrics.SpeechToText);
                _reconnecting = false;
                return (true, null);
            }
            finally
            {
                _sendLock.Release();
            }
        }

        return (false, error);
    }

    private static TranscriptUpdate? TryParse(ReadOnlySpan<byte> json)
    {
        try
        {
            return Parse(json);
        }
        catch (JsonException ex)
        {
            return ErrorUpdate(new VoiceProviderException("Deepgram sent a message that is not valid JSON of the expected shape; it was skipped.", Provider, innerException: ex));
        }
    }

    private static TranscriptUpdate ErrorUpdate(VoiceProviderException exception) =>
        new(TranscriptUpdateKind.Error, exception.Message) { RawRepresentation = exception };

    private async ValueTask CloseOutputAsync(ClientWebSocket socket)
    {
        if (socket.State != WebSocketState.CloseReceived)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(CloseTimeout, _time);
            await _sendLock.WaitAsync(timeout.Token).ConfigureAwait(false);
            try
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
            }
            finally
            {
                _sendLock.Release();
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
        }
    }
}
