using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;
using VoiceKit.Testing;

namespace VoiceKit.Tests.Agents;

/// <summary>One simulated phone call in virtual time: fakes for every provider, an in-memory transport and a caller.</summary>
internal sealed class CallScenario
{
    public CallScenario(Action<VoiceAgentOptions>? configure = null, params AITool[] tools)
        : this(configure, wrapTextToSpeech: null, call: null, tools)
    {
    }

    /// <summary>A scenario whose synthesiser is the fake wrapped by <paramref name="wrapTextToSpeech"/> (to misbehave as a real adapter might), on a call described by <paramref name="call"/>.</summary>
    public CallScenario(Action<VoiceAgentOptions>? configure, Func<ITextToSpeech, ITextToSpeech>? wrapTextToSpeech, CallInfo? call, params AITool[] tools)
    {
        Transport = new InMemoryTransport(Time, call: call);
        SpeechToText = new FakeSpeechToText(Time);
        LanguageModel = new FakeLanguageModel(Time);
        TextToSpeech = new FakeTextToSpeech(Time);
        Caller = new SimulatedCaller(Transport, Time, SpeechToText);
        Agent = new VoiceAgentBuilder()
            .UseSpeechToText(SpeechToText)
            .UseLanguageModel(LanguageModel)
            .UseTextToSpeech(wrapTextToSpeech is null ? TextToSpeech : wrapTextToSpeech(TextToSpeech))
            .UseTimeProvider(Time)
            .WithInstructions("You answer calls for Acme Parcels.")
            .WithTools(tools)
            .Configure(o => configure?.Invoke(o))
            .Build();
    }

    public FakeTimeProvider Time { get; } = new();

    public InMemoryTransport Transport { get; }

    public FakeSpeechToText SpeechToText { get; }

    public FakeLanguageModel LanguageModel { get; }

    public FakeTextToSpeech TextToSpeech { get; }

    public SimulatedCaller Caller { get; }

    public VoiceAgent Agent { get; }

    public VoiceCall Call { get; private set; } = null!;

    public List<CallEvent> Events { get; } = [];

    public CallSummary Summary { get; private set; } = null!;

    /// <summary>Runs the caller's script, then waits for the call to end and collects its events.</summary>
    public async Task<CallScenario> RunAsync()
    {
        Call = Agent.StartCall(Transport);
        var events = Task.Run(async () =>
        {
            await foreach (var e in Call.ReadEventsAsync())
            {
                Events.Add(e);
            }
        });
        await Caller.RunAsync().WaitAsync(TimeSpan.FromSeconds(60));
        VirtualTime.Advance(Time, TimeSpan.FromSeconds(1));
        Summary = await Call.Completion.WaitAsync(TimeSpan.FromSeconds(20));
        await Call.DisposeAsync();
        await events.WaitAsync(TimeSpan.FromSeconds(5));
        return this;
    }

    public IReadOnlyList<ChatMessage> History => Call.GetHistory();

    public IEnumerable<T> Of<T>() where T : CallEvent => Events.OfType<T>();

    public string Describe() => string.Join("\n", Events.Where(e => e is not TurnDecisionEvent { Turn.Kind: VoiceKit.Turns.TurnEventKind.SpeechStarted or VoiceKit.Turns.TurnEventKind.SpeechStopped })
        .Select(e => $"{e.Time.TotalMilliseconds,7:0} {e}"));
}
