using System.Globalization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;
using VoiceKit;
using VoiceKit.Samples.Console;
using VoiceKit.Testing;
using VoiceKit.Turns;

// A whole simulated phone call to a parcel company's agent, offline: a scripted caller (speech-like audio and the
// words a recogniser would hear, as 8 kHz mu-law), the real VoiceKit session and turn engine, and stand-ins for the
// recogniser, the language model (rule-based, labelled below) and the synthesiser. The call runs in virtual time.
var time = new FakeTimeProvider();
var transport = new InMemoryTransport(time);
var stt = new FakeSpeechToText(time);
var llm = new FakeLanguageModel(time) { Responder = ParcelDesk.Respond };
var tts = new FakeTextToSpeech(time);
var lookup = AIFunctionFactory.Create((string orderNumber) => ParcelDesk.GetOrderStatus(orderNumber, time), "get_order_status", "Looks up where a parcel is, by its order number.");

var agent = new VoiceAgentBuilder()
    .UseSpeechToText(stt)
    .UseLanguageModel(llm)
    .UseTextToSpeech(tts)
    .UseTimeProvider(time)
    .WithInstructions("You answer calls for Acme Parcels. Be brief and friendly.")
    .WithGreeting("Thanks for calling Acme Parcels, how can I help?")
    .WithTools(lookup)
    .Configure(o => o.ToolFillerDelay = TimeSpan.FromSeconds(1))
    .Build();

var caller = new SimulatedCaller(transport, time, stt)
    .WaitForAgent()
    .Say("Hi, I'm calling about my parcel, it hasn't arrived yet.")
    .InterruptAfterAgentSpeaksFor(TimeSpan.FromSeconds(2.5), "Sorry, I have it here. The order number is four five two one.")
    .WaitForAgent(quietFor: TimeSpan.FromSeconds(1.5))
    .Say("Great. Could you send me a text when it's close?")
    .WaitForAgent()
    .Say("No, that's all, thanks. Bye.")
    .WaitUntil(() => transport.IsHungUp, TimeSpan.FromSeconds(30));

Console.WriteLine("VoiceKit demo: a simulated phone call to Acme Parcels (8 kHz mu-law, virtual time).");
Console.WriteLine("Language model: built-in rule-based stand-in (no API key needed). Recogniser and voice: VoiceKit.Testing fakes.");
Console.WriteLine();

var call = agent.StartCall(transport);
var printer = Task.Run(async () =>
{
    await foreach (var e in call.ReadEventsAsync())
    {
        var at = e.Time.ToString(@"mm\:ss\.f", CultureInfo.InvariantCulture);
        switch (e)
        {
            case CallerSpokeEvent c:
                Console.WriteLine($"[{at}] caller: {c.Text}");
                break;
            case AgentSpokeEvent a when a.Text.Length > 0:
                Console.WriteLine($"[{at}] agent:  {a.Text}{(a.Interrupted ? "  <- interrupted here" : "")}");
                break;
            case TurnDecisionEvent { Turn.Kind: TurnEventKind.Interruption } t:
                Console.WriteLine($"[{at}]   (barge-in after {t.Turn.SpeechDuration.TotalMilliseconds:0} ms of caller speech: agent stops, audio cleared)");
                break;
            case ToolCalledEvent t:
                Console.WriteLine($"[{at}]   (tool {t.Name}({t.Arguments}) took {t.Elapsed.TotalSeconds:0.0} s -> {t.Result})");
                break;
            case TurnMetricsEvent m:
                var x = m.Metrics;
                Console.WriteLine($"[{at}]   latency: endpointing {Ms(x.EndOfUtteranceDelay)} | STT final {Ms(x.SpeechToTextFinalDelay)} | LLM first token {Ms(x.LanguageModelTimeToFirstToken)} | TTS first byte {Ms(x.TextToSpeechTimeToFirstByte)} | total {Ms(x.TurnLatency)}");
                break;
        }
    }
});

await caller.RunAsync();
VirtualTime.Advance(time, TimeSpan.FromSeconds(1));
var summary = await call.Completion.WaitAsync(TimeSpan.FromSeconds(30));
await call.DisposeAsync();
await printer;

Console.WriteLine();
Console.WriteLine($"Call ended: {summary.EndReason} after {summary.Duration.TotalSeconds:0.0} s; {summary.Turns} turns, {summary.Interruptions} interruption(s), {summary.ToolCalls} tool call(s).");
var latencies = summary.TurnMetrics.Where(m => m.TurnLatency is not null).Select(m => m.TurnLatency!.Value.TotalMilliseconds).Order().ToList();
if (latencies.Count > 0)
{
    Console.WriteLine($"Caller stop -> first agent audio: median {latencies[latencies.Count / 2]:0} ms (fakes: STT 150 ms, LLM first token 300 ms, TTS first byte 150 ms).");
}

return summary.EndReason == CallEndReason.AgentHungUp ? 0 : 1;

static string Ms(TimeSpan? value) => value is { } v ? $"{v.TotalMilliseconds:0} ms" : "-";
