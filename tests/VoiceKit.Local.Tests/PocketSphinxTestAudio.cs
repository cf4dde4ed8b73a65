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
        if (!IsLibraryInstalled())
        {
            Assert.Ignore("libpocketsphinx3 is not installed.");
        }

        if (!IsModelInstalled())
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
            return AudioConverter.ConvertAll(wav.Data.Span, wav.Format, format);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// What PocketSphinx hears in the audio, decoded at 16 kHz; null when PocketSphinx or its model is not installed.
    /// Used to read synthesised speech back. With <paramref name="vocabulary"/>, a domain model of those sentences: the
    /// general model's reading of one Flite clause varied from run to run (WER 0.00 to 0.71), too loose to judge by.
    /// </summary>
    public static async Task<string?> TryRecognizeAsync(byte[] audio, AudioFormat format, IEnumerable<string>? vocabulary, CancellationToken cancellationToken)
    {
        if (!IsEngineInstalled())
        {
            return null;
        }

        var wideband = AudioFormat.Pcm16Khz;
        var samples = AudioConverter.ConvertAll(audio, format, wideband);

        var options = new PocketSphinxOptions();
        foreach (var sentence in vocabulary ?? [])
        {
            options.DomainPhrases.Add(sentence);
        }

        await using var stream = await options.AsPocketSphinxSpeechToText().StartAsync(wideband, cancellationToken);
        await SendInFramesAsync(stream, wideband, samples, cancellationToken);
        await stream.FinalizeAsync(cancellationToken);
        return (await FirstFinalAsync(stream, cancellationToken)).Text;
    }

    /// <summary>Sends the audio in 20 ms frames, then 300 ms of silence; returns the time spent inside the sends (the decoding).</summary>
    public static async Task<TimeSpan> SendInFramesAsync(ISpeechToTextStream stream, AudioFormat format, byte[] audio, CancellationToken cancellationToken)
    {
        var frame = format.BytesPer(20);
        var elapsed = TimeSpan.Zero;
        for (var offset = 0; offset < audio.Length; offset += frame)
        {
            var started = Stopwatch.GetTimestamp();
            await stream.SendAudioAsync(audio.AsMemory(offset, Math.Min(frame, audio.Length - offset)), cancellationToken);
            elapsed += Stopwatch.GetElapsedTime(started);
        }

        await stream.SendAudioAsync(Silence(format, 300), cancellationToken);
        return elapsed;
    }

    /// <summary>The stream's first final.</summary>
    public static async Task<TranscriptUpdate> FirstFinalAsync(ISpeechToTextStream stream, CancellationToken cancellationToken)
    {
        await foreach (var update in stream.ReadUpdatesAsync(cancellationToken))
        {
            if (update.Kind == TranscriptUpdateKind.Final)
            {
                return update;
            }
        }

        throw new AssertionException("the stream ended without a final");
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

    /// <summary>Word error rate: word-level edit distance over the reference's word count (normalised words).</summary>
    public static double WordErrorRate(string reference, string hypothesis) => Testing.WordErrorRate.Compute(reference, hypothesis);

    private static bool IsEngineInstalled() => IsLibraryInstalled() && IsModelInstalled();

    private static bool IsLibraryInstalled() =>
        NativeLibrary.TryLoad("libpocketsphinx.so.3", out _) && NativeLibrary.TryLoad("libsphinxbase.so.3", out _);

    private static bool IsModelInstalled() => File.Exists(new PocketSphinxOptions().LanguageModelPath);

    private static string? FindFlite() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "flite"))
            .FirstOrDefault(File.Exists);
}
