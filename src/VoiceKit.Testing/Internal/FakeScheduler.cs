namespace VoiceKit.Testing.Internal;

/// <summary>
/// Runs actions at given times on a <see cref="TimeProvider"/>, in order of due time and then of scheduling, with one
/// timer. With a FakeTimeProvider the actions run inside <c>Advance</c>, at exactly their due time.
/// </summary>
internal sealed class FakeScheduler : IDisposable
{
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private readonly PriorityQueue<Action, (long Due, long Sequence)> _queue = new();
    private readonly Lock _lock = new();
    private long _sequence;
    private bool _disposed;

    public FakeScheduler(TimeProvider time)
    {
        _time = time;
        _timer = time.CreateTimer(static state => ((FakeScheduler)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public TimeProvider Time => _time;

    /// <summary>Runs <paramref name="action"/> after <paramref name="delay"/>; at once, on the calling thread, when the delay is not positive.</summary>
    public void After(TimeSpan delay, Action action)
    {
        if (delay <= TimeSpan.Zero)
        {
            lock (_lock)
            {
                if (_disposed)
                {
                    return;
                }
            }

            action();
            return;
        }

        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            var due = _time.GetTimestamp() + ToTimestampTicks(delay);
            _queue.Enqueue(action, (due, _sequence++));
            ArmLocked();
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _queue.Clear();
        }

        _timer.Dispose();
    }

    private long ToTimestampTicks(TimeSpan delay) => (long)((Int128)delay.Ticks * _time.TimestampFrequency / TimeSpan.TicksPerSecond);

    private void ArmLocked()
    {
        if (_queue.TryPeek(out _, out var next))
        {
            var delay = _time.GetElapsedTime(_time.GetTimestamp(), next.Due);
            _timer.Change(delay > TimeSpan.Zero ? delay : TimeSpan.FromTicks(1), Timeout.InfiniteTimeSpan);
        }
    }

    private void OnTimer()
    {
        while (true)
        {
            Action action;
            lock (_lock)
            {
                if (_disposed || !_queue.TryPeek(out _, out var next))
                {
                    return;
                }

                if (next.Due > _time.GetTimestamp())
                {
                    ArmLocked();
                    return;
                }

                action = _queue.Dequeue();
            }

            action();
        }
    }
}
