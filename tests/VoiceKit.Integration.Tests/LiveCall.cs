using VoiceKit.Audio;
using VoiceKit.Testing;

namespace VoiceKit.Integration.Tests;

/// <summary>One call in real time: an in-memory phone line (8 kHz mu-law), the agent's call on it, its events as they come, and a caller with a 20 ms clock.</summary>
internal sealed class LiveCall : IAsyncDisposable
{
    private readonly List<CallEvent> _events = [];
    private readonly Task _reading;

    public LiveCall(VoiceAgent agent)
    {
        Call = agent.StartCall(Transport);
        Caller = new RealTimeCaller(Transport);
        _reading = Task.Run(async () =>
        {
            await foreach (var e in Call.ReadEventsAsync())
            {
                lock (_events)
                {
                    _events.Add(e);
                }
            }
        });
    }

    public InMemoryTransport Transport { get; } = new(TimeProvider.System, AudioFormat.Telephony);

    public VoiceCall Call { get; }

    public RealTimeCaller Caller { get; }

    public PeriodicTimer Clock { get; } = new(TimeSpan.FromMilliseconds(20));

    /// <summary>What the agent said so far, as the caller heard it.</summary>
    public AgentSpokeEvent[] Spoken
    {
        get
        {
            lock (_events)
            {
                return [.. _events.OfType<AgentSpokeEvent>()];
            }
        }
    }

    /// <summary>Whether the agent has finished <paramref name="replies"/> replies and nothing is playing.</summary>
    public bool AgentHasSaid(int replies) => Spoken.Length == replies && !Transport.IsPlaying;

    /// <summary>The caller hangs up; returns the call's summary once every event has been read.</summary>
    public async Task<CallSummary> HangUpAsync()
    {
        Transport.HangUpFromCaller();
        var summary = await Call.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        await _reading.WaitAsync(TimeSpan.FromSeconds(5));
        return summary;
    }

    public async ValueTask DisposeAsync()
    {
        await Call.DisposeAsync();
        Clock.Dispose();
    }
}
