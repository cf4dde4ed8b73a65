using VoiceKit.Audio;

namespace VoiceKit.Cli;

/// <summary><c>voicekit convert &lt;in.wav&gt; &lt;out.wav&gt; [--rate N] [--encoding pcm16|mulaw|alaw]</c>.</summary>
internal static class ConvertCommand
{
    public const string Usage = "voicekit convert <in.wav> <out.wav> [--rate N] [--encoding pcm16|mulaw|alaw]";

    public static IReadOnlySet<string> Options { get; } = new HashSet<string>(StringComparer.Ordinal) { "--rate", "--encoding" };

    public static int Run(CommandLine line, TextWriter stdout)
    {
        line.ExpectPositional(2, Usage);
        var (inPath, outPath) = (line.Positional[0], line.Positional[1]);
        var rate = line.IntOption("--rate", AudioFormat.MinSampleRate, AudioFormat.MaxSampleRate);
        AudioEncoding? encoding = null;
        if (line.Option("--encoding") is { } name && !AudioFormat.TryParseEncoding(name, out encoding))
        {
            throw new UsageException($"option '--encoding' must be pcm16, mulaw or alaw, not '{name}'");
        }

        if (!File.Exists(inPath))
        {
            throw new FileNotFoundException($"input file '{inPath}' does not exist");
        }

        var input = WavFile.ReadFile(inPath);
        var target = new AudioFormat(encoding ?? input.Format.Encoding, rate ?? input.Format.SampleRate, input.Format.Channels);
        var output = Convert(input.Format, input.Data.Span, target);
        if (Path.GetDirectoryName(Path.GetFullPath(outPath)) is { } directory)
        {
            Directory.CreateDirectory(directory);
        }

        WavFile.WriteFile(outPath, target, output);
        stdout.WriteLine($"{inPath} ({input.Format}, {input.Duration.TotalSeconds:0.000} s) -> {outPath} ({target})");
        return CliApp.Success;
    }

    /// <summary>
    /// Converts a whole recording: streams it through an <see cref="AudioConverter"/>, then trims the filter delay
    /// from the start and cuts the tail so the output lines up with the input and lasts as long.
    /// </summary>
    internal static byte[] Convert(AudioFormat from, ReadOnlySpan<byte> data, AudioFormat to)
    {
        var converter = new AudioConverter(from, to);
        if (converter.IsPassThrough)
        {
            return data.ToArray();
        }

        var buffer = new byte[converter.GetMaxOutputLength(data.Length) + (((2 * converter.DelayFrames) + 64) * to.BlockAlign)];
        var written = converter.Convert(data, buffer);
        written += converter.Flush(buffer.AsSpan(written));

        var inFrames = data.Length / from.BlockAlign;
        var wantFrames = (int)(((long)inFrames * to.SampleRate + (from.SampleRate / 2)) / from.SampleRate);
        var skip = converter.DelayFrames * to.BlockAlign;
        var available = Math.Max(0, written - skip);
        var length = Math.Min(available, wantFrames * to.BlockAlign);
        return buffer.AsSpan(skip, length).ToArray();
    }
}
