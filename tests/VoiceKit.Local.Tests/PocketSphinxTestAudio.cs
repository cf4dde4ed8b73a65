using System.Diagnostics;
using System.Runtime.InteropServices;
using VoiceKit.Audio;

namespace VoiceKit.Local.Tests;

/// <summary>Speech for the PocketSphinx tests, synthesised by the flite command-line tool (voice slt, 16 kHz), and the skip rules.</summary>
internal static class PocketSphinxTestAudio
{
    /// <summary>Skips the test unless PocketSphinx, its US English model and the flite tool are installed.</summary>
    public static void RequireEngine()
    {
        if (!NativeLibrary.TryLoad("libpocketsphinx.so.3", out _) || !NativeLibrary.TryLoad("libsphinxbase.so.3", out _))
        {
            Assert.Ignore("libpocketsphinx3 is not installed.");
        }

        if (!File.Exists(new PocketSphinxOptions().LanguageModelPath))
        {
            Assert.Ignore("pocketsphinx-en-us is not installed.");
        }

        if (FindFlite() is null)
        {
            Assert.Ignore("The flite command-line tool is not installed.");
        }
    }

    /// <summary>Synthesises the text with flite and converts it to the format.</summary>
    public static async Task<byte[]> SynthesizeAsync(string text, AudioFormat format, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Path.GetTempPath(), $"voicekit-sphinx-{Guid.NewGuid():N}.wav");
        try
        {
            var start = new ProcessStartInfo(FindFlite()!) { RedirectStandardError = true, RedirectStandardOutput = true };
            // slt is a 16 kHz voice; flite's default (kal) is an 8 kHz diphone voice that PocketSphinx recognises poorly.
            start.ArgumentList.Add("-voice");
            start.ArgumentList.Add("slt");
            start.ArgumentList.Add("-t");
            start.ArgumentList.Add(text);
            start.ArgumentList.Add("-o");
            start.ArgumentList.Add(path);
            using var flite = Process.Start(start)!;
            await flite.WaitForExitAsync(cancellationToken);
            Assert.That(flite.ExitCode, Is.Zero, "flite failed");

            var wav = WavFile.ReadFile(path);
            var converter = new AudioConverter(wav.Format, format);
            var output = new byte[converter.GetMaxOutputLength(wav.Data.Length) + converter.GetMaxOutputLength(4096)];
            var length = converter.Convert(wav.Data.Span, output);
            length += converter.Flush(output.AsSpan(length));
            return output[..length];
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Silence in the format (mu-law silence is 0xFF, PCM silence is zero).</summary>
    public static byte[] Silence(AudioFormat format, int milliseconds)
    {
        var silence = new byte[format.BytesPer(milliseconds)];
        if (format.Encoding == AudioEncoding.MuLaw)
        {
            silence.AsSpan().Fill(0xFF);
        }
        else if (format.Encoding == AudioEncoding.ALaw)
        {
            silence.AsSpan().Fill(0xD5);
        }

        return silence;
    }

    /// <summary>Word error rate: word-level edit distance over the reference's word count.</summary>
    public static double WordErrorRate(string reference, string hypothesis)
    {
        var expected = reference.ToUpperInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var actual = hypothesis.ToUpperInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var distance = new int[expected.Length + 1, actual.Length + 1];
        for (var i = 0; i <= expected.Length; i++)
        {
            distance[i, 0] = i;
        }

        for (var j = 0; j <= actual.Length; j++)
        {
            distance[0, j] = j;
        }

        for (var i = 1; i <= expected.Length; i++)
        {
            for (var j = 1; j <= actual.Length; j++)
            {
                var substitution = distance[i - 1, j - 1] + (expected[i - 1] == actual[j - 1] ? 0 : 1);
                distance[i, j] = Math.Min(substitution, Math.Min(distance[i - 1, j] + 1, distance[i, j - 1] + 1));
            }
        }

        return (double)distance[expected.Length, actual.Length] / expected.Length;
    }

    private static string? FindFlite() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "flite"))
            .FirstOrDefault(File.Exists);
}
