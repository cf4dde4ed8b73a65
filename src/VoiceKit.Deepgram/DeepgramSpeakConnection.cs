using System.Buffers;
using System.Net.WebSockets;
using System.Text.Encodings.Web;
using System.Text.Json;
using VoiceKit.Audio;

namespace VoiceKit.Deepgram;

/// <summary>
/// One open Aura <c>/v1/speak</c> socket, which outlives the replies spoken on it: after a reply ends (or is cleared on
/// barge-in) it goes back to the synthesiser's idle pool, so the next reply skips the handshake. It owns the socket,
/// the single send lock (one writer per socket), the Flush budget (Deepgram counts flushes per connection) and one
/// receive loop that runs from connect to close, so a connection that Deepgram closes while idle is noticed. The loop
/// hands audio and Flushed to the attached stream, if any; with none attached (idle, or clearing after a barge-in) it
/// discards them.
/// </summary>
internal sealed class DeepgramSpeakConnection
{
    internal static readonly byte[] FlushMessage = """{"type":"Flush"}"""u8.ToArray();
    internal static readonly byte[] ClearMessage = """{"type":"Clear"}"""u8.ToArray();
    internal static readonly byte[] CloseMessage = """{"type":"Close"}"""u8.ToArray();

    /// <summary>Size of the pooled buffers audio is received into and handed to the stream in.</summary>
    internal const int AudioBufferBytes = 16 * 1024;

    /// <summary>Largest server text message accepted; Deepgram's control messages are well under 1 KB.</summary>
    internal const int MaxMessageBytes = 64 * 1024;

    /// <summary>Deepgram counts flushes over 60 s; a second more covers the time a Flush spends in transit.</summary>
    internal static readonly TimeSpan FlushWindow = TimeSpan.FromSeconds(61);

    private const string Provider = "deepgram";

    private readonly ClientWebSocket _socket;
    private readonly TimeProvider _time;
    private readonly int _maxFlushes;
    private readonly TimeSpan _clearTimeout;
    private readonly TimeSpan _closeTimeout;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly Lock _budgetGate = new();
    private readonly Queue<long> _flushTimes = new();
    private readonly ArrayBufferWriter<byte> _json = new(256);
    private readonly Utf8JsonWriter _jsonWriter;
    private readonly Task _receiveLoop;
    private readonly Lazy<Task> _close;
    private DeepgramTextToSpeechStream? _listener;
    private TaskCompletionSource<bool>? _cleared;
    private VoiceProviderException? _failure;
    private int _warnings;
    private volatile bool _ended;
    private volatile bool _closing;

