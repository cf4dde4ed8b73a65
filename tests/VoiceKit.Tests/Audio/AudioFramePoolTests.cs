using VoiceKit.Audio;

namespace VoiceKit.Tests.Audio;

public sealed class AudioFramePoolTests
{
    [Test]
    public void A_rented_frame_has_the_requested_format_length_and_duration()
    {
        var pool = new AudioFramePool();
        using var frame = pool.RentDuration(AudioFormat.Telephony, 20);
        Assert.Multiple(() =>
        {
            Assert.That(frame.Format, Is.EqualTo(AudioFormat.Telephony));
            Assert.That(frame.Length, Is.EqualTo(160));
            Assert.That(frame.Span.Length, Is.EqualTo(160));
            Assert.That(frame.Memory.Length, Is.EqualTo(160));
            Assert.That(frame.Duration, Is.EqualTo(TimeSpan.FromMilliseconds(20)));
        });
    }

    [Test]
    public void A_returned_frame_object_is_reused()
    {
        var pool = new AudioFramePool();
        var first = pool.Rent(AudioFormat.Pcm16Khz, 640);
        first.Dispose();
        var second = pool.Rent(AudioFormat.Pcm16Khz, 640);
        Assert.That(second, Is.SameAs(first));
        second.Dispose();
    }

    [Test]
    public void Frames_held_at_the_same_time_are_distinct()
    {
        var pool = new AudioFramePool();
        using var a = pool.Rent(AudioFormat.Telephony, 160);
        using var b = pool.Rent(AudioFormat.Telephony, 160);
        a.Span.Fill(1);
        b.Span.Fill(2);
        Assert.That(a, Is.Not.SameAs(b));
        Assert.That(a.Span[0], Is.EqualTo(1));
    }

#if DEBUG
    [Test]
    public void A_double_return_is_caught_in_debug_builds()
    {
        var pool = new AudioFramePool();
        var frame = pool.Rent(AudioFormat.Telephony, 160);
        frame.Dispose();
        Assert.That(frame.Dispose, Throws.InvalidOperationException.With.Message.Contains("already returned"));
    }

    [Test]
    public void Use_after_return_is_caught_in_debug_builds()
    {
        var pool = new AudioFramePool();
        var frame = pool.Rent(AudioFormat.Telephony, 160);
        frame.Dispose();
        Assert.That(() => frame.Span.Length, Throws.InvalidOperationException);
    }
#endif

    [Test]
    public void A_double_return_never_puts_a_frame_in_the_pool_twice()
    {
        var pool = new AudioFramePool();
        var frame = pool.Rent(AudioFormat.Telephony, 160);
        frame.Dispose();
        try
        {
            frame.Dispose();
        }
        catch (InvalidOperationException)
        {
            // Debug builds report it; either way the pool must stay consistent.
        }

        using var a = pool.Rent(AudioFormat.Telephony, 160);
        using var b = pool.Rent(AudioFormat.Telephony, 160);
        Assert.That(a, Is.Not.SameAs(b));
    }

    [Test]
    public void The_pool_keeps_at_most_max_retained_frames()
    {
        var pool = new AudioFramePool(maxRetained: 1);
        var a = pool.Rent(AudioFormat.Telephony, 160);
        var b = pool.Rent(AudioFormat.Telephony, 160);
        a.Dispose();
        b.Dispose();
        using var c = pool.Rent(AudioFormat.Telephony, 160);
        using var d = pool.Rent(AudioFormat.Telephony, 160);
        Assert.That(c, Is.SameAs(a));
        Assert.That(d, Is.Not.SameAs(b));
    }

    [Test]
    public void Bad_requests_are_argument_errors()
    {
        var pool = new AudioFramePool();
        Assert.Multiple(() =>
        {
            Assert.That(() => pool.Rent(default, 160), Throws.ArgumentException.With.Message.Contains("default"));
            Assert.That(() => pool.Rent(AudioFormat.Pcm16Khz, 3), Throws.ArgumentException.With.Message.Contains("whole number"));
            Assert.That(() => pool.Rent(AudioFormat.Pcm16Khz, -2), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => new AudioFramePool(-1), Throws.InstanceOf<ArgumentOutOfRangeException>());
        });
    }

    [Test]
    public void Renting_and_returning_is_safe_across_threads()
    {
        var pool = new AudioFramePool(maxRetained: 8);
        Parallel.For(0, 8, _ =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                using var frame = pool.Rent(AudioFormat.Telephony, 160);
                frame.Span[0] = (byte)i;
                if (frame.Span[0] != (byte)i)
                {
                    throw new InvalidOperationException("Two owners shared a frame.");
                }
            }
        });
        Assert.Pass();
    }
}
