using BenchmarkDotNet.Attributes;
using VoiceKit.Turns;

namespace VoiceKit.Benchmarks;

/// <summary>The built-in voice activity detector on one 20 ms frame of speech-like audio, at 8 and 16 kHz.</summary>
[MemoryDiagnoser]
public class VadBenchmarks
{
    private const int Frames = 50;

    private readonly short[] _speech8 = SpeechLike(8_000);
    private readonly short[] _speech16 = SpeechLike(16_000);
    private readonly AdaptiveVoiceActivityDetector _vad8 = new(8_000);
    private readonly AdaptiveVoiceActivityDetector _vad16 = new(16_000);
    private int _frame8;
    private int _frame16;

    [Benchmark]
    public float Frame20ms8kHz()
    {
        // Walk through a second of audio so the detector sees speech, pauses and noise, not one frame over and over.
        var start = _frame8 * 160;
        _frame8 = _frame8 == Frames - 1 ? 0 : _frame8 + 1;
        return _vad8.Process(_speech8.AsSpan(start, 160));
    }

    [Benchmark]
    public float Frame20ms16kHz()
    {
        var start = _frame16 * 320;
        _frame16 = _frame16 == Frames - 1 ? 0 : _frame16 + 1;
        return _vad16.Process(_speech16.AsSpan(start, 320));
    }

    /// <summary>One second: 120 Hz voiced bursts with formant-shaped harmonics, syllable-rate gating and light noise.</summary>
    private static short[] SpeechLike(int sampleRate)
    {
        var random = new Random(42);
        var samples = new short[sampleRate];
        for (var i = 0; i < samples.Length; i++)
        {
            var t = (double)i / sampleRate;
            var gate = Math.Max(0, Math.Sin(2 * Math.PI * 4 * t));
            double v = 0;
            for (var h = 1; h * 120 < 3500; h++)
            {
                var f = h * 120.0;
                v += (Math.Exp(-Math.Pow((f - 700) / 300, 2)) + (0.5 * Math.Exp(-Math.Pow((f - 1500) / 400, 2))) + 0.05) * Math.Sin(2 * Math.PI * f * t);
            }

            samples[i] = (short)((v * 2500 * gate) + random.Next(-100, 100));
        }

        return samples;
    }
}
