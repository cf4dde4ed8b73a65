using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using VoiceKit.Audio;

namespace VoiceKit.TurnEval;

/// <summary>A voice: a synthesiser (espeak-ng or flite) with its voice name and speed, or real recordings.</summary>
internal sealed record Voice(string Engine, string Name, int WordsPerMinute = 0)
{
    public override string ToString() => WordsPerMinute > 0 ? $"{Engine}:{Name}@{WordsPerMinute}" : $"{Engine}:{Name}";
}

/// <summary>One phrase of clean speech at 16 kHz, trimmed to its speech with 30 ms margins, with its reference segments.</summary>
internal sealed record Phrase(string Text, short[] Samples, IReadOnlyList<(int StartMs, int EndMs)> Segments)
{
    public int DurationMs => Samples.Length / 16;

    /// <summary>First to last speech inside the phrase, in ms from the phrase start.</summary>
    public (int StartMs, int EndMs) Span => (Segments[0].StartMs, Segments[^1].EndMs);
}

/// <summary>Makes phrases: synthesised (cached on disk) or read from pocketsphinx-testdata.</summary>
internal sealed class SpeechSources(string cacheDirectory)
{
    public const int Rate = 16_000;
    public const string PocketsphinxData = "/usr/share/pocketsphinx/test/data";

    /// <summary>Active speech level every phrase is normalised to, in dBFS.</summary>
    public const double SpeechLevelDbfs = -26;

    public static bool HasTool(string name) =>
        Environment.GetEnvironmentVariable("PATH")?.Split(':').Any(d => File.Exists(Path.Combine(d, name))) ?? false;

    public static bool HasPocketsphinx => File.Exists(Path.Combine(PocketsphinxData, "librivox", "transcription"));

    public Phrase Synthesise(Voice voice, string text)
    {
        Directory.CreateDirectory(cacheDirectory);
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{voice}|{text}")))[..16];
        var path = Path.Combine(cacheDirectory, key + ".wav");
        if (!File.Exists(path))
        {
            var arguments = voice.Engine == "espeak-ng"
                ? new[] { "-v", voice.Name, "-s", voice.WordsPerMinute.ToString(CultureInfo.InvariantCulture), "-w", path, text }
                : ["-voice", voice.Name, "-t", text, "-o", path];
            Execute(voice.Engine, arguments);
        }

        return MakePhrase(text, ReadWav(path));
    }

    /// <summary>The read sentences of pocketsphinx-testdata (librivox and cards) with their transcripts.</summary>
    public IReadOnlyList<Phrase> Recordings()
    {
        var phrases = new List<Phrase>();
        foreach (var (folder, list) in new[] { ("librivox", "transcription"), ("cards", "cards.transcription") })
        {
            foreach (var line in File.ReadAllLines(Path.Combine(PocketsphinxData, folder, list)))
            {
                var open = line.LastIndexOf('(');
                if (open < 0)
                {
                    continue;
                }

                var id = line[(open + 1)..line.LastIndexOf(')')];
                var text = line[..open].Replace("<s>", "", StringComparison.Ordinal).Replace("</s>", "", StringComparison.Ordinal).Trim();
                var wav = Path.Combine(PocketsphinxData, folder, id + ".wav");
                if (File.Exists(wav))
                {
                    phrases.Add(MakePhrase(text, ReadWav(wav)));
                }
            }
        }

        return phrases;
    }

    private static void Execute(string tool, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {tool}.");
        process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} failed ({process.ExitCode}): {error}");
        }
    }

    public static short[] ReadWav(string path, int rate = Rate)
    {
        var wav = WavFile.ReadFile(path);
        return Signal.Convert(wav.Data.Span, wav.Format, rate);
    }

    /// <summary>
    /// Normalises the clip to <see cref="SpeechLevelDbfs"/>, finds its speech (10 ms energy above max(loudest − 40 dB,
    /// quietest decile + 12 dB), gaps under 200 ms bridged, islands under 30 ms dropped), trims it to that speech with
    /// 30 ms margins and 10 ms fades.
    /// </summary>
    private static Phrase MakePhrase(string text, short[] samples)
    {
        var active = Signal.ActiveFrames(samples, Rate);
        var first = Array.IndexOf(active, true);
        var last = Array.LastIndexOf(active, true);
        if (first < 0)
        {
            throw new InvalidOperationException($"No speech found for '{text}'.");
        }

        var from = Math.Max(0, (first - 3) * 160);
        var to = Math.Min(samples.Length, (last + 4) * 160);
        var trimmed = samples[from..to];
        Signal.Fade(trimmed, 160);
        var activeTrimmed = active[(from / 160)..Math.Min(active.Length, to / 160)];
        Signal.NormaliseActive(trimmed, activeTrimmed, SpeechLevelDbfs);
        var segments = new List<(int, int)>();
        for (var i = 0; i < activeTrimmed.Length;)
        {
            if (!activeTrimmed[i])
            {
                i++;
                continue;
            }

            var j = i;
            while (j < activeTrimmed.Length && activeTrimmed[j])
            {
                j++;
            }

            segments.Add((i * 10, j * 10));
            i = j;
        }

        return new Phrase(text, trimmed, segments);
    }
}
