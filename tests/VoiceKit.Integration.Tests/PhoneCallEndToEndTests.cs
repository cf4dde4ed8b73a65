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

        await using var live = new LiveCall(BuildAgent(deepgram, chat, elevenLabs, trackParcel));
        var (caller, clock, call, transport) = (live.Caller, live.Clock, live.Call, live.Transport);
        await caller.SilenceUntilAsync(() => live.AgentHasSaid(1), TimeSpan.FromSeconds(10), clock);
        await caller.SayAsync(question, clock, atHalf: deepgram.DropLatestAsync);
        await caller.SilenceUntilAsync(() => live.AgentHasSaid(2), TimeSpan.FromSeconds(15), clock);
        await caller.SilenceAsync(TimeSpan.FromMilliseconds(200), clock);
        var summary = await live.HangUpAsync();

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
        var spoken = live.Spoken;
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

    [Test]
    [CancelAfter(60_000)]
    public async Task A_barge_in_stops_ElevenLabs_at_once_and_the_heard_text_is_what_was_played()
    {
        const string LongAnswer = "Let me tell you everything about your parcel. It left our depot in Leeds at seven this morning, "
            + "it was scanned at the sorting hub at nine, it is now on a van with eighty other parcels, "
            + "and the driver expects to reach your street some time after four, weather and traffic permitting.";
        const string AfterInterruption = "Of course, take your time.";
        var recognizer = new ScriptedRecognizer();
        var question = ScriptedSpeech.Say("where is my parcel", seed: 5);
        var interruption = ScriptedSpeech.Say("hold on wait a second", seed: 6);
        recognizer.Learn(question);
        recognizer.Learn(interruption);
        await using var deepgram = new DeepgramStandIn(connections: 10, recognizer: recognizer, apiKey: "dg-test-key");
        await using var chat = new ScriptedChatServer(new ScriptedCompletion(Text: LongAnswer), new ScriptedCompletion(Text: AfterInterruption));
        await using var elevenLabs = new ElevenLabsStandIn(apiKey: "el-test-key");

        await using var live = new LiveCall(BuildAgent(deepgram, chat, elevenLabs));
        var (caller, clock, call, transport) = (live.Caller, live.Clock, live.Call, live.Transport);
        await caller.SilenceUntilAsync(() => live.AgentHasSaid(1), TimeSpan.FromSeconds(10), clock);
        var greetingBytes = transport.PlayedAudio.Length;
        var greetingPlayed = transport.PlayedDuration;
        await caller.SayAsync(question, clock);
        await caller.SilenceUntilAsync(() => transport.PlayedDuration > greetingPlayed + TimeSpan.FromMilliseconds(700), TimeSpan.FromSeconds(10), clock);
        await caller.SayAsync(interruption, clock);
        await caller.SilenceUntilAsync(() => live.AgentHasSaid(3), TimeSpan.FromSeconds(15), clock);
        var summary = await live.HangUpAsync();

        Assert.That(summary.Interruptions, Is.EqualTo(1));
        Assert.That(transport.ClearCount, Is.GreaterThanOrEqualTo(1), "queued agent audio was cleared on barge-in");
        var spoken = live.Spoken;
        Assert.That((spoken[1].Interrupted, spoken[2].Text, spoken[2].Interrupted), Is.EqualTo((true, AfterInterruption, false)));

        // What the caller heard of the long answer is what the transport played between the greeting and the last reply.
        var playedAfterGreeting = transport.PlayedAudio.AsSpan(greetingBytes).ToArray();
        var playedWords = ScriptedSpeech.Normalize(ScriptedVoice.Read(playedAfterGreeting, AudioFormat.Telephony)).Split(' ');
        var heardWords = ScriptedSpeech.Normalize(spoken[1].Text).Split(' ');
        var answerWords = ScriptedSpeech.Normalize(LongAnswer).Split(' ');
        Assert.That(heardWords.Length, Is.GreaterThan(3).And.LessThan(answerWords.Length), "cut off part way");
        Assert.That(answerWords.Take(heardWords.Length), Is.EqualTo(heardWords), "the heard text is the start of the answer");
        Assert.That(playedWords.Take(heardWords.Length), Is.EqualTo(heardWords), "every word recorded as heard was played");
        var playedOfAnswer = playedWords.Length - ScriptedSpeech.Normalize(AfterInterruption).Split(' ').Length;
        Assert.That(playedOfAnswer - heardWords.Length, Is.InRange(0, 1), "at most the word being spoken when the caller cut in is left out");

        // The history keeps the heard part only, so the model knows what the caller did not hear.
        var assistant = call.GetHistory().Where(m => m.Role == ChatRole.Assistant).Select(m => m.Text).ToList();
        Assert.That(assistant, Has.Some.EqualTo(spoken[1].Text));
        Assert.That(assistant, Has.None.EqualTo(LongAnswer));
    }

    private static VoiceAgent BuildAgent(DeepgramStandIn deepgram, ScriptedChatServer chat, ElevenLabsStandIn elevenLabs, params AITool[] tools) =>
        new VoiceAgentBuilder()
            .UseSpeechToText(new DeepgramSpeechToTextOptions { ApiKey = "dg-test-key", Endpoint = deepgram.Endpoint }.AsDeepgramSpeechToText())
            .UseLanguageModel(new OpenAIVoiceOptions { ApiKey = "oa-test-key", Endpoint = chat.Endpoint }.AsOpenAILanguageModel())
            .UseTextToSpeech(new ElevenLabsTextToSpeechOptions { ApiKey = "el-test-key", Endpoint = elevenLabs.Endpoint }.AsElevenLabsTextToSpeech())
            .WithInstructions("You answer calls for Acme Parcels.")
            .WithGreeting(Greeting)
            .WithTools(tools)
            .Build();
}
