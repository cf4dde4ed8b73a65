using VoiceKit.Audio;

namespace VoiceKit.Conformance;

/// <summary>
/// Makes caller audio for scripted phrases: speech-like noise (a syllable envelope over band-limited noise at about
/// −20 dBFS) that the turn engine hears as speech, different for every word, so a <see cref="ScriptedRecognizer"/> can
/// tell the words apart by their audio alone. Deterministic for a given seed.
/// </summary>
public static class ScriptedSpeech
{
    /// <summary>Silence on a phone line: the mu-law code for zero.</summary>
    public const byte MuLawSilence = 0xFF;

    /// <summary>Makes the audio of <paramref name="text"/> spoken as one phrase.</summary>
    /// <param name="text">The words.</param>
    /// <param name="seed">Varies the audio; phrases with different seeds never share audio.</param>
    /// <param name="charactersPerSecond">Speaking rate; 14 by default (about 150 words a minute).</param>
    /// <returns>The phrase.</returns>
    public static SpokenPhrase Say(string text, int seed = 1, double charactersPerSecond = 14)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        var words = Normalize(text).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var spans = new (int, int)[words.Length];
        var audio = new List<byte>();
        var random = new Random(HashCode.Combine(seed, text.Length, words.Length));
        double low = 0;
        for (var w = 0; w < words.Length; w++)
        {
            // Each word lasts its characters plus a space at the speaking rate, in whole 20 ms frames.
            var frames = Math.Max(3, (int)Math.Ceiling((words[w].Length + 1) / charactersPerSecond / 0.02));
            var samples = frames * 160;
            var start = audio.Count;
            for (var i = 0; i < samples; i++)
            {
                // Two-pole smoothed noise under a 4 Hz syllable envelope that never quite closes.
                var noise = (random.NextDouble() * 2) - 1;
                low += 0.35 * (noise - low);
                var envelope = 0.55 + (0.45 * Math.Sin(Math.PI * 2 * 4 * i / 8000.0));
                var sample = (short)Math.Clamp(low * envelope * 9000, short.MinValue, short.MaxValue);
                audio.Add(MuLaw.EncodeSample(sample));
            }

            spans[w] = (start, audio.Count);
        }

        return new SpokenPhrase(text, words, [.. audio], spans);
    }

    /// <summary>Lower-cases <paramref name="text"/>, drops punctuation and collapses spaces: the form transcripts are compared in.</summary>
    /// <param name="text">A transcript.</param>
    /// <returns>The normalised words joined by single spaces.</returns>
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var chars = text.ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) || c == '\'' ? c : ' ').ToArray();
        return string.Join(' ', new string(chars).Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>Silence in 8 kHz mu-law.</summary>
    /// <param name="duration">How long.</param>
    /// <returns>The audio.</returns>
    public static byte[] Silence(TimeSpan duration)
    {
        var audio = new byte[(int)(duration.TotalSeconds * 8000)];
        Array.Fill(audio, MuLawSilence);
        return audio;
    }
}
