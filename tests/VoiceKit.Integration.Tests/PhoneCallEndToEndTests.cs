using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.AI;
using VoiceKit.Audio;
using VoiceKit.Conformance;
using VoiceKit.Deepgram;
using VoiceKit.Deepgram.Tests;
using VoiceKit.ElevenLabs;
using VoiceKit.ElevenLabs.Tests;
using VoiceKit.OpenAI;
using VoiceKit.Testing;

namespace VoiceKit.Integration.Tests;

/// <summary>
/// A whole phone call, in real time, through the real adapters: a caller speaking 8 kHz mu-law → Deepgram (local
/// stand-in) → OpenAI chat with a streamed tool call (local stand-in) → ElevenLabs (local stand-in) → the in-memory
/// transport, with Deepgram's socket dropped in the middle of the caller's sentence.
/// </summary>
public sealed class PhoneCallEndToEndTests
{
    private const string Greeting = "Thanks for calling Acme Parcels. How can I help?";
    private const string Answer = "Parcel four two seven is out for delivery. It should reach you by six tonight.";

    [Test]
    [CancelAfter(60_000)]
    public async Task A_call_through_Deepgram_OpenAI_and_ElevenLabs_loses_no_words_and_reports_every_latency()
    {
        var recognizer = new ScriptedRecognizer();
        var question = ScriptedSpeech.Say("where is my parcel number four two seven", seed: 3);
        recognizer.Learn(question);
        await using var deepgram = new DeepgramStandIn(connections: 10, recognizer: recognizer, apiKey: "dg-test-key");
        await using var chat = new ScriptedChatServer(
            new ScriptedCompletion(ToolName: "track_parcel", ToolArguments: """{"number":"427"}"""),
            new ScriptedCompletion(Text: Answer));
        await using var elevenLabs = new ElevenLabsStandIn(apiKey: "el-test-key");
        using var metrics = new ProviderMetricsRecorder();

        var lookups = new List<string>();
        var trackParcel = AIFunctionFactory.Create(
            (string number) =>
            {
                lookups.Add(number);
                return $"Parcel {number}: out for delivery, due by 18:00.";
            },
            "track_parcel",
            "Looks up a parcel by its number.");

        var agent = new VoiceAgentBuilder()
            .UseSpeechToText(new DeepgramSpeechToTextOptions { ApiKey = "dg-test-key", Endpoint = deepgram.Endpoint }.AsDeepgramSpeechToText())
            .UseLanguageModel(new OpenAIVoiceOptions { ApiKey = "oa-test-key", Endpoint = chat.Endpoint }.AsOpenAILanguageModel())
            .UseTextToSpeech(new ElevenLabsTextToSpeechOptions { ApiKey = "el-test-key", Endpoint = elevenLabs.Endpoint }.AsElevenLabsTextToSpeech())
            .WithInstructions("You answer calls for Acme Parcels.")
            .WithGreeting(Greeting)
            .WithTools(trackParcel)
            .Build();

        var transport = new InMemoryTransport(TimeProvider.System, AudioFormat.Telephony);
        await using var call = agent.StartCall(transport);
        var events = new List<CallEvent>();
        var reading = Task.Run(async () =>
        {
            await foreach (var e in call.ReadEventsAsync())
            {
                lock (events)
                {
                    events.Add(e);
                }
            }
        });
        AgentSpokeEvent[] Spoken()
        {
            lock (events)
            {
                return [.. events.OfType<AgentSpokeEvent>()];
            }
        }

        var caller = new RealTimeCaller(transport);
        using var clock = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        await caller.SilenceUntilAsync(() => Spoken().Length == 1 && !transport.IsPlaying, TimeSpan.FromSeconds(10), clock);
        await caller.SayAsync(question, clock, atHalf: deepgram.DropLatestAsync);
        await caller.SilenceUntilAsync(() => Spoken().Length == 2 && !transport.IsPlaying, TimeSpan.FromSeconds(15), clock);
        await caller.SilenceAsync(TimeSpan.FromMilliseconds(200), clock);
        transport.HangUpFromCaller();
        var summary = await call.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        await reading.WaitAsync(TimeSpan.FromSeconds(5));

        // No words lost: the socket dropped mid-sentence, the adapter reconnected and replayed, the agent heard it all.
        Assert.That(deepgram.UpgradeRequests, Is.EqualTo(2), "Deepgram was reconnected once");
        var heardFromCaller = call.GetHistory().Where(m => m.Role == ChatRole.User).Select(m => ScriptedSpeech.Normalize(m.Text)).ToList();
        Assert.That(heardFromCaller, Is.EqualTo(new[] { question.Transcript }), "the caller's sentence, every word of it");

        // The language model got the transcript, called the tool through a streamed tool call, and then answered.
        Assert.That(lookups, Is.EqualTo(new[] { "427" }));
        var requests = chat.Requests.ToArray();
        Assert.That(requests, Has.Length.EqualTo(2));
        var toolMessage = requests[1].RootElement.GetProperty("messages").EnumerateArray().Single(m => m.GetProperty("role").GetString() == "tool");
        Assert.That(toolMessage.GetProperty("tool_call_id").GetString(), Is.EqualTo("call_vk7Qx2parcel"));
        Assert.That(toolMessage.GetProperty("content").GetString(), Does.Contain("out for delivery"));
        Assert.That(chat.Authorizations, Has.All.EqualTo("Bearer oa-test-key"));

        // Heard text: what the session says the caller heard is what ElevenLabs' audio actually speaks, exactly.
        var spoken = Spoken();
        Assert.That(spoken.Select(s => (s.Text, s.Interrupted)), Is.EqualTo(new[] { (Greeting, false), (Answer, false) }));
        var played = ScriptedVoice.Read(transport.PlayedAudio, AudioFormat.Telephony);
        Assert.That(ScriptedSpeech.Normalize(played), Is.EqualTo(ScriptedSpeech.Normalize(Greeting + " " + Answer)), "the played mu-law audio speaks the greeting and the answer");

        // Per-turn metrics: every stage measured for the caller's turn.
        Assert.That(summary.EndReason, Is.EqualTo(CallEndReason.CallerHungUp));
        var turn = summary.TurnMetrics.Single();
        Assert.Multiple(() =>
        {
            Assert.That(turn.EndOfUtteranceDelay, Is.GreaterThan(TimeSpan.Zero).And.LessThan(TimeSpan.FromSeconds(3)));
            Assert.That(turn.SpeechToTextFinalDelay, Is.Not.Null.And.LessThan(TimeSpan.FromSeconds(3)));
            Assert.That(turn.LanguageModelTimeToFirstToken, Is.Not.Null.And.GreaterThan(TimeSpan.Zero).And.LessThan(TimeSpan.FromSeconds(3)));
            Assert.That(turn.TextToSpeechTimeToFirstByte, Is.Not.Null.And.GreaterThan(TimeSpan.Zero).And.LessThan(TimeSpan.FromSeconds(3)));
            Assert.That(turn.TurnLatency, Is.Not.Null.And.GreaterThan(turn.EndOfUtteranceDelay).And.LessThan(TimeSpan.FromSeconds(5)));
        });

        // Per-adapter metrics: connections timed, the reconnect counted, first results timed.
        Assert.Multiple(() =>
        {
            Assert.That(metrics.Count("voicekit.provider.reconnects", "deepgram", "stt"), Is.EqualTo(1));
            Assert.That(metrics.Count("voicekit.provider.connect.duration", "deepgram", "stt"), Is.EqualTo(2));
            Assert.That(metrics.Count("voicekit.provider.connect.duration", "elevenlabs", "tts"), Is.GreaterThanOrEqualTo(2));
            Assert.That(metrics.Count("voicekit.provider.time_to_first_result", "deepgram", "stt"), Is.GreaterThanOrEqualTo(1));
            Assert.That(metrics.Count("voicekit.provider.time_to_first_result", "elevenlabs", "tts"), Is.EqualTo(2));
        });
    }
}

/// <summary>Collects the provider metrics (<see cref="ProviderMetrics"/>) recorded while it lives.</summary>
internal sealed class ProviderMetricsRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly List<(string Instrument, string? Provider, string? Port)> _measurements = [];

    public ProviderMetricsRecorder()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "VoiceKit" && instrument.Name.StartsWith("voicekit.provider.", StringComparison.Ordinal))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((instrument, _, tags, _) => Add(instrument, tags));
        _listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) => Add(instrument, tags));
        _listener.Start();
    }

    public int Count(string instrument, string provider, string port)
    {
        lock (_measurements)
        {
            return _measurements.Count(m => m.Instrument == instrument && m.Provider == provider && m.Port == port);
        }
    }

    public void Dispose() => _listener.Dispose();

    private void Add(Instrument instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string? provider = null, port = null;
        foreach (var tag in tags)
        {
            if (tag.Key == "voicekit.provider")
            {
                provider = tag.Value as string;
            }
            else if (tag.Key == "voicekit.port")
            {
                port = tag.Value as string;
            }
        }

        lock (_measurements)
        {
            _measurements.Add((instrument.Name, provider, port));
        }
    }
}
