using BenchmarkDotNet.Attributes;
using VoiceKit.Audio;

namespace VoiceKit.Benchmarks;

/// <summary>The whole edge conversion of one 20 ms frame: phone audio in for a 16 kHz recogniser, 24 kHz speech out to the phone.</summary>
[MemoryDiagnoser]
public class AudioConverterBenchmarks
{
    private readonly AudioConverter _phoneToRecognizer = new(AudioFormat.Telephony, AudioFormat.Pcm16Khz);
    private readonly AudioConverter _speechToPhone = new(AudioFormat.Pcm24Khz, AudioFormat.Telephony);
    private readonly byte[] _mulaw = new byte[160];
    private readonly byte[] _pcm24 = new byte[960];
    private byte[] _out16 = [];
    private byte[] _out8 = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        random.NextBytes(_mulaw);
        random.NextBytes(_pcm24);
        _out16 = new byte[_phoneToRecognizer.GetMaxOutputLength(_mulaw.Length)];
        _out8 = new byte[_speechToPhone.GetMaxOutputLength(_pcm24.Length)];
    }

    [Benchmark]
    public int MuLaw8kToPcm16k20ms() => _phoneToRecognizer.Convert(_mulaw, _out16);

    [Benchmark]
    public int Pcm24kToMuLaw8k20ms() => _speechToPhone.Convert(_pcm24, _out8);
}
