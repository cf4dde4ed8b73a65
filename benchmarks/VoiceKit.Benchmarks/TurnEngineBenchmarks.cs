using BenchmarkDotNet.Attributes;
using VoiceKit.Turns;

namespace VoiceKit.Benchmarks;

/// <summary>
/// The whole turn engine (built-in VAD + endpointing + barge-in) per 20 ms frame at 8 kHz, over a signal that
/// alternates speech-like bursts and silence so every state is visited.
/// </summary>
[MemoryDiagnoser]
public class TurnEngineBenchmarks
{
    private const int FrameSamples = 160;
    private readonly short[] _signal = new short[8000 * 10];
    private readonly short[] _agent = new short[FrameSamples];
    private TurnEngine _listening = null!;
    private TurnEngine _agentSpeaking = null!;
    private StepClock _clock = null!;
    private int _offset;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        for (var i = 0; i < _signal.Length; i++)
        {
            var second = i / 8000.0;
            var voiced = (second % 2.0) < 1.2; // 1.2 s of "speech", 0.8 s of pause
            var syllable = 0.5 + (0.5 * Math.Sin(2 * Math.PI * 4 * second));
            var harmonic = Math.Sin(2 * Math.PI * 140 * second) + (0.5 * Math.Sin(2 * Math.PI * 280 * second)) + (0.3 * Math.Sin(2 * Math.PI * 700 * second));
            var noise = random.NextDouble() - 0.5;
            _signal[i] = (short)((voiced ? 6000 * syllable * harmonic : 0) + (60 * noise));
        }

        for (var i = 0; i < _agent.Length; i++)
        {
            _agent[i] = (short)(3000 * Math.Sin(2 * Math.PI * 200 * i / 8000.0));
        }

        _clock = new StepClock();
        _listening = new TurnEngine(new AdaptiveVoiceActivityDetector(8000), timeProvider: _clock);
        _agentSpeaking = new TurnEngine(new AdaptiveVoiceActivityDetector(8000), timeProvider: _clock);
        _agentSpeaking.OnAgentSpeechStarted();
    }

    [Benchmark]
    public int CallerFrame()
    {
        var frame = NextFrame();
        _listening.ProcessAudio(frame);
        return Drain(_listening);
    }

    [Benchmark]
    public int FrameWhileAgentSpeaks()
    {
        var frame = NextFrame();
        _agentSpeaking.ProcessAgentAudio(_agent);
        _agentSpeaking.ProcessAudio(frame);
        var events = Drain(_agentSpeaking);
        if (_agentSpeaking.State is TurnState.Listening or TurnState.CallerPaused)
        {
            _agentSpeaking.OnAgentSpeechStarted(); // keep the agent talking so barge-in logic runs every frame
        }

        return events;
    }

    private ReadOnlySpan<short> NextFrame()
    {
        _clock.Step();
        var frame = _signal.AsSpan(_offset, FrameSamples);
        _offset = (_offset + FrameSamples) % _signal.Length;
        return frame;
    }

    private static int Drain(TurnEngine engine)
    {
        var count = 0;
        while (engine.TryReadEvent(out _))
        {
            count++;
        }

        return count;
    }

    /// <summary>A clock that moves 20 ms per frame and has no timers, so it allocates nothing.</summary>
    private sealed class StepClock : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Step() => _ticks += 20 * TimeSpan.TicksPerMillisecond;
    }
}
