using Microsoft.Extensions.Time.Testing;
using VoiceKit.Audio;

namespace VoiceKit.Testing.Tests;

public sealed class FakeTextToSpeechTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    private static async Task<List<(double Ms, SpeechAudio Audio)>> ReadAll(FakeTimeProvider time, ITextToSpeechStream stream, TimeSpan run)
    {
        var start = time.GetTimestamp();
        var chunks = new List<(double, SpeechAudio)>();
        var reading = Task.Run(async () =>
        {
            await foreach (var chunk in stream.ReadAudioAsync())
            {
                // A chunk's memory is valid until the next read (the ITextToSpeechStream contract): keep a copy.
                chunks.Add((time.GetElapsedTime(start).TotalMilliseconds, chunk with { Audio = chunk.Audio.ToArray() }));
            }
        });
        VirtualTime.Advance(time, run, 10 * Ms);
        await reading;
        return chunks;
    }

    [Test]
    public async Task EachSegmentArrivesAfterTimeToFirstByteIn20MsChunksTaggedWithItsIndex()
    {
        var time = new FakeTimeProvider();
        var tts = new FakeTextToSpeech(time) { DurationPerCharacter = 10 * Ms };
        var format = tts.SelectOutputFormat(AudioFormat.Telephony);
        await using var stream = await tts.StartAsync(format);
        await stream.SendTextAsync("Hello there."); // 12 chars: 120 ms
        await stream.SendTextAsync("Bye.");          // 4 chars: 40 ms
        await stream.FlushAsync();
        var chunks = await ReadAll(time, stream, TimeSpan.FromSeconds(1));

        Assert.Multiple(() =>
        {
            Assert.That(chunks.Select(c => c.Audio.Segment), Is.EqualTo(new[] { 0, 0, 0, 0, 0, 0, 1, 1 }));
            Assert.That(chunks.Select(c => c.Ms).Distinct(), Is.EqualTo(new[] { 150.0 }), "both ready at 150 ms, faster than real time");
            Assert.That(chunks.Sum(c => c.Audio.Audio.Length), Is.EqualTo(160 * 8));
            Assert.That(chunks.Select(c => FakeTextToSpeech.IdentifySegment(c.Audio.Audio.Span, format)), Is.EqualTo(new int?[] { 0, 0, 0, 0, 0, 0, 1, 1 }));
            Assert.That(tts.Segments, Is.EqualTo(new[] { "Hello there.", "Bye." }));
            Assert.That(tts.StreamsAbandoned, Is.Zero);
        });
    }

    [Test]
    public async Task ProducesPcm16AtTheRequestedRateAndTheToneSurvivesDecoding()
    {
        var time = new FakeTimeProvider();
        var tts = new FakeTextToSpeech(time) { TimeToFirstByte = 50 * Ms };
        await using var stream = await tts.StartAsync(AudioFormat.Pcm24Khz);
        for (var i = 0; i < 5; i++)
        {
            await stream.SendTextAsync("ab");
        }

        await stream.FlushAsync();
        var chunks = await ReadAll(time, stream, TimeSpan.FromMilliseconds(200));
        Assert.Multiple(() =>
        {
            Assert.That(chunks, Has.Count.EqualTo(5 * 6));
            Assert.That(chunks.Select(c => c.Audio.Audio.Length), Is.All.EqualTo(960));
            Assert.That(chunks.Select(c => FakeTextToSpeech.IdentifySegment(c.Audio.Audio.Span, AudioFormat.Pcm24Khz)), Is.EqualTo(chunks.Select(c => (int?)c.Audio.Segment)));
        });
    }

    [Test]
    public async Task LaterSegmentsWaitForTheirOwnTimeToFirstByte()
    {
        var time = new FakeTimeProvider();
        var tts = new FakeTextToSpeech(time);
        await using var stream = await tts.StartAsync(AudioFormat.Telephony);
        await stream.SendTextAsync("a");
        var times = new List<(double, int)>();
        var start = time.GetTimestamp();
        var reading = Task.Run(async () =>
        {
            await foreach (var chunk in stream.ReadAudioAsync())
            {
                times.Add((time.GetElapsedTime(start).TotalMilliseconds, chunk.Segment));
            }
        });
        VirtualTime.Advance(time, 400 * Ms, 10 * Ms);
        await stream.SendTextAsync("b");
        await stream.FlushAsync();
        VirtualTime.Advance(time, 400 * Ms, 10 * Ms);
        await reading;
        Assert.That(times.Distinct(), Is.EqualTo(new[] { (150.0, 0), (400.0 + 150.0, 1) }));
    }

    [Test]
    public async Task DisposingBeforeTheEndCountsAsAbandoned()
    {
        var time = new FakeTimeProvider();
        var tts = new FakeTextToSpeech(time);
        var stream = await tts.StartAsync(AudioFormat.Telephony);
        await stream.SendTextAsync("a long sentence that is interrupted");
        VirtualTime.Advance(time, 200 * Ms);
        await stream.DisposeAsync();
        await stream.DisposeAsync();
        Assert.That((tts.StreamsOpened, tts.StreamsAbandoned), Is.EqualTo((1, 1)));
        Assert.That(() => stream.SendTextAsync("more"), Throws.TypeOf<ObjectDisposedException>());
    }

    [Test]
    public void SilenceIsNotASegment() =>
        Assert.That(FakeTextToSpeech.IdentifySegment(new byte[160].Select(_ => (byte)0xFF).ToArray(), AudioFormat.Telephony), Is.Null);
}
