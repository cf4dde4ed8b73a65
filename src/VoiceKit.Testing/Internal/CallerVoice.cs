namespace VoiceKit.Testing.Internal;

/// <summary>
/// Deterministic synthetic caller audio: line noise, and a speech-like signal (a voiced harmonic buzz with a gliding
/// pitch, amplitude-modulated at a syllable rate) scaled to a given RMS level. Not thread-safe.
/// </summary>
internal sealed class CallerVoice
{
    private const double SyllableRate = 4.2;
    private const double FullScale = 32768;

    private readonly int _sampleRate;
    private readonly double _noiseScale;
    private readonly double _speechRms;
    private uint _random;
    private int _phrases;

    public CallerVoice(int sampleRate, double speechDbfs, double noiseDbfs, uint seed)
    {
        _sampleRate = sampleRate;
        _speechRms = FullScale * Math.Pow(10, speechDbfs / 20);

        // The sum of two uniforms minus one has an RMS of 1/sqrt(6).
        _noiseScale = FullScale * Math.Pow(10, noiseDbfs / 20) * Math.Sqrt(6);
        _random = seed == 0 ? 0x9E3779B9u : seed;
    }

    /// <summary>Fills <paramref name="frame"/> with line noise.</summary>
    public void Noise(Span<short> frame)
    {
        for (var i = 0; i < frame.Length; i++)
        {
            frame[i] = (short)Math.Round(_noiseScale * (NextUnit() + NextUnit() - 1));
        }
    }

    /// <summary>Makes <paramref name="length"/> samples of speech-like sound (without noise) at the configured level.</summary>
    public double[] Speech(int length)
    {
        var phrase = _phrases++;
        var result = new double[length];
        var f0Base = 110.0 + (12 * (phrase % 3));
        var harmonics = Math.Max(1, (int)(Math.Min(3_600, 0.45 * _sampleRate) / (f0Base * 1.1)));
        var ramp = Math.Max(1, _sampleRate / 50);
        double phase = 0, energy = 0;
        for (var n = 0; n < length; n++)
        {
            var t = (double)n / _sampleRate;
            var f0 = f0Base * (1 + (0.08 * Math.Sin(2 * Math.PI * 0.9 * t)));
            phase += 2 * Math.PI * f0 / _sampleRate;
            if (phase > 2 * Math.PI)
            {
                phase -= 2 * Math.PI;
            }

            double voiced = 0;
            for (var k = 1; k <= harmonics; k++)
            {
                voiced += Math.Sin(k * phase) / k;
            }

            var syllable = Math.Sin(Math.PI * SyllableRate * t);
            var envelope = 0.1 + (0.9 * syllable * syllable);
            var edge = Math.Min(1.0, Math.Min((double)n / ramp, (double)(length - n) / ramp));
            var value = voiced * envelope * edge;
            result[n] = value;
            energy += value * value;
        }

        var scale = energy > 0 ? _speechRms / Math.Sqrt(energy / length) : 0;
        for (var n = 0; n < length; n++)
        {
            result[n] *= scale;
        }

        return result;
    }

    private double NextUnit()
    {
        // xorshift32: fast, deterministic, good enough for noise.
        var x = _random;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        _random = x;
        return x / 4294967296.0;
    }
}
