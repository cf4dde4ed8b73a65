using BenchmarkDotNet.Attributes;
using VoiceKit.Audio;

namespace VoiceKit.Benchmarks;

/// <summary>
/// One 20 ms frame through a <see cref="Resampler"/> in steady state (the same instance every invocation, as in a call).
/// Target: under 2 µs per frame, so one core serves 10,000 concurrent calls.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class ResamplerBenchmarks
{
    private readonly FrameLoop _up8To16 = new(8000, 16000);
    private readonly FrameLoop _down16To8 = new(16000, 8000);
    private readonly FrameLoop _down24To8 = new(24000, 8000);
    private readonly FrameLoop _down48To16 = new(48000, 16000);

    [Benchmark]
    public int Resample_8k_to_16k() => _up8To16.Next();

    [Benchmark]
    public int Resample_16k_to_8k() => _down16To8.Next();

    [Benchmark]
    public int Resample_24k_to_8k() => _down24To8.Next();

    [Benchmark]
    public int Resample_48k_to_16k() => _down48To16.Next();

    /// <summary>A resampler with a speech-like 20 ms input frame and room for its output.</summary>
    internal sealed class FrameLoop
    {
        private readonly Resampler _resampler;
        private readonly short[] _frame;
        private readonly short[] _output;

        public FrameLoop(int inputRate, int outputRate)
        {
            _resampler = new Resampler(inputRate, outputRate);
            _frame = Frame(inputRate);
            _output = new short[_resampler.GetMaxOutputLength(_frame.Length) + 1];
            for (var i = 0; i < 100; i++)
            {
                Next();
            }
        }

        public int Next() => _resampler.Process(_frame, _output);
    }

    /// <summary>20 ms of a tone plus noise at <paramref name="rate"/>.</summary>
    internal static short[] Frame(int rate)
    {
        var random = new Random(42);
        var frame = new short[rate / 50];
        for (var i = 0; i < frame.Length; i++)
        {
            frame[i] = (short)((Math.Sin(2 * Math.PI * 440 * i / rate) * 12000) + random.Next(-2000, 2000));
        }

        return frame;
    }
}