    public DeepgramSpeakConnection(ClientWebSocket socket, AudioFormat format, DeepgramTextToSpeechOptions options)
    {
        _socket = socket;
        Format = format;
        _time = options.TimeProvider;
        _maxFlushes = options.MaxFlushesPerMinute;
        _clearTimeout = options.ClearTimeout;
        _closeTimeout = options.CloseTimeout;

        // Relaxed escaping keeps apostrophes and non-ASCII text readable; the frame is JSON on a socket, never HTML.
        _jsonWriter = new Utf8JsonWriter(_json, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        _close = new Lazy<Task>(CloseCoreAsync);
        _receiveLoop = Task.Run(ReceiveLoopAsync);
    }

    /// <summary>The audio format the socket was opened with (it is in the URL, so it cannot change).</summary>
    public AudioFormat Format { get; }

    /// <summary>Whether the socket can carry another reply: open, not failed, not closing.</summary>
    public bool IsOpen => !_ended && !_closing && _socket.State == WebSocketState.Open;

    /// <summary>Why the socket ended, once it has; <see langword="null"/> while open or after a close VoiceKit asked for.</summary>
    public VoiceProviderException? Failure => Volatile.Read(ref _failure);

    /// <summary>Warning messages Deepgram sent on this socket. They are not fatal.</summary>
    public int Warnings => Volatile.Read(ref _warnings);

    /// <summary>The request id from Deepgram's Metadata message, if one arrived.</summary>
    public string? RequestId { get; private set; }

    /// <summary>Whether a reply may start here: at least one Flush (the reply's final one) is left in the budget.</summary>
    public bool HasFlushBudget
    {
        get
        {
            lock (_budgetGate)
            {
                PruneFlushes();
                return _flushTimes.Count < _maxFlushes;
            }
        }
    }

    /// <summary>Kills the socket at once (a reply gave up on it): the receive loop ends and the socket is never reused.</summary>
    public void Abort() => _socket.Abort();

    /// <summary>Makes <paramref name="stream"/> the receiver of this socket's audio and Flushed messages.</summary>
    public void Attach(DeepgramTextToSpeechStream stream)
    {
        Volatile.Write(ref _listener, stream);
        if (_ended)
        {
            stream.OnConnectionEnded(Failure); // the socket died between the pool check and now
        }
    }

    /// <summary>Stops delivering to <paramref name="stream"/>; later audio and Flushed messages are discarded.</summary>
    public void Detach(DeepgramTextToSpeechStream stream) => Interlocked.CompareExchange(ref _listener, null, stream);

    /// <summary>
    /// Takes one Flush from the budget if there is room. A clause flush leaves one flush spare, so the reply's final
    /// flush (<paramref name="final"/>), which is always taken, stays within Deepgram's limit.
    /// </summary>
    public bool TryReserveFlush(bool final)
    {
        lock (_budgetGate)
        {
            PruneFlushes();
            if (!final && _flushTimes.Count >= _maxFlushes - 1)
            {
                return false;
            }

            _flushTimes.Enqueue(_time.GetTimestamp());
            return true;
        }
    }

    /// <summary>Waits for the send lock; every frame goes out under it.</summary>
    public async ValueTask LockSendAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectDisposedException ex)
        {
            throw Lost(ex);
        }
    }

    public void UnlockSend() => _sendLock.Release();

    /// <summary>Sends <c>{"type":"Speak","text":...}</c>. The caller holds the send lock.</summary>
    public ValueTask SendSpeakLockedAsync(string text)
    {
        _json.ResetWrittenCount();
        _jsonWriter.Reset(_json);
        JsonSerializer.Serialize(_jsonWriter, new DeepgramSpeakText(text), DeepgramSpeakJsonContext.Default.DeepgramSpeakText);
        _jsonWriter.Flush();
        return SendLockedAsync(_json.WrittenMemory);
    }

    /// <summary>Sends a fixed control frame such as <see cref="FlushMessage"/>. The caller holds the send lock.</summary>
    public async ValueTask SendLockedAsync(ReadOnlyMemory<byte> frame)
    {
        try
        {
            // Not cancellable: cancelling a WebSocket send aborts the socket, and a barge-in cancels the reply's token
            // while the socket is still worth reusing. Control frames are tiny; a stuck send ends when the socket is closed.
            await _socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or InvalidOperationException)
        {
            _socket.Abort();
            throw Lost(ex);
        }
    }

    /// <summary>
    /// Sends Clear and waits (up to the clear timeout) for Cleared, discarding the audio and Flushed messages still on
    /// the way; afterwards the socket is as good as new. Returns whether it is.
    /// </summary>
    public async Task<bool> TryClearAsync()
    {
        var cleared = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _cleared, cleared);
        try
        {
            if (_ended)
            {
                return false;
            }

            using var timeout = new CancellationTokenSource(_clearTimeout, _time);
            await _sendLock.WaitAsync(timeout.Token).ConfigureAwait(false);
            try
            {
                await _socket.SendAsync(ClearMessage, WebSocketMessageType.Text, endOfMessage: true, timeout.Token).ConfigureAwait(false);
            }
            finally
            {
                _sendLock.Release();
            }

            return await cleared.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException or InvalidOperationException)
        {
            return false;
        }
        finally
        {
            Volatile.Write(ref _cleared, null);
        }
    }

    /// <summary>
    /// Sends <c>{"type":"Close"}</c> if the socket is open, waits (up to the close timeout) for Deepgram to close it,
    /// then aborts whatever is left and releases the socket. Idempotent; never throws.
    /// </summary>
    public Task CloseAsync() => _close.Value;

    private async Task CloseCoreAsync()
    {
        _closing = true;
        try
        {
            if (!_ended && _socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(_closeTimeout, _time);
                await _sendLock.WaitAsync(timeout.Token).ConfigureAwait(false);
                try
                {
                    await _socket.SendAsync(CloseMessage, WebSocketMessageType.Text, endOfMessage: true, timeout.Token).ConfigureAwait(false);
                }
                finally
                {
                    _sendLock.Release();
                }

                // Deepgram closes; the loop answers it. A timeout falls through to the abort below.
                await _receiveLoop.WaitAsync(timeout.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException or InvalidOperationException)
        {
            // Deepgram did not close in time or the socket already failed: abort below.
        }
        finally
        {
            _socket.Abort();
            await _receiveLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _socket.Dispose();
            _jsonWriter.Dispose();
        }
    }

    private void PruneFlushes()
    {
        while (_flushTimes.TryPeek(out var sent) && _time.GetElapsedTime(sent) >= FlushWindow)
        {
            _flushTimes.Dequeue();
        }
    }

    private VoiceProviderException Lost(Exception cause) => Failure is { } failure
        ? new VoiceProviderException(failure.Message, Provider, failure.ErrorCode, failure.IsTransient, failure)
        : new VoiceProviderException("The Deepgram text-to-speech connection was lost.", Provider, isTransient: true, innerException: cause);

    /// <summary>Reads the socket until it ends. Audio goes to the attached stream in whole samples; text frames are parsed.</summary>
    private async Task ReceiveLoopAsync()
    {
        var pool = ArrayPool<byte>.Shared;
        var audio = pool.Rent(AudioBufferBytes);
        var carry = 0; // bytes of an incomplete sample kept at the front of the buffer for the next read
        var text = new byte[1024];
        var textLength = 0;
        VoiceProviderException? failure = null;
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(audio.AsMemory(carry), CancellationToken.None).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await AnswerCloseAsync().ConfigureAwait(false);
                    failure = _closing ? null : ClosedError();
                    return;
                }

                if (result.MessageType == WebSocketMessageType.Binary)
                {
                    var total = carry + result.Count;
                    var whole = total - (total % Format.BlockAlign);
                    carry = total - whole;
                    if (whole > 0 && Volatile.Read(ref _listener) is { } listener)
                    {
                        var next = pool.Rent(AudioBufferBytes);
                        audio.AsSpan(whole, carry).CopyTo(next);
                        if (await listener.DeliverAudioAsync(audio, whole).ConfigureAwait(false))
                        {
                            audio = next; // the stream owns the old buffer now and returns it to the pool
                            continue;
                        }

                        pool.Return(next);
                    }

                    audio.AsSpan(whole, carry).CopyTo(audio);
                    continue;
                }

                if (textLength + result.Count > MaxMessageBytes)
                {
                    failure = new VoiceProviderException($"Deepgram sent a text message larger than {MaxMessageBytes} bytes.", Provider);
                    return;
                }

                if (textLength + result.Count > text.Length)
                {
                    Array.Resize(ref text, Math.Min(Math.Max(text.Length * 2, textLength + result.Count), MaxMessageBytes));
                }

                audio.AsSpan(carry, result.Count).CopyTo(text.AsSpan(textLength));
                textLength += result.Count;
                if (!result.EndOfMessage)
                {
                    continue;
                }

                failure = Dispatch(text.AsSpan(0, textLength), out var audioEnded);
                textLength = 0;
                if (failure is not null)
                {
                    return;
                }

                if (audioEnded)
                {
                    // Flushed or Cleared: a partial sample left over is not the start of the next flush's audio. Carried
                    // on, it would shift every later sample on this socket by a byte (noise for the rest of the call).
                    carry = 0;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            failure = _closing ? null : new VoiceProviderException("The Deepgram text-to-speech connection dropped.", Provider, isTransient: true, innerException: ex);
        }
        finally
        {
            pool.Return(audio);
            if (failure is not null)
            {
                _socket.Abort(); // after a malformed message the protocol state is unknown: never reuse the socket
            }

            Volatile.Write(ref _failure, failure);
            _ended = true;
            Volatile.Read(ref _cleared)?.TrySetResult(false);
            Volatile.Read(ref _listener)?.OnConnectionEnded(failure);
        }
    }

    /// <summary>Acts on one server text message; returns the error if it is malformed. <paramref name="audioEnded"/> says a Flushed or Cleared closed the audio before it.</summary>
    private VoiceProviderException? Dispatch(ReadOnlySpan<byte> json, out bool audioEnded)
    {
        audioEnded = false;
        DeepgramSpeakServerMessage? message;
        try
        {
            message = JsonSerializer.Deserialize(json, DeepgramSpeakJsonContext.Default.DeepgramSpeakServerMessage);
        }
        catch (JsonException ex)
        {
            return new VoiceProviderException("Deepgram sent a text message that is not valid JSON of the expected shape.", Provider, innerException: ex);
        }

        switch (message?.Type)
        {
            case null:
                return new VoiceProviderException("Deepgram sent a text message without a \"type\".", Provider);
            case "Flushed":
                audioEnded = true;
                Volatile.Read(ref _listener)?.OnFlushed();
                break;
            case "Cleared":
                audioEnded = true;
                Volatile.Read(ref _cleared)?.TrySetResult(true);
                break;
            case "Warning":
                Interlocked.Increment(ref _warnings);
                Volatile.Read(ref _listener)?.OnWarning();
                break;
            case "Metadata":
                RequestId = message.RequestId;
                break;
            default:
                break; // types added after this adapter was written
        }

        return null;
    }

    private VoiceProviderException ClosedError()
    {
        var status = _socket.CloseStatus;
        var code = status is { } s ? (int)s : 1005;
        var reason = _socket.CloseStatusDescription;
        if (reason is { Length: > 200 })
        {
            reason = reason[..200];
        }

        // Server faults and restarts are worth retrying; a policy or data error (1008 and the like) is not.
        var transient = status is null or WebSocketCloseStatus.NormalClosure or WebSocketCloseStatus.EndpointUnavailable
            or WebSocketCloseStatus.InternalServerError || code is 1006 or 1012 or 1013 or 1014;
        var message = string.IsNullOrEmpty(reason)
            ? $"Deepgram closed the text-to-speech connection ({code})."
            : $"Deepgram closed the text-to-speech connection ({code} {reason}).";
        return new VoiceProviderException(message, Provider, code.ToString(System.Globalization.CultureInfo.InvariantCulture), transient);
    }

    /// <summary>Completes the close handshake Deepgram started, so the socket ends cleanly on both sides.</summary>
    private async ValueTask AnswerCloseAsync()
    {
        if (_socket.State != WebSocketState.CloseReceived)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(_closeTimeout, _time);
            await _sendLock.WaitAsync(timeout.Token).ConfigureAwait(false);
            try
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
            }
            finally
            {
                _sendLock.Release();
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }
}
