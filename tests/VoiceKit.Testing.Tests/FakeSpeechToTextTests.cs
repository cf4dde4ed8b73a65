using Microsoft.Extensions.Time.Testing;
using VoiceKit.Audio;

namespace VoiceKit.Testing.Tests;

public sealed class FakeSpeechToTextTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);
    private static readonly byte[] Frame = new byte[160];

    private static async Task<List<(TimeSpan, TranscriptUpdate)>> Collect(FakeTimeProvider time, ISpeechToTextStream stream, int frames)
    {
        // FakeTimeProvider fires a timer at the end of the Advance that passes its due time: 10 ms steps keep these exact.
        for (var i = 0; i < frames; i++)
        {
            time.Advance(10 * Ms);
            time.Advance(10 * Ms);
            await stream.SendAudioAsync(Frame);
        }

        await stream.DisposeAsync();
        return [];
    }

    [Test]
    public async Task EmitsEachWordAsInterimAfterLatencyAndAnEndpointFinalAfterSilence()
    {
        var time = new FakeTimeProvider();
        var stt = new FakeSpeechToText(time);
        var stream = await stt.StartAsync(stt.SelectInputFormat(AudioFormat.Telephony));
        stt.Expect([("hello", 100 * Ms, 400 * Ms), ("there", 400 * Ms, 700 * Ms), ("again", 1500 * Ms, 1800 * Ms)]);
        await Collect(time, stream, 150);

        Assert.That(stt.Updates.Select(u => $"{u.Time.TotalMilliseconds} {u.Update.Kind} {u.Update.Text} {u.Update.IsEndpoint}"), Is.EqualTo(new[]
        {
            "550 interim hello False",
            "850 interim hello there False",
            "1150 final hello there True",
            "1950 interim again False",
            "2250 final again True",
        }));
        Assert.Multiple(() =>
        {
            Assert.That(stt.ReceivedAudio, Is.EqualTo(150 * 160));
            Assert.That(stt.Updates[2].Update.Start, Is.EqualTo(100 * Ms));
            Assert.That(stt.Updates[2].Update.Duration, Is.EqualTo(600 * Ms));
        });
    }

    [Test]
    public async Task ShortPausesStayInOneRun()
    {
        var time = new FakeTimeProvider();
        var stt = new FakeSpeechToText(time) { Latency = TimeSpan.Zero, Endpointing = 500 * Ms };
        var stream = await stt.StartAsync(AudioFormat.Telephony);
        stt.Expect([("one", 0 * Ms, 200 * Ms), ("two", 600 * Ms, 800 * Ms)]);
        await Collect(time, stream, 100);
        Assert.That(stt.Updates.Select(u => $"{u.Time.TotalMilliseconds} {u.Update.Kind} {u.Update.Text}"), Is.EqualTo(new[]
        {
            "200 interim one", "800 interim one two", "1300 final one two",
        }));
    }

    [Test]
    public async Task ReaderSeesUpdatesInOrder()
    {
        var time = new FakeTimeProvider();
        var stt = new FakeSpeechToText(time);
        var stream = await stt.StartAsync(AudioFormat.Telephony);
        stt.Expect([("yes", 0 * Ms, 300 * Ms)]);
        var reading = Task.Run(async () =>
        {
            var texts = new List<string>();
            await foreach (var u in stream.ReadUpdatesAsync())
            {
                texts.Add($"{u.Kind}:{u.Text}");
            }

            return texts;
        });
        await Collect(time, stream, 60);
        Assert.That(await reading, Is.EqualTo(new[] { "interim:yes", "final:yes" }));
    }

    [Test]
    public async Task FinalizeEmitsThePendingRunAtOnceAndDropsItsLateInterims()
    {
        var time = new FakeTimeProvider();
        var stt = new FakeSpeechToText(time);
        var stream = await stt.StartAsync(AudioFormat.Telephony);
        stt.Expect([("my", 0 * Ms, 200 * Ms), ("order", 200 * Ms, 500 * Ms)]);
        for (var i = 0; i < 25; i++)
        {
            time.Advance(10 * Ms);
            time.Advance(10 * Ms);
            await stream.SendAudioAsync(Frame);
        }

        await stream.FinalizeAsync();
        await Collect(time, stream, 50);
        Assert.That(stt.Updates.Select(u => $"{u.Time.TotalMilliseconds} {u.Update.Kind} {u.Update.Text} {u.Update.IsEndpoint}"), Is.EqualTo(new[]
        {
            "350 interim my False",
            "500 final my order False",
        }));
    }

    [Test]
    public async Task WordsScriptedBeforeTheStreamOpensApplyToIt()
    {
        var time = new FakeTimeProvider();
        var stt = new FakeSpeechToText(time) { Latency = TimeSpan.Zero };
        stt.Expect([("hi", 0 * Ms, 100 * Ms)]);
        var stream = await stt.StartAsync(AudioFormat.Pcm16Khz);
        for (var i = 0; i < 30; i++)
        {
            time.Advance(20 * Ms);
            await stream.SendAudioAsync(new byte[640]);
        }

        Assert.That(stt.Updates.Select(u => u.Update.Text), Is.EqualTo(new[] { "hi", "hi" }));
        Assert.That(stt.StreamsOpened, Is.EqualTo(1));
    }

    [Test]
    public async Task FailAfterMakesTheStreamThrowMidCall()
    {
        var time = new FakeTimeProvider();
        var stt = new FakeSpeechToText(time) { FailAfter = TimeSpan.FromSeconds(1), Failure = new TimeoutException("gone") };
        var stream = await stt.StartAsync(AudioFormat.Telephony);
        var reading = Task.Run(async () =>
        {
            await foreach (var _ in stream.ReadUpdatesAsync())
            {
            }
        });
        for (var i = 0; i < 50; i++)
        {
            await stream.SendAudioAsync(Frame);
        }

        Assert.That(async () => await reading, Throws.TypeOf<TimeoutException>().With.Message.EqualTo("gone"));
        Assert.That(async () => await stream.SendAudioAsync(Frame), Throws.TypeOf<TimeoutException>());
    }

    [Test]
    public async Task FailNowEndsTheOpenStreamWithTheException()
    {
        var stt = new FakeSpeechToText(new FakeTimeProvider());
        var stream = await stt.StartAsync(AudioFormat.Telephony);
        stt.Fail();
        Assert.That(async () =>
        {
            await foreach (var _ in stream.ReadUpdatesAsync())
            {
            }
        }, Throws.TypeOf<IOException>());
    }
}
