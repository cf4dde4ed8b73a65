using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;

namespace VoiceKit.Testing;

/// <summary>
/// Moves a <see cref="FakeTimeProvider"/> forward the way a real clock would, but only once the code under test has
/// finished reacting to what already happened, so scenarios are deterministic. <see cref="SimulatedCaller"/> uses it
/// for every 20 ms step; use it directly to run time without a caller.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Settle"/> waits until the .NET thread pool is quiescent: no work item queued
/// (<see cref="ThreadPool.PendingWorkItemCount"/>), <see cref="ThreadPool.CompletedWorkItemCount"/> unchanged, and no
/// more worker threads inside work items (maximum minus available worker threads) than when the pool was last idle, all
/// for several consecutive checks separated by spins and yields. Async code that continues on the pool (channels,
/// <c>ConfigureAwait(false)</c>, <c>Task.Yield</c>, <c>Task.Run</c>) has therefore finished reacting when it returns, and
/// code waiting on the FakeTimeProvider stays parked until the next advance. Threads blocked inside work items (a test
/// runner waiting synchronously, say) would look busy forever, so when nothing has been queued or completed for 2 ms and
/// the process used almost no CPU during a 1 ms sleep, the pool counts as idle and that thread count becomes the new
/// idle level.
/// </para>
/// <para>
/// Limits: work that waits on anything but the thread pool and the fake clock is invisible (real timers such as
/// <c>Task.Delay</c> without the TimeProvider, real I/O, dedicated threads). A single work item that computes for more
/// than about 2 ms on a starved machine may be taken for a blocked one. Other work in the process (tests running in
/// parallel) delays settling. Call from one thread at a time.
/// </para>
/// </remarks>
public static class VirtualTime
{
    private const int QuietChecks = 4;
    private const int BaselineSamples = 32;

    /// <summary>How long the pool must complete nothing before threads that stay busy are taken to be blocked, not working.</summary>
    private static readonly TimeSpan s_blockedAfter = TimeSpan.FromMilliseconds(2);

    private static readonly Lock s_lock = new();
    private static readonly int[] s_baseline = new int[BaselineSamples];
    private static int s_baselineIndex;

    /// <summary>Waits until the thread pool has no work queued or running.</summary>
    /// <param name="timeout">How long to wait for quiescence in real time; 10 s when omitted.</param>
    /// <exception cref="TimeoutException">The pool stayed busy for <paramref name="timeout"/>: something spins or runs on real time.</exception>
    public static void Settle(TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        var started = Stopwatch.GetTimestamp();
        var floor = BusyBaseline();
        var lastCompleted = -1L;
        var quietSince = 0L;
        var quiet = 0;
        var round = 0;
        while (true)
        {
            var completed = ThreadPool.CompletedWorkItemCount;
            var busy = BusyWorkers();
            var now = Stopwatch.GetTimestamp();
            if (ThreadPool.PendingWorkItemCount == 0 && completed == lastCompleted)
            {
                if (quiet++ == 0)
                {
                    quietSince = now;
                }

                // Idle: nothing queued, nothing completing, and no more threads running work than when idle before. Threads
                // that stay "running" while nothing completes for a while are blocked (a test waiting synchronously, for
                // example) and become the new idle level.
                if ((quiet >= QuietChecks && busy <= floor) || (Stopwatch.GetElapsedTime(quietSince, now) >= s_blockedAfter && OthersUseNoCpu()))
                {
                    RecordBaseline(busy);
                    return;
                }
            }
            else
            {
                quiet = 0;
            }

            lastCompleted = completed;
            if (++round % 64 == 0 && Stopwatch.GetElapsedTime(started, now) > limit)
            {
                throw new TimeoutException(
                    $"The thread pool was still busy after {limit.TotalSeconds:0.#} s of real time (queued {ThreadPool.PendingWorkItemCount}, running {busy}). Something spins, blocks, or runs on real time instead of the FakeTimeProvider.");
            }

            if (round > 2_000)
            {
                Thread.Sleep(1);
            }
            else if (quiet == 0 || round > 50)
            {
                Thread.Yield();
            }
            else
            {
                Thread.SpinWait(20);
            }
        }
    }

    /// <summary>Advances <paramref name="timeProvider"/> by <paramref name="duration"/> in steps, settling before the first step and after each.</summary>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="duration">How far to move it.</param>
    /// <param name="step">The step; 20 ms (one audio frame) when omitted.</param>
    public static void Advance(FakeTimeProvider timeProvider, TimeSpan duration, TimeSpan? step = null)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        var size = step ?? TimeSpan.FromMilliseconds(20);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(size, TimeSpan.Zero, nameof(step));
        Settle();
        while (duration > TimeSpan.Zero)
        {
            var next = duration < size ? duration : size;
            timeProvider.Advance(next);
            duration -= next;
            Settle();
        }
    }

    /// <summary>The number of pool threads running (or blocked in) work items when the pool was last idle: the lowest of recent samples.</summary>
    private static int BusyBaseline()
    {
        lock (s_lock)
        {
            var min = int.MaxValue;
            foreach (var sample in s_baseline)
            {
                min = Math.Min(min, sample);
            }

            return min;
        }
    }

    private static void RecordBaseline(int busy)
    {
        lock (s_lock)
        {
            s_baseline[s_baselineIndex] = busy;
            s_baselineIndex = (s_baselineIndex + 1) % BaselineSamples;
        }
    }

    /// <summary>Sleeps about a millisecond and says whether the process used almost no CPU meanwhile: busy threads are blocked, not working.</summary>
    private static bool OthersUseNoCpu()
    {
        var before = Environment.CpuUsage.TotalTime;
        var start = Stopwatch.GetTimestamp();
        Thread.Sleep(1);
        var wall = Stopwatch.GetElapsedTime(start);
        var used = Environment.CpuUsage.TotalTime - before;
        return used < wall * 0.25;
    }

    private static int BusyWorkers()
    {
        ThreadPool.GetMaxThreads(out var max, out _);
        ThreadPool.GetAvailableThreads(out var available, out _);
        return max - available;
    }
}
