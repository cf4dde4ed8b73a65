using VoiceKit.Audio;

namespace VoiceKit.Conformance;

/// <summary>
/// The "acoustic model" of the local protocol stand-ins: it has learnt some <see cref="SpokenPhrase"/>s and hears a word
/// when that word's audio appears, byte for byte, in what it is given. Audio that was lost, reordered or corrupted on the
/// way is not heard, which is what lets tests prove that reconnects and replays lose no words. Thread-safe.
/// </summary>
public sealed class ScriptedRecognizer
{
    private readonly List<SpokenPhrase> _phrases = [];
    private readonly Lock _gate = new();

    /// <summary>Learns a phrase.</summary>
    /// <param name="phrase">The phrase.</param>
    public void Learn(SpokenPhrase phrase)
    {
        ArgumentNullException.ThrowIfNull(phrase);
        lock (_gate)
        {
            _phrases.Add(phrase);
        }
    }

    /// <summary>The words heard in 8 kHz mu-law audio, in the order they occur.</summary>
    /// <param name="muLaw">The audio received so far (since the last final, typically).</param>
    /// <returns>The words.</returns>
    public IReadOnlyList<string> Recognize(ReadOnlySpan<byte> muLaw)
    {
        var heard = new List<(int Position, string Word)>();
        lock (_gate)
        {
            foreach (var phrase in _phrases)
            {
                for (var w = 0; w < phrase.Words.Count; w++)
                {
                    var (start, end) = phrase.WordSpans[w];
                    var at = muLaw.IndexOf(phrase.Audio.AsSpan(start, end - start));
                    if (at >= 0)
                    {
                        heard.Add((at, phrase.Words[w]));
                    }
                }
            }
        }

        return [.. heard.OrderBy(h => h.Position).Select(h => h.Word)];
    }

    /// <summary>The words heard in 16-bit PCM audio at 8 kHz (mu-law decoded to PCM re-encodes exactly).</summary>
    /// <param name="pcm16">Little-endian 16-bit samples.</param>
    /// <returns>The words.</returns>
    public IReadOnlyList<string> RecognizePcm16(ReadOnlySpan<byte> pcm16)
    {
        var codes = new byte[pcm16.Length / 2];
        for (var i = 0; i < codes.Length; i++)
        {
            codes[i] = MuLaw.EncodeSample((short)(pcm16[2 * i] | (pcm16[(2 * i) + 1] << 8)));
        }

        return Recognize(codes);
    }
}
