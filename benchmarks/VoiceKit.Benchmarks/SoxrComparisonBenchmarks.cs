using BenchmarkDotNet.Attributes;
using VoiceKit.Audio;
using VoiceKit.Benchmarks.Soxr;

namespace VoiceKit.Benchmarks;

/// <summary>
/// VoiceKit's <see cref="Resampler"/> against libsoxr on the same 20 ms frames in streaming mode, with soxr's quality
/// matched to ours as closely as soxr allows: linear phase, passband end 0.9, stopband begin 1.0 (of the lower
/// Nyquist), int16 in and out, no dither, one thread. soxr rejects about 6.02 dB per bit of precision and refuses
/// fewer than 15 bits, so it runs at <see cref="PrecisionBits"/> = 15 (~90 dB), the closest it gets to our ~75 dB
/// design (VoiceKit measures 77-88 dB in its tests): soxr does somewhat more filtering work than we do.
/// soxr is the baseline, so the Ratio column reads "VoiceKit time / soxr time".
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public unsafe class SoxrComparisonBenchmarks
{
    /// <summary>soxr's minimum precision (its range is [15, 33] bits): about 90 dB of rejection.</summary>
    public const double PrecisionBits = 15;

    private IntPtr _soxr;
    private Resampler _resampler = null!;
    private short[] _frame = [];
    private short[] _output = [];

    /// <summary>Input and output rates in kHz.</summary>
    [Params("8->16", "16->8", "24->8", "48->16")]
    public string Rates { get; set; } = "48->16";

    [GlobalSetup]
    public void Setup()
    {
        var parts = Rates.Split("->");
        var inputRate = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture) * 1000;
        var outputRate = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) * 1000;
        _soxr = SoxrNative.CreateMatched(inputRate, outputRate, PrecisionBits);
        _resampler = new Resampler(inputRate, outputRate);
        _frame = ResamplerBenchmarks.Frame(inputRate);
        _output = new short[8192];
        for (var i = 0; i < 200; i++)
        {
            Soxr();
            VoiceKit();
        }

        Console.WriteLine($"// soxr engine for {Rates}: {SoxrNative.Engine(_soxr)}, delay {SoxrNative.soxr_delay(_soxr):F1} output samples; VoiceKit delay {_resampler.DelaySamples}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        SoxrNative.soxr_delete(_soxr);
        _soxr = IntPtr.Zero;
    }

    [Benchmark(Baseline = true)]
    public int Soxr()
    {
        nuint inputDone, outputDone;
        fixed (short* input = _frame)
        fixed (short* output = _output)
        {
            var error = SoxrNative.soxr_process(_soxr, input, (nuint)_frame.Length, &inputDone, output, (nuint)_output.Length, &outputDone);
            if (error != null || inputDone != (nuint)_frame.Length)
            {
                throw new InvalidOperationException("soxr_process did not take the whole frame.");
            }
        }

        return (int)outputDone;
    }

    [Benchmark]
    public int VoiceKit() => _resampler.Process(_frame, _output);
}
