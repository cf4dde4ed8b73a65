using Microsoft.Extensions.Time.Testing;
using VoiceKit.Audio;

namespace VoiceKit.Testing.Tests;

public sealed class InMemoryTransportTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    private static byte[] Audio(int milliseconds, byte value = 0x55) => Enumerable.Repeat(value, AudioFormat.Telephony.BytesPer(milliseconds)).ToArray();

    [Test]
    public async Task PlayedDurationFollowsTheClockUpToWhatWasQueued()
    {
        var time = new FakeTimeProvider();
        var transport = new InMemoryTransport(time);
        await transport.SendAudioAsync(Audio(1000));
        Assert.That(transport.PlayedDuration, Is.EqualTo(TimeSpan.Zero));
        time.Advance(300 * Ms);
        Assert.Multiple(() =>
        {
            Assert.That(transport.PlayedDuration, Is.EqualTo(300 * Ms));
            Assert.That(transport.QueuedDuration, Is.EqualTo(700 * Ms));
            Assert.That(transport.IsPlaying, Is.True);
        });
        time.Advance(2000 * Ms);
        Assert.Multiple(() =>
        {
            Assert.That(transport.PlayedDuration, Is.EqualTo(1000 * Ms));
            Assert.That(transport.QueuedDuration, Is.EqualTo(TimeSpan.Zero));
            Assert.That(transport.PlayedAudio, Has.Length.EqualTo(8000));
        });
    }

    [Test]
    public async Task AudioSentWhilePlayingQueuesBehind()
    {
        var time = new FakeTimeProvider();
        var transport = new InMemoryTransport(time);
        await transport.SendAudioAsync(Audio(200));
        time.Advance(100 * Ms);
        await transport.SendAudioAsync(Audio(200));
        time.Advance(250 * Ms);
        Assert.That(transport.PlayedDuration, Is.EqualTo(350 * Ms));
        time.Advance(100 * Ms);
        Assert.That(transport.PlayedDuration, Is.EqualTo(400 * Ms));
        Assert.That(transport.Log.Select(e => (e.Time, e.Kind)), Is.EqualTo(new[]
        {
            (TimeSpan.Zero, TransportLogKind.PlaybackStarted),
            (400 * Ms, TransportLogKind.PlaybackStopped),
        }));
    }

    [Test]
    public async Task ClearMidPlaybackKeepsOnlyWhatWasHeard()
    {
        var time = new FakeTimeProvider();
        var transport = new InMemoryTransport(time);
        await transport.SendAudioAsync(Audio(500, 0x11));
        await transport.SendAudioAsync(Audio(500, 0x22));
        time.Advance(640 * Ms);
        await transport.ClearAsync();
        time.Advance(1000 * Ms);
        var played = transport.PlayedAudio;
        Assert.Multiple(() =>
        {
            Assert.That(transport.PlayedDuration, Is.EqualTo(640 * Ms));
            Assert.That(transport.QueuedDuration, Is.EqualTo(TimeSpan.Zero));
            Assert.That(transport.ClearCount, Is.EqualTo(1));
            Assert.That(played, Has.Length.EqualTo(640 * 8));
            Assert.That(played[..4000], Is.All.EqualTo(0x11));
            Assert.That(played[4000..], Is.All.EqualTo(0x22));
            Assert.That(transport.Log[^1], Is.EqualTo(new TransportLogEntry(640 * Ms, TransportLogKind.Cleared, 640 * Ms)));
        });
    }

    [Test]
    public async Task PlaybackResumesWhenAudioArrivesAfterTheQueueRanDry()
    {
        var time = new FakeTimeProvider();
        var transport = new InMemoryTransport(time);
        await transport.SendAudioAsync(Audio(100));
        time.Advance(500 * Ms);
        Assert.That(transport.PlayedDuration, Is.EqualTo(100 * Ms));
        await transport.SendAudioAsync(Audio(200));
        time.Advance(50 * Ms);
        Assert.That(transport.PlayedDuration, Is.EqualTo(150 * Ms), "the gap is not played time");
        time.Advance(1 * TimeSpan.FromSeconds(1));
        Assert.That(transport.PlayedDuration, Is.EqualTo(300 * Ms));
        Assert.That(transport.Log.Select(e => e.ToString()), Is.EqualTo(new[]
        {
            "00:00:00 PlaybackStarted played=00:00:00",
            "00:00:00.1000000 PlaybackStopped played=00:00:00.1000000",
            "00:00:00.5000000 PlaybackStarted played=00:00:00.1000000",
            "00:00:00.7000000 PlaybackStopped played=00:00:00.3000000",
        }));
    }

    [Test]
    public async Task PlayedDurationNeverDecreasesAcrossClears()
    {
        var time = new FakeTimeProvider();
        var transport = new InMemoryTransport(time);
        var last = TimeSpan.Zero;
        for (var i = 0; i < 50; i++)
        {
            await transport.SendAudioAsync(Audio(20 * (i % 7)));
            time.Advance(13 * Ms);
            if (i % 5 == 0)
            {
                await transport.ClearAsync();
            }

            var played = transport.PlayedDuration;
            Assert.That(played, Is.GreaterThanOrEqualTo(last));
            last = played;
        }

        Assert.That(transport.PlayedAudio, Has.Length.EqualTo((int)AudioFormat.Telephony.BytesFor(last)));
    }

    [Test]
    public async Task CallerAudioArrivesAsPooled20MsFramesThenEnded()
    {
        var time = new FakeTimeProvider();
        var transport = new InMemoryTransport(time, AudioFormat.Pcm16Khz);
        transport.SendCallerAudio(new byte[1000]);
        transport.SendCallerAudio(new byte[280]);
        transport.PressKey('#');
        transport.HangUpFromCaller();
        var kinds = new List<string>();
        await foreach (var e in transport.ReadEventsAsync())
        {
            kinds.Add(e.Kind == TransportEventKind.Audio ? $"audio{e.Frame!.Length}" : e.Kind == TransportEventKind.Dtmf ? $"key{e.Digit}" : "ended");
            e.Frame?.Dispose();
        }

        Assert.That(kinds, Is.EqualTo(new[] { "audio640", "audio640", "key#", "ended" }));
        Assert.That(transport.IsEnded, Is.True);
    }

    [Test]
    public async Task AgentHangUpAndTransferEndTheEventStream()
    {
        var time = new FakeTimeProvider();
        var hungUp = new InMemoryTransport(time);
        hungUp.SendCallerAudio(new byte[160]);
        await hungUp.SendAudioAsync(Audio(1000));
        time.Advance(200 * Ms);
        await hungUp.HangUpAsync();
        var events = 0;
        await foreach (var e in hungUp.ReadEventsAsync())
        {
            events++;
        }

        var transferred = new InMemoryTransport(time);
        await transferred.TransferAsync("+15550100");
        Assert.Multiple(() =>
        {
            Assert.That(events, Is.Zero, "queued caller audio is dropped once the agent ends the call");
            Assert.That(hungUp.IsHungUp, Is.True);
            Assert.That(hungUp.PlayedDuration, Is.EqualTo(200 * Ms));
            Assert.That(hungUp.Log[^1].Kind, Is.EqualTo(TransportLogKind.HungUp));
            Assert.That(transferred.TransferredTo, Is.EqualTo("+15550100"));
            Assert.That(transferred.Log[^1], Is.EqualTo(new TransportLogEntry(TimeSpan.Zero, TransportLogKind.Transferred, TimeSpan.Zero, "+15550100")));
        });
    }

    [Test]
    public void AnUnreadEventQueueFailsLoudly()
    {
        var transport = new InMemoryTransport(new FakeTimeProvider());
        Assert.That(() => transport.SendCallerAudio(new byte[160 * (InMemoryTransport.EventCapacity + 1)]), Throws.InvalidOperationException);
        Assert.That(() => transport.PressKey('x'), Throws.TypeOf<ArgumentOutOfRangeException>());
    }
}
