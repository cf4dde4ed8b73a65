using System.Buffers;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using VoiceKit.Audio;

namespace VoiceKit.Testing;

/// <summary>
/// One simulated call, in memory: the test (or a <see cref="SimulatedCaller"/>) plays the caller, the code under test
/// plays the agent through <see cref="ITransport"/>. Agent audio "plays" in real time on the injected
/// <see cref="TimeProvider"/>, so <see cref="PlayedDuration"/> behaves like a phone line's playback position.
/// </summary>
/// <remarks>
/// <para>
/// Caller side: <see cref="SendCallerAudio"/>, <see cref="PressKey"/> and <see cref="HangUpFromCaller"/> queue events
/// that <see cref="ReadEventsAsync"/> returns to its single reader, which owns (and disposes) the audio frames.
/// </para>
/// <para>
/// Playback model: audio sent while nothing plays starts playing at once; audio sent while something plays queues behind
/// it. What has played is computed from the clock when asked, so no timers run. Once the call has ended (either side
/// hangs up, or the agent transfers) unplayed audio is dropped and further agent audio is ignored.
/// </para>
/// <para>All members are thread-safe.</para>
/// </remarks>
public sealed class InMemoryTransport : ITransport
{
    /// <summary>How many caller events may wait unread before <see cref="SendCallerAudio"/> fails (20 s of 20 ms frames).</summary>
    public const int EventCapacity = 1_000;

