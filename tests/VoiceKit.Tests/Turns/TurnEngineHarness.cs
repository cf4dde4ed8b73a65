using Microsoft.Extensions.Time.Testing;
using VoiceKit.Turns;

namespace VoiceKit.Tests.Turns;

/// <summary>A voice activity detector that calls a frame speech when its first sample's magnitude is at least 100.</summary>
internal sealed class LevelVad : IVoiceActivityDetector
{
    public int SampleRate => 8000;

    public float Process(ReadOnlySpan<short> frame) => Math.Abs((int)frame[0]) >= 100 ? 0.95f : 0.02f;

    public void Reset()
    {
    }
}

/// <summary>Drives a <see cref="TurnEngine"/> in virtual time, 20 ms frame by frame, and records its events.</summary>
internal sealed class TurnEngineHarness
{
    public const int FrameMs = 20;
    private readonly short[] _frame = new short[160];

    public TurnEngineHarness(TurnEngineOptions? options = null)
    {
        Engine = new TurnEngine(new LevelVad(), options, Time);
    }

    public FakeTimeProvider Time { get; } = new();

    public TurnEngine Engine { get; }

    public List<TurnEvent> Events { get; } = [];

    public int NowMs => (int)Engine.Now.TotalMilliseconds;

    /// <summary>Feeds caller speech (a steady level) for <paramref name="ms"/>.</summary>
    public TurnEngineHarness Speak(int ms, short level = 8000) => Feed(ms, level);

    /// <summary>Feeds caller silence for <paramref name="ms"/>.</summary>
    public TurnEngineHarness Silence(int ms) => Feed(ms, 0);

    public TurnEngineHarness Feed(int ms, short level)
    {
        for (var t = 0; t < ms; t += FrameMs)
        {
            FeedFrame(level);
        }

        return this;
    }

    public void FeedFrame(short level)
    {
        Time.Advance(TimeSpan.FromMilliseconds(FrameMs));
        Array.Fill(_frame, level);
        Engine.ProcessAudio(_frame);
        Drain();
    }

    public TurnEngineHarness Say(string text, bool isFinal = false, bool isEndpoint = false)
    {
        Engine.OnTranscript(text, isFinal, isEndpoint);
        Drain();
        return this;
    }

    /// <summary>The recogniser reports speech starting at <paramref name="audioMs"/> of the audio it was sent.</summary>
    public TurnEngineHarness RecogniserHeardSpeechAt(int audioMs)
    {
        Engine.OnSpeechToTextSpeechStarted(TimeSpan.FromMilliseconds(audioMs));
        Drain();
        return this;
    }

    public TurnEngineHarness AgentStarts()
    {
        Engine.OnAgentSpeechStarted();
        Drain();
        return this;
    }

    public TurnEngineHarness AgentStops(string heard = "")
    {
        Engine.OnAgentSpeechStopped(heard);
        Drain();
        return this;
    }

    public void Drain()
    {
        while (Engine.TryReadEvent(out var e))
        {
            Events.Add(e);
        }
    }

    public IEnumerable<TurnEvent> Of(TurnEventKind kind) => Events.Where(e => e.Kind == kind);

    public TurnEvent Single(TurnEventKind kind)
    {
        var found = Of(kind).ToList();
        Assert.That(found, Has.Count.EqualTo(1), $"expected one {kind}; events: {Describe()}");
        return found[0];
    }

    public string Describe() => string.Join(", ", Events.Select(e => $"{e.Kind}@{e.Time.TotalMilliseconds}"));
}
