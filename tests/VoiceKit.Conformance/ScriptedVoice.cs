using VoiceKit.Audio;

namespace VoiceKit.Conformance;

/// <summary>
/// The "voice" of the local text-to-speech stand-ins: every character becomes 8 ms of a level that encodes it, so audio
/// can be read back into the text it speaks. Tests use it to check that what an adapter delivers is exactly the text it
/// was sent, in order, with nothing from an abandoned reply mixed in. 8-bit encodings carry the character's code; PCM16
/// carries the mu-law expansion of that code, so both read back exactly.
/// </summary>
public static class ScriptedVoice
{
    /// <summary>Milliseconds of audio per character.</summary>
    public const int MillisecondsPerCharacter = 8;

    /// <summary>Samples per character at <paramref name="sampleRate"/>.</summary>
    /// <param name="sampleRate">Samples per second.</param>
    /// <returns>The count.</returns>
    public static int SamplesPerCharacter(int sampleRate) => sampleRate * MillisecondsPerCharacter / 1000;

    /// <summary>Bytes of audio <paramref name="text"/> becomes in <paramref name="format"/>.</summary>
    /// <param name="text">Text.</param>
    /// <param name="format">Mono mu-law, A-law or PCM16.</param>
    /// <returns>The length.</returns>
    public static int LengthOf(string text, AudioFormat format) => text.Length * SamplesPerCharacter(format.SampleRate) * format.BlockAlign;

    /// <summary>Speaks <paramref name="text"/>.</summary>
    /// <param name="text">Text (ASCII; other characters become '?').</param>
    /// <param name="format">Mono mu-law, A-law or PCM16.</param>
    /// <returns>The audio.</returns>
    public static byte[] Synthesize(string text, AudioFormat format)
    {
        ArgumentNullException.ThrowIfNull(text);
        var perChar = SamplesPerCharacter(format.SampleRate);
        var audio = new byte[LengthOf(text, format)];
        var at = 0;
        foreach (var c in text)
        {
            var code = Code(c);
            for (var i = 0; i < perChar; i++)
            {
                if (format.Encoding == AudioEncoding.Pcm16)
                {
                    var sample = MuLaw.DecodeSample(code);
                    audio[at++] = (byte)sample;
                    audio[at++] = (byte)(sample >> 8);
                }
                else
                {
                    audio[at++] = code;
                }
            }
        }

        return audio;
    }

    /// <summary>Reads audio made by <see cref="Synthesize"/> (possibly several pieces concatenated) back into text.</summary>
    /// <param name="audio">The audio.</param>
    /// <param name="format">The format it was made in.</param>
    /// <returns>The text it speaks.</returns>
    public static string Read(ReadOnlySpan<byte> audio, AudioFormat format)
    {
        var perChar = SamplesPerCharacter(format.SampleRate);
        var text = new System.Text.StringBuilder();
        var samples = audio.Length / format.BlockAlign;
        var i = 0;
        while (i < samples)
        {
            var code = CodeAt(audio, format, i);
            var run = 1;
            while (i + run < samples && CodeAt(audio, format, i + run) == code)
            {
                run++;
            }

            var count = (int)Math.Round(run / (double)perChar, MidpointRounding.AwayFromZero);
            text.Append((char)code, Math.Max(count, 1));
            i += run;
        }

        return text.ToString();
    }

    private static byte Code(char c) => c is >= ' ' and <= '~' ? (byte)c : (byte)'?';

    private static byte CodeAt(ReadOnlySpan<byte> audio, AudioFormat format, int sample) => format.Encoding == AudioEncoding.Pcm16
        ? MuLaw.EncodeSample((short)(audio[2 * sample] | (audio[(2 * sample) + 1] << 8)))
        : audio[sample];
}