    private const int FrameMilliseconds = 20;

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly long _origin;
    private readonly Channel<TransportEvent> _events = Channel.CreateBounded<TransportEvent>(
        new BoundedChannelOptions(EventCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

    private readonly byte[] _callerPending;
    private int _callerPendingLength;

    private readonly ArrayBufferWriter<byte> _played = new();
    private readonly ArrayBufferWriter<byte> _run = new();
    private readonly List<TransportLogEntry> _log = [];
    private bool _playing;
    private long _runStart;
    private TimeSpan _playedBefore;
    private int _clearCount;
    private bool _ended;
    private bool _hungUp;
    private string? _transferredTo;

    /// <summary>Creates a call.</summary>
    /// <param name="timeProvider">The clock playback runs on; tests pass a FakeTimeProvider.</param>
    /// <param name="format">The audio format in both directions; <see cref="AudioFormat.Telephony"/> (8 kHz mu-law) when omitted.</param>
    /// <param name="call">What is known about the call; a new inbound call when omitted.</param>
    public InMemoryTransport(TimeProvider timeProvider, AudioFormat? format = null, CallInfo? call = null)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        var f = format ?? AudioFormat.Telephony;
        if (!f.IsValid)
        {
            throw new ArgumentException("The audio format is default(AudioFormat); create one with its constructor.", nameof(format));
        }

        _time = timeProvider;
        _origin = timeProvider.GetTimestamp();
        Format = f;
        Call = call ?? new CallInfo();
        _callerPending = new byte[f.BytesPer(FrameMilliseconds)];
    }

    /// <inheritdoc />
    public AudioFormat Format { get; }

    /// <inheritdoc />
    public CallInfo Call { get; }

    /// <summary>The clock this transport runs on.</summary>
    public TimeProvider TimeProvider => _time;

    /// <inheritdoc />
    public TimeSpan PlayedDuration
    {
        get
        {
            lock (_lock)
            {
                var now = _time.GetTimestamp();
                return _playedBefore + PlayedInRunLocked(now);
            }
        }
    }

    /// <summary>Agent audio sent but not yet played.</summary>
    public TimeSpan QueuedDuration
    {
        get
        {
            lock (_lock)
            {
                var now = _time.GetTimestamp();
                return _playing ? RunDurationLocked() - PlayedInRunLocked(now) : TimeSpan.Zero;
            }
        }
    }

    /// <summary>Whether agent audio is playing now.</summary>
    public bool IsPlaying => QueuedDuration > TimeSpan.Zero;

    /// <summary>
    /// Whether to keep a copy of the audio played, for <see cref="PlayedAudio"/>. Default true; load tests turn it off,
    /// since a long call's copy grows without bound.
    /// </summary>
    public bool KeepPlayedAudio { get; init; } = true;

    /// <summary>A copy of the agent audio the caller has heard so far, in order, in <see cref="Format"/> (empty when <see cref="KeepPlayedAudio"/> is off).</summary>
    public byte[] PlayedAudio
    {
        get
        {
            lock (_lock)
            {
                var now = _time.GetTimestamp();
                var inRun = _playing && KeepPlayedAudio ? PlayedBytesInRunLocked(now) : 0;
                var result = new byte[_played.WrittenCount + inRun];
                _played.WrittenSpan.CopyTo(result);
                _run.WrittenSpan[..inRun].CopyTo(result.AsSpan(_played.WrittenCount));
                return result;
            }
        }
    }

    /// <summary>How many times the agent called <see cref="ClearAsync"/>.</summary>
    public int ClearCount
    {
        get
        {
            lock (_lock)
            {
                return _clearCount;
            }
        }
    }

    /// <summary>Whether the agent hung up.</summary>
    public bool IsHungUp
    {
        get
        {
            lock (_lock)
            {
                return _hungUp;
            }
        }
    }

    /// <summary>Where the agent transferred the call, or <see langword="null"/>.</summary>
    public string? TransferredTo
    {
        get
        {
            lock (_lock)
            {
                return _transferredTo;
            }
        }
    }

    /// <summary>Whether the call has ended: either side hung up, or the agent transferred it.</summary>
    public bool IsEnded
    {
        get
        {
            lock (_lock)
            {
                return _ended;
            }
        }
    }

    /// <summary>A snapshot of what happened so far, in time order.</summary>
    public IReadOnlyList<TransportLogEntry> Log
    {
        get
        {
            lock (_lock)
            {
                RefreshLocked(_time.GetTimestamp());
                return [.. _log];
            }
        }
    }

    /// <summary>
    /// Sends caller audio in <see cref="Format"/>: it is cut into 20 ms frames rented from
    /// <see cref="AudioFramePool.Shared"/>, each queued as a <see cref="TransportEvent.Audio"/>. A remainder shorter
    /// than a frame waits for the next call. Ignored once the call has ended.
    /// </summary>
    /// <param name="audio">The audio; copied before the method returns.</param>
    /// <exception cref="InvalidOperationException">Nobody reads the events and <see cref="EventCapacity"/> are waiting.</exception>
    public void SendCallerAudio(ReadOnlySpan<byte> audio)
    {
        lock (_lock)
        {
            if (_ended)
            {
                return;
            }

            var frameLength = _callerPending.Length;
            while (!audio.IsEmpty)
            {
                var take = Math.Min(frameLength - _callerPendingLength, audio.Length);
                audio[..take].CopyTo(_callerPending.AsSpan(_callerPendingLength));
                _callerPendingLength += take;
                audio = audio[take..];
                if (_callerPendingLength == frameLength)
                {
                    var frame = AudioFramePool.Shared.Rent(Format, frameLength);
                    _callerPending.CopyTo(frame.Span);
                    _callerPendingLength = 0;
                    if (!_events.Writer.TryWrite(TransportEvent.Audio(frame)))
                    {
                        frame.Dispose();
                        ThrowFull();
                    }
                }
            }
        }
    }

    /// <summary>The caller presses a key. Ignored once the call has ended.</summary>
    /// <param name="key">One of 0-9, *, #, A-D.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="key"/> is not a DTMF key.</exception>
    public void PressKey(char key)
    {
        if (key is not ((>= '0' and <= '9') or '*' or '#' or (>= 'A' and <= 'D')))
        {
            throw new ArgumentOutOfRangeException(nameof(key), key, "A DTMF key is one of 0-9, *, #, A-D.");
        }

        lock (_lock)
        {
            if (_ended)
            {
                return;
            }

            AddLogLocked(_time.GetTimestamp(), TransportLogKind.KeyPressed, key.ToString());
            if (!_events.Writer.TryWrite(TransportEvent.Dtmf(key)))
            {
                ThrowFull();
            }
        }
    }

    /// <summary>The caller hangs up: queues <see cref="TransportEvent.Ended"/> and ends the event stream. Ignored once the call has ended.</summary>
    public void HangUpFromCaller()
    {
        lock (_lock)
        {
            if (_ended)
            {
                return;
            }

            EndLocked(TransportLogKind.CallerHungUp, null);
            _events.Writer.TryWrite(TransportEvent.Ended);
            _events.Writer.TryComplete();
        }
    }

    /// <inheritdoc />
    /// <remarks>After the agent ends the call, events still queued are disposed and the stream ends.</remarks>
    public async IAsyncEnumerable<TransportEvent> ReadEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Wait without the token (a cancellable wait allocates on every frame) and let cancellation end the stream instead.
        var reader = _events.Reader;
        using var registration = cancellationToken.Register(static state => ((InMemoryTransport)state!)._events.Writer.TryComplete(), this);
        while (await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            while (reader.TryRead(out var item))
            {
                if (EndedByAgent)
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
    public ValueTask SendAudioAsync(ReadOnlyMemory<byte> audio, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            RefreshLocked(now);
            if (_ended || audio.IsEmpty)
            {
                return default;
            }

            if (!_playing)
            {
                _playing = true;
                _runStart = now;
                _run.ResetWrittenCount();
                AddLogLocked(now, TransportLogKind.PlaybackStarted);
            }

            _run.Write(audio.Span);
        }

        return default;
    }

    /// <inheritdoc />
    public ValueTask ClearAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            RefreshLocked(now);
            _clearCount++;
            StopLocked(now);
            AddLogLocked(now, TransportLogKind.Cleared);
        }

        return default;
    }

