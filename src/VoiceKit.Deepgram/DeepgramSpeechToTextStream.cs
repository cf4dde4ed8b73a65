using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;

namespace VoiceKit.Deepgram;

/// <summary>
/// One Deepgram <c>/v1/listen</c> socket. Owns the socket, a receive loop and a KeepAlive loop; every send (audio,
/// KeepAlive, Finalize, CloseStream, close) goes through one lock, so frames are never interleaved.
/// </summary>
internal sealed class DeepgramSpeechToTextStream : ISpeechToTextStream
{
    internal static readonly byte[] KeepAliveMessage = """{"type":"KeepAlive"}"""u8.ToArray();
    internal static readonly byte[] FinalizeMessage = """{"type":"Finalize"}"""u8.ToArray();
    internal static readonly byte[] CloseStreamMessage = """{"type":"CloseStream"}"""u8.ToArray();

    /// <summary>Largest server text message accepted; a bigger one is skipped and reported as an Error update.</summary>
    internal const int MaxMessageBytes = 1 << 20;

    private readonly ClientWebSocket _socket;
    private readonly TimeSpan _keepAliveInterval;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly Channel<TranscriptUpdate> _updates = Channel.CreateBounded<TranscriptUpdate>(
        new BoundedChannelOptions(256) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly CancellationTokenSource _lifetime = new();
    private readonly Task _receiveLoop;
    private readonly Task _keepAliveLoop;
    private long _lastSendTimestamp;
    private int _disposed;
    private volatile bool _closing;

    public DeepgramSpeechToTextStream(ClientWebSocket socket, TimeSpan keepAliveInterval, TimeProvider time)
    {
        _socket = socket;
        _keepAliveInterval = keepAliveInterval;
        _time = time;
        _lastSendTimestamp = time.GetTimestamp();
        _receiveLoop = Task.Run(() => ReceiveLoopAsync(_lifetime.Token));
        _keepAliveLoop = Task.Run(() => KeepAliveLoopAsync(_lifetime.Token));
    }

    /// <summary>How long <see cref="DisposeAsync"/> waits for Deepgram to close after CloseStream before aborting.</summary>
    internal TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(2);

    public async ValueTask SendAudioAsync(ReadOnlyMemory<byte> audio, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (audio.IsEmpty)
        {
            return; // An empty binary frame makes Deepgram close the stream.
        }

        await SendAsync(audio, WebSocketMessageType.Binary, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask FinalizeAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return SendAsync(FinalizeMessage, WebSocketMessageType.Text, cancellationToken);
    }

    public async IAsyncEnumerable<TranscriptUpdate> ReadUpdatesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var update in _updates.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return update;
        }
    }

    /// <summary>Sends CloseStream, waits up to <see cref="CloseTimeout"/> for Deepgram's last results and close, then aborts.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _closing = true;
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var sendTimeout = new CancellationTokenSource(CloseTimeout, _time);
                await SendAsync(CloseStreamMessage, WebSocketMessageType.Text, sendTimeout.Token).ConfigureAwait(false);
                await _receiveLoop.WaitAsync(CloseTimeout, _time).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or TimeoutException or WebSocketException or ObjectDisposedException)
            {
                // Deepgram did not close in time or the socket already failed: abort below.
            }
        }

        _lifetime.Cancel();
        _socket.Abort();
        await Task.WhenAll(_receiveLoop, _keepAliveLoop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _updates.Writer.TryComplete();
        _socket.Dispose();
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
                return new TranscriptUpdate(TranscriptUpdateKind.Error)
                {
                    RawRepresentation = new IOException("Deepgram reported an error: " + text),
                };
            default:
                return null; // Metadata, and types added after this adapter was written.
        }
    }

    private async ValueTask SendAsync(ReadOnlyMemory<byte> message, WebSocketMessageType type, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _socket.SendAsync(message, type, endOfMessage: true, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _lastSendTimestamp, _time.GetTimestamp());
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task KeepAliveLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested && _socket.State == WebSocketState.Open)
            {
                var idle = _time.GetElapsedTime(Volatile.Read(ref _lastSendTimestamp));
                if (idle >= _keepAliveInterval)
                {
                    await SendAsync(KeepAliveMessage, WebSocketMessageType.Text, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                await Task.Delay(_keepAliveInterval - idle, _time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or InvalidOperationException)
        {
            // The socket failed or closed; the receive loop reports it.
        }
    }

    private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        var length = 0;
        var oversized = false;
        Exception? failure = null;
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

                var result = await _socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await CloseOutputAsync().ConfigureAwait(false);
                    var status = _socket.CloseStatus;
                    if (status is not (WebSocketCloseStatus.NormalClosure or null) && !_closing)
                    {
                        failure = new IOException($"Deepgram closed the stream: {(int)status} {_socket.CloseStatusDescription}".TrimEnd());
                    }

                    return;
                }

                length += result.Count;
                if (!result.EndOfMessage)
                {
                    continue;
                }

                if (result.MessageType == WebSocketMessageType.Text)
                {
                    var update = oversized
                        ? ErrorUpdate(new InvalidDataException($"Deepgram sent a message larger than {MaxMessageBytes} bytes; it was skipped."))
                        : TryParse(buffer.AsSpan(0, length));
                    if (update is not null)
                    {
                        await _updates.Writer.WriteAsync(update, cancellationToken).ConfigureAwait(false);
                    }
                }

                length = 0;
                oversized = false;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException)
        {
            if (!_closing)
            {
                failure = new IOException("The Deepgram connection failed.", ex);
            }
        }
        finally
        {
            _updates.Writer.TryComplete(failure);
        }
    }

    private static TranscriptUpdate? TryParse(ReadOnlySpan<byte> json)
    {
        try
        {
            return Parse(json);
        }
        catch (JsonException ex)
        {
            return ErrorUpdate(new InvalidDataException("Deepgram sent a message that is not valid JSON of the expected shape; it was skipped.", ex));
        }
    }

    private static TranscriptUpdate ErrorUpdate(Exception exception) =>
        new(TranscriptUpdateKind.Error) { RawRepresentation = exception };

    private async ValueTask CloseOutputAsync()
    {
        if (_socket.State != WebSocketState.CloseReceived)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(CloseTimeout, _time);
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
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
        }
    }
}
