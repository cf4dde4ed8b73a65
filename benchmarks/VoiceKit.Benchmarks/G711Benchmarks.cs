using BenchmarkDotNet.Attributes;
using VoiceKit.Audio;

namespace VoiceKit.Benchmarks;

/// <summary>G.711 encode and decode of one 20 ms phone frame (160 samples).</summary>
[MemoryDiagnoser]
public class G711Benchmarks
{
    private readonly short[] _pcm = new short[160];
    private readonly byte[] _mulaw = new byte[160];
    private readonly byte[] _alaw = new byte[160];
    private readonly short[] _decoded = new short[160];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        for (var i = 0; i < _pcm.Length; i++)
        {
            _pcm[i] = (short)(Math.Sin(i * 0.3) * 12000 + random.Next(-2000, 2000));
        }

        MuLaw.Encode(_pcm, _mulaw);
        ALaw.Encode(_pcm, _alaw);
    }

    [Benchmark]
    public void MuLawEncode20ms() => MuLaw.Encode(_pcm, _mulaw);

    [Benchmark]
    public void MuLawDecode20ms() => MuLaw.Decode(_mulaw, _decoded);

    [Benchmark]
    public void ALawEncode20ms() => ALaw.Encode(_pcm, _alaw);

    [Benchmark]
    public void ALawDecode20ms() => ALaw.Decode(_alaw, _decoded);
}
