using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using VoiceKit.Audio;
using VoiceKit.Turns;

namespace VoiceKit.Testing.Tests;

public sealed class SimulatedCallerTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    [Test]
    public async Task SpeechIsDetectedAsSpeechAndTheLineNoiseIsNot()
    {
        var time = new FakeTimeProvider();
        var transport = new InMemoryTransport(time);
        var caller = new SimulatedCaller(transport, time)
            .Silence(TimeSpan.FromSeconds(2))
            .Say("I would like to check the status of my order please")
            .Silence(TimeSpan.FromSeconds(2))
            .Say("thanks")
            .Silence(TimeSpan.FromSeconds(1))
            .HangUp();
        var probabilities = new List<float>();
        var reading = Task.Run(async () =>
        {
            var vad = new AdaptiveVoiceActivityDetector(8_000);
            var pcm = new short[160];
            await foreach (var e in transport.ReadEventsAsync())
            {
                if (e.Frame is { } frame)
                {
                    MuLaw.Decode(frame.Span, pcm);
                    probabilities.Add(vad.Process(pcm));
                    frame.Dispose();
                }
            }
        });
        await caller.RunAsync();
        await reading;

        // 51 characters at 14 per second: 3.64 s, 183 frames; "thanks": 0.43 s, 22 frames. The detector holds for 250 ms after speech.
        var phrase1 = probabilities.Skip(100).Take(183).ToList();
        var phrase2 = probabilities.Skip(100 + 183 + 100).Take(22).ToList();
        var noise = probabilities.Take(100)
            .Concat(probabilities.Skip(100 + 183 + 15).Take(85))
            .Concat(probabilities.Skip(100 + 183 + 100 + 22 + 15)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(probabilities, Has.Count.EqualTo(100 + 183 + 100 + 22 + 50));
            Assert.That(phrase1.Count(p => p > 0.5f), Is.GreaterThanOrEqualTo(phrase1.Count * 95 / 100), "first phrase is speech");
            Assert.That(phrase2.Count(p => p > 0.5f), Is.GreaterThanOrEqualTo(phrase2.Count * 9 / 10), "second phrase is speech");
            Assert.That(noise, Is.All.LessThan(0.5f), "line noise is not speech");
        });
    }

    [Test]
    public void SpeechIsAtTheConfiguredLevel()
    {
        var time = new FakeTimeProvider();
        var transport = new InMemoryTransport(time, AudioFormat.Pcm16Khz);
        var caller = new SimulatedCaller(transport, time).Say("hello there how are you");
        var samples = new List<short>();
        var reading = Task.Run(async () =>
        {
            await foreach (var e in transport.ReadEventsAsync())
            {
                if (e.Frame is { } frame)
                {
                    var pcm = new short[320];
                    AudioCodec.Decode(AudioEncoding.Pcm16, frame.Span, pcm);
                    samples.AddRange(pcm);
                    frame.Dispose();
                }
            }
        });
        caller.HangUp().RunAsync().Wait();
        reading.Wait();
        var rms = Math.Sqrt(samples.Average(s => (double)s * s));
        Assert.That(20 * Math.Log10(rms / 32768), Is.EqualTo(-20).Within(0.5));
    }

    [Test]
    public async Task WordsReachTheRecogniserAtTheirAudioTimes()
    {
        var time = new FakeTimeProvider();
        var transport = new InMemoryTransport(time);
        var stt = new FakeSpeechToText(time);
        var agent = new EchoAgent(transport, stt, new FakeLanguageModel(time) { Responder = _ => FakeReply.Say("Okay.") }, new FakeTextToSpeech(time));
        var running = agent.RunAsync(CancellationToken.None);
        var caller = new SimulatedCaller(transport, time, stt) { CharactersPerSecond = 10 }
            .Silence(TimeSpan.FromSeconds(1))
            .Say("my order")          // 0.8 s: "my" 0-0.2 s, "order" 0.3-0.8 s
            .Silence(200 * Ms)
            .Say("is late")           // 0.7 s
            .Silence(TimeSpan.FromSeconds(2))
            .HangUp();
        await caller.RunAsync();
        await running;

        Assert.That(stt.Updates.Select(u => $"{u.Time.TotalMilliseconds} {u.Update.Kind} {u.Update.Text}"), Is.EqualTo(new[]
        {
            "1360 interim my",
            "1960 interim my order",
            "2360 interim my order is",
            "2860 interim my order is late",
            "3160 final my order is late",
        }));
        Assert.That(agent.Events, Is.EqualTo(new[] { "user: my order is late" }));
    }

    [Test]
    public async Task KeysAndHangUpReachTheTransport()
    {
        var time = new FakeTimeProvider();
        var transport = new InMemoryTransport(time);
        var digits = "";
        var reading = Task.Run(async () =>
        {
            await foreach (var e in transport.ReadEventsAsync())
            {
                e.Frame?.Dispose();
                if (e.Kind == TransportEventKind.Dtmf)
                {
                    digits += e.Digit;
                }
            }
        });
        var caller = new SimulatedCaller(transport, time).PressKeys("12#").HangUp().Silence(TimeSpan.FromSeconds(5));
        await caller.RunAsync();
        await reading;
        Assert.Multiple(() =>
        {
            Assert.That(digits, Is.EqualTo("12#"));
            Assert.That(caller.Elapsed, Is.EqualTo(600 * Ms), "the script stops at the hang-up");
            Assert.That(transport.Log.Select(e => e.ToString()), Is.EqualTo(new[]
            {
                "00:00:00 KeyPressed played=00:00:00 1",
                "00:00:00.2000000 KeyPressed played=00:00:00 2",
                "00:00:00.4000000 KeyPressed played=00:00:00 #",
                "00:00:00.6000000 CallerHungUp played=00:00:00",
            }));
        });
    }

    [Test]
    public void WaitingForAnAgentThatNeverSpeaksTimesOut()
    {
        var time = new FakeTimeProvider();
        var transport = new InMemoryTransport(time);
        var reading = Task.Run(async () =>
        {
            await foreach (var e in transport.ReadEventsAsync())
            {
                e.Frame?.Dispose();
            }
        });
        var caller = new SimulatedCaller(transport, time).WaitForAgent(timeout: TimeSpan.FromSeconds(2));
        Assert.That(async () => await caller.RunAsync(), Throws.TypeOf<TimeoutException>());
        Assert.That(caller.Elapsed, Is.EqualTo(TimeSpan.FromSeconds(2)));
        transport.HangUpFromCaller();
        reading.Wait();
    }

    [Test]
    public async Task BargeInHappensAfterTheAgentWasAudibleThatLong()
    {
        var call = await RunScenarioAsync(minute: false);
        var (agent, transport, _, llm, tts, _) = call;
        Assert.Multiple(() =>
        {
            Assert.That(agent.BargeIns, Is.EqualTo(1));
            Assert.That(transport.ClearCount, Is.EqualTo(1));
            Assert.That(llm.Requests, Has.Count.EqualTo(3));
            var cleared = transport.Log.Single(e => e.Kind == TransportLogKind.Cleared);
            var started = transport.Log.Last(e => e.Kind == TransportLogKind.PlaybackStarted && e.Time < cleared.Time);
            Assert.That(cleared.PlayedDuration - started.PlayedDuration, Is.InRange(TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(1.5) + (300 * Ms)),
                "caller starts after 1.5 s of agent audio; the agent reacts 200 ms later");
        });
    }

    [Test]
    public async Task TheSameScriptGivesTheSameCallTwiceAndAMinuteRunsInSeconds()
    {
        var watch = Stopwatch.StartNew();
        var first = await RunScenarioAsync(minute: true);
        var firstElapsed = watch.Elapsed;
        var second = await RunScenarioAsync(minute: true);
        TestContext.Out.WriteLine($"60 s call in {firstElapsed.TotalMilliseconds:0} ms real time");
        Assert.Multiple(() =>
        {
            Assert.That(first.Caller.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(60)));
            Assert.That(firstElapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
            Assert.That(Describe(second), Is.EqualTo(Describe(first)));
            Assert.That(first.Transport.PlayedAudio, Is.EqualTo(second.Transport.PlayedAudio));
            Assert.That(first.Agent.BargeIns, Is.EqualTo(2));
        });
    }

    private static List<string> Describe((EchoAgent Agent, InMemoryTransport Transport, FakeSpeechToText Stt, FakeLanguageModel Llm, FakeTextToSpeech Tts, SimulatedCaller Caller) call) =>
    [
        .. call.Agent.Events,
        .. call.Transport.Log.Select(e => e.ToString()),
        .. call.Stt.Updates.Select(u => $"{u.Time} {u.Update}"),
        .. call.Tts.Segments,
        $"requests={call.Llm.Requests.Count} cancelled={call.Llm.CancelledCount} abandoned={call.Tts.StreamsAbandoned}",
    ];

    private static async Task<(EchoAgent Agent, InMemoryTransport Transport, FakeSpeechToText Stt, FakeLanguageModel Llm, FakeTextToSpeech Tts, SimulatedCaller Caller)> RunScenarioAsync(bool minute)
    {
        var time = new FakeTimeProvider();
        var transport = new InMemoryTransport(time);
        var stt = new FakeSpeechToText(time);
        var llm = new FakeLanguageModel(time)
        {
            Responder = messages => FakeReply.Say($"You said {messages[^1].Text}. Is there anything else I can help you with today? I am happy to help."),
        };
        var tts = new FakeTextToSpeech(time);
        var agent = new EchoAgent(transport, stt, llm, tts);
        var running = agent.RunAsync(CancellationToken.None);
        var caller = new SimulatedCaller(transport, time, stt)
            .Silence(TimeSpan.FromSeconds(1))
            .Say("hello I need help with my order")
            .WaitForAgent()
            .Say("it was due yesterday")
            .InterruptAfterAgentSpeaksFor(TimeSpan.FromSeconds(1.5), "sorry what was that")
            .WaitForAgent();
        if (minute)
        {
            caller.Say("can you check it again")
                .InterruptAfterAgentSpeaksFor(TimeSpan.FromSeconds(0.8), "no wait")
                .WaitForAgent()
                .PressKeys("1234#")
                .Say("that is my order number")
                .WaitForAgent();
            await caller.RunAsync();
            caller.Silence(TimeSpan.FromSeconds(60) - caller.Elapsed);
        }

        await caller.HangUp().RunAsync();
        await running;
        return (agent, transport, stt, llm, tts, caller);
    }
}