    /// <inheritdoc />
    public ValueTask HangUpAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (!_ended)
            {
                _hungUp = true;
                EndLocked(TransportLogKind.HungUp, null);
                _events.Writer.TryComplete();
            }
        }

        return default;
    }

    /// <inheritdoc />
    public ValueTask TransferAsync(string destination, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(destination);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            if (!_ended)
            {
                _transferredTo = destination;
                EndLocked(TransportLogKind.Transferred, destination);
                _events.Writer.TryComplete();
            }
        }

        return default;
    }

    private bool EndedByAgent
    {
        get
        {
            lock (_lock)
            {
                return _hungUp || _transferredTo is not null;
            }
        }
    }

    private static void ThrowFull() =>
        throw new InvalidOperationException($"{EventCapacity} caller events are waiting unread: nothing is reading InMemoryTransport.ReadEventsAsync.");

    private TimeSpan RunDurationLocked() => Format.DurationOf(_run.WrittenCount);

    private TimeSpan PlayedInRunLocked(long now)
    {
        if (!_playing)
        {
            return TimeSpan.Zero;
        }

        var elapsed = _time.GetElapsedTime(_runStart, now);
        var queued = RunDurationLocked();
        return elapsed < queued ? elapsed : queued;
    }

    private int PlayedBytesInRunLocked(long now)
    {
        var elapsed = _time.GetElapsedTime(_runStart, now);
        return (int)Math.Min(_run.WrittenCount, Format.BytesFor(elapsed));
    }

    /// <summary>Closes a run whose queue ran dry before <paramref name="now"/>, logging the stop at the moment it ran dry.</summary>
    private void RefreshLocked(long now)
    {
        if (!_playing)
        {
            return;
        }

        var queued = RunDurationLocked();
        if (_time.GetElapsedTime(_runStart, now) < queued)
        {
            return;
        }

        if (KeepPlayedAudio)
        {
            _played.Write(_run.WrittenSpan);
        }

        _playedBefore += queued;
        _playing = false;
        var end = _runStart + (long)((Int128)queued.Ticks * _time.TimestampFrequency / TimeSpan.TicksPerSecond);
        AddLogLocked(end, TransportLogKind.PlaybackStopped);
    }

    /// <summary>Stops playback now, keeping what was heard and dropping the rest.</summary>
    private void StopLocked(long now)
    {
        if (!_playing)
        {
            return;
        }

        var bytes = PlayedBytesInRunLocked(now);
        _playedBefore += PlayedInRunLocked(now);
        if (KeepPlayedAudio)
        {
            _played.Write(_run.WrittenSpan[..bytes]);
        }

        _playing = false;
    }

    private void EndLocked(TransportLogKind kind, string? detail)
    {
        var now = _time.GetTimestamp();
        RefreshLocked(now);
        StopLocked(now);
        _ended = true;
        AddLogLocked(now, kind, detail);
    }

    private void AddLogLocked(long timestamp, TransportLogKind kind, string? detail = null) =>
        _log.Add(new TransportLogEntry(_time.GetElapsedTime(_origin, timestamp), kind, _playedBefore + PlayedInRunLocked(timestamp), detail));
}
