using VoiceKit.Audio;

namespace VoiceKit.Conformance;

/// <summary>Measures of synthesised audio that hold for any real voice, whatever it says: how long it lasts, how loud it is.</summary>
public static class AudioMeasures
{
    /// <summary>How long <paramref name="audio"/> plays.</summary>
    /// <param name="audio">Audio in <paramref name="format"/>.</param>
    /// <param name="format">Its format.</param>
    /// <returns>The duration.</returns>
    public static TimeSpan Duration(ReadOnlySpan<byte> audio, AudioFormat format) => format.DurationOf(audio.Length);

    /// <summary>Root-mean-square level in 16-bit sample units (full scale is 32,768; speech at a normal level is in the thousands, silence near zero).</summary>
    /// <param name="audio">Audio in <paramref name="format"/>: PCM16, mu-law or A-law.</param>
    /// <param name="format">Its format.</param>
    /// <returns>The level; 0 for no audio.</returns>
    public static double Rms(ReadOnlySpan<byte> audio, AudioFormat format)
    {
        var samples = audio.Length / format.BytesPerSample;
        if (samples == 0)
        {
            return 0;
        }

        double sum = 0;
        for (var i = 0; i < samples; i++)
        {
            double sample = format.Encoding switch
            {
                AudioEncoding.Pcm16 => (short)(audio[2 * i] | (audio[(2 * i) + 1] << 8)),
                AudioEncoding.MuLaw => MuLaw.DecodeSample(audio[i]),
                AudioEncoding.ALaw => ALaw.DecodeSample(audio[i]),
                _ => throw new ArgumentException($"No level for {format}.", nameof(format)),
            };
            sum += sample * sample;
        }

        return Math.Sqrt(sum / samples);
    }
}
