using System.Net.WebSockets;
using VoiceKit.Audio;

namespace VoiceKit.ElevenLabs;

/// <summary>
/// A socket connected ahead of the next reply, already initialised (voice settings sent), kept open with keepalives
/// until a reply takes it. A receive stays pending on it the whole time: the server sends nothing on an idle socket, so
/// if that receive completes the server has closed it (or sent an error before closing) and the socket is given up. The
/// pending receive is handed over with the socket, and the stream reads its result first.
/// </summary>
/// <remarks>
/// Owned by <see cref="ElevenLabsTextToSpeech"/>. <see cref="TakeAsync"/> and <see cref="CloseAsync"/> are called once,
/// by whoever removed the connection from the factory under its lock.
/// </remarks>
internal sealed class ElevenLabsWarmConnection
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _keepAliveInterval;
    private readonly TimeSpan _maxAge;
    private readonly long _openedAt;
    private readonly byte[] _receiveBuffer = new byte[4096];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _keeper;
    private volatile bool _dead;
    private bool _keeperStopped;
    private long _lastSendTimestamp;

    /// <summary>Starts keeping <paramref name="socket"/> alive.</summary>
    /// <param name="socket">An open, initialised socket.</param>
    /// <param name="format">The output format its URL asked for.</param>
    /// <param name="options">Keepalive interval, age limit and clock.</param>
    /// <param name="onExpired">
    /// Called from the keepalive loop when the connection stops being usable on its own: <see langword="true"/> when it
    /// grew too old (replace it), <see langword="false"/> when the server closed it or a keepalive failed.
    /// </param>
    public ElevenLabsWarmConnection(ClientWebSocket socket, AudioFormat format, ElevenLabsTextToSpeechOptions options, Action<ElevenLabsWarmConnection, bool> onExpired)
    {
        Socket = socket;
        Format = format;
        _time = options.TimeProvider;
        _keepAliveInterval = options.KeepAliveInterval;
        _maxAge = options.WarmConnectionMaxAge;
        _openedAt = _time.GetTimestamp();
        _lastSendTimestamp = _openedAt; // The initialise message went out just before.

        // Never cancelled through a token: cancelling a ClientWebSocket receive aborts the socket. It ends when the server
        // sends something or the socket is aborted; the continuation only observes a fault nobody else may await.
        PendingReceive = socket.ReceiveAsync(_receiveBuffer.AsMemory(), CancellationToken.None).AsTask();
        PendingReceive.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        _keeper = Task.Run(() => KeepAliveAsync(onExpired));
    }

    public ClientWebSocket Socket { get; }

    public AudioFormat Format { get; }

    /// <summary>The receive started when the connection was parked; its bytes land in <see cref="ReceiveBuffer"/>.</summary>
    public Task<ValueWebSocketReceiveResult> PendingReceive { get; }

    /// <summary>Where <see cref="PendingReceive"/> writes.</summary>
    public byte[] ReceiveBuffer => _receiveBuffer;

    /// <summary>When the last message (initialise or keepalive) was sent, so the stream's keepalives continue the rhythm.</summary>
    public long LastSendTimestamp => Volatile.Read(ref _lastSendTimestamp);

    private TimeSpan Age => _time.GetElapsedTime(_openedAt);

    /// <summary>Stops the keepalives; returns whether the socket is still fit to carry a reply (if not, it has been closed).</summary>
    /// <returns>True when the caller now owns a usable socket with <see cref="PendingReceive"/> outstanding.</returns>
    public async ValueTask<bool> TakeAsync()
    {
        await StopKeeperAsync().ConfigureAwait(false);
        if (!_dead && !PendingReceive.IsCompleted && Socket.State == WebSocketState.Open && Age < _maxAge)
        {
            return true;
        }

        Abort();
        return false;
    }

    /// <summary>Stops the keepalives, closes the socket politely within <paramref name="timeout"/>, then aborts it.</summary>
    /// <param name="timeout">How long the close may take.</param>
    /// <returns>A task.</returns>
    public async ValueTask CloseAsync(TimeSpan timeout)
    {
        await StopKeeperAsync().ConfigureAwait(false);
        if (!_dead && Socket.State == WebSocketState.Open)
        {
            try
            {
                using var cancel = new CancellationTokenSource(timeout, _time);
                await Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancel.Token).ConfigureAwait(false);
                await ((Task)PendingReceive).WaitAsync(timeout, _time).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException or IOException)
            {
            }
        }

        Abort();
    }

    /// <summary>Aborts the socket without a close handshake (synchronous dispose); the keepalive loop ends by itself.</summary>
    public void Abort()
    {
        if (!_keeperStopped)
        {
            _stop.Cancel(); // The synchronous path: the loop sees it and ends by itself.
        }

        Socket.Abort();
        Socket.Dispose();
    }

    private async ValueTask StopKeeperAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _keeper.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _keeperStopped = true;
        _stop.Dispose();
    }

    private async Task KeepAliveAsync(Action<ElevenLabsWarmConnection, bool> onExpired)
    {
        var token = _stop.Token;
        try
        {
            while (true)
            {
                // Wake for the next keepalive or the age limit, whichever is first; timers may wake a little early, so
                // each is acted on only when actually due.
                var untilKeepAlive = _keepAliveInterval - _time.GetElapsedTime(LastSendTimestamp);
                var wait = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, Math.Min(untilKeepAlive.Ticks, (_maxAge - Age).Ticks)));
                var delay = Task.Delay(wait, _time, token);
                var woke = await Task.WhenAny(delay, PendingReceive).ConfigureAwait(false);
                if (token.IsCancellationRequested)
                {
                    return; // Taken or closed by the factory.
                }

                if (woke == PendingReceive)
                {
                    _dead = true; // The server closed it, or sent an error before closing: nothing to keep.
                    onExpired(this, false);
                    return;
                }

                if (Age >= _maxAge)
                {
                    onExpired(this, true);
                    return;
                }

                if (_time.GetElapsedTime(LastSendTimestamp) >= _keepAliveInterval)
                {
                    // No token: cancelling a send aborts the socket, and the take waits for this send to finish instead.
                    await Socket.SendAsync(ElevenLabsTextToSpeechStream.KeepAliveMessage, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None).ConfigureAwait(false);
                    Volatile.Write(ref _lastSendTimestamp, _time.GetTimestamp());
                }
            }
        }
        catch (Exception ex) when (ElevenLabsTextToSpeechStream.IsSocketFailure(ex) || ex is InvalidOperationException)
        {
            _dead = true;
            if (!token.IsCancellationRequested)
            {
                onExpired(this, false);
            }
        }
    }
}
