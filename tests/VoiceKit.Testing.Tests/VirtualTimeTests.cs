using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace VoiceKit.Testing.Tests;

public sealed class VirtualTimeTests
{
    [Test]
    public void SettleWaitsForChainsOfThreadPoolWork()
    {
        for (var round = 0; round < 200; round++)
        {
            var ping = Channel.CreateUnbounded<int>();
            var pong = Channel.CreateUnbounded<int>();
            var hops = 0;
            _ = Task.Run(async () =>
            {
                await foreach (var n in ping.Reader.ReadAllAsync().ConfigureAwait(false))
                {
                    Interlocked.Increment(ref hops);
                    await Task.Yield();
                    pong.Writer.TryWrite(n);
                }
            });
            _ = Task.Run(async () =>
            {
                await foreach (var n in pong.Reader.ReadAllAsync().ConfigureAwait(false))
                {
                    Interlocked.Increment(ref hops);
                    if (n < 20)
                    {
                        ping.Writer.TryWrite(n + 1);
                    }
                    else
                    {
                        ping.Writer.TryComplete();
                        pong.Writer.TryComplete();
                    }
                }
            });
            ping.Writer.TryWrite(0);
            VirtualTime.Settle();
            Assert.That(Volatile.Read(ref hops), Is.EqualTo(42), $"round {round}");
        }
    }

    [Test]
    public void SettleWaitsForWorkReleasedByTheFakeClock()
    {
        var time = new FakeTimeProvider();
        var done = 0;
        for (var i = 0; i < 100; i++)
        {
            _ = Task.Run(async () =>
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), time).ConfigureAwait(false);
                await Task.Run(() => Thread.SpinWait(1000)).ConfigureAwait(false);
                Interlocked.Increment(ref done);
            });
        }

        VirtualTime.Settle();
        Assert.That(Volatile.Read(ref done), Is.Zero, "nothing runs before the clock moves");
        time.Advance(TimeSpan.FromMilliseconds(20));
        VirtualTime.Settle();
        Assert.That(Volatile.Read(ref done), Is.EqualTo(100));
    }

    [Test]
    public void SettleIsCheapWhenIdle()
    {
        VirtualTime.Settle();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < 1000; i++)
        {
            VirtualTime.Settle();
        }

        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(1)), "well under a millisecond each");
    }

    [Test]
    [Retry(3)] // a shared two-core machine can deschedule the busy loop long enough to look idle; see VirtualTime's remarks
    public async Task SettleTimesOutOnWorkThatNeverStops()
    {
        using var stop = new CancellationTokenSource();
        var loop = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Yield();
            }
        });
        try
        {
            Assert.That(() => VirtualTime.Settle(TimeSpan.FromMilliseconds(200)), Throws.TypeOf<TimeoutException>().With.Message.Contains("real time"));
        }
        finally
        {
            // Stop the runaway work even when the assertion fails, or it starves every later test of an idle pool.
            await stop.CancelAsync();
            await loop;
        }
    }
}
