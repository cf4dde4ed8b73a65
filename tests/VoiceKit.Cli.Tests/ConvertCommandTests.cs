using System.Diagnostics;
using VoiceKit.Audio;

namespace VoiceKit.Cli.Tests;

public sealed class ConvertCommandTests
{
    private DirectoryInfo _dir = null!;

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("voicekit-cli-");

    [TearDown]
    public void DeleteDirectory() => _dir.Delete(recursive: true);

    private string PathOf(string name) => Path.Combine(_dir.FullName, name);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = CliApp.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>A tone as PCM16 samples.</summary>
    private static short[] Tone(int rate, double hz, double seconds, double amplitude = 10000)
    {
        var samples = new short[(int)(rate * seconds)];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = (short)(amplitude * Math.Sin(2 * Math.PI * hz * i / rate));
        }

        return samples;
    }

    private string WriteWav(string name, AudioFormat format, short[] samples)
    {
        var bytes = new byte[AudioCodec.GetEncodedLength(format.Encoding, samples.Length)];
        AudioCodec.Encode(format.Encoding, samples, bytes);
        var path = PathOf(name);
        WavFile.WriteFile(path, format, bytes);
        return path;
    }

    private static short[] ReadSamples(WavAudio wav)
    {
        var samples = new short[AudioCodec.GetSampleCount(wav.Format.Encoding, wav.Data.Length)];
        AudioCodec.Decode(wav.Format.Encoding, wav.Data.Span, samples);
        return samples;
    }

    /// <summary>Amplitude of <paramref name="hz"/> in the signal (Goertzel), relative to a pure tone of the same peak.</summary>
    private static double Amplitude(short[] samples, int rate, double hz)
    {
        double s1 = 0, s2 = 0, coeff = 2 * Math.Cos(2 * Math.PI * hz / rate);
        foreach (var x in samples)
        {
            var s0 = x + (coeff * s1) - s2;
            s2 = s1;
            s1 = s0;
        }

        var power = (s1 * s1) + (s2 * s2) - (coeff * s1 * s2);
        return 2 * Math.Sqrt(power) / samples.Length;
    }

    [Test]
    public void Phone_audio_becomes_16khz_pcm16_of_the_same_length_and_pitch()
    {
        var input = WriteWav("in.wav", AudioFormat.Telephony, Tone(8000, 1000, 1.0));
        var output = PathOf("sub/out.wav");

        var (code, stdout, stderr) = Run("convert", input, output, "--rate", "16000", "--encoding", "pcm16");

        Assert.That(code, Is.Zero, stderr);
        Assert.That(stdout, Does.Contain("pcm16/16000/1"));
        var wav = WavFile.ReadFile(output);
        Assert.That(wav.Format, Is.EqualTo(AudioFormat.Pcm16Khz));
        var samples = ReadSamples(wav);
        Assert.That(samples, Has.Length.EqualTo(16000), "one second in, one second out");
        var middle = samples[4000..12000];
        Assert.That(Amplitude(middle, 16000, 1000), Is.EqualTo(10000).Within(300), "the tone keeps its level and pitch");
        Assert.That(Amplitude(middle, 16000, 7000), Is.LessThan(30), "no image of the tone above the old Nyquist");
    }

    [Test]
    public void Output_is_aligned_with_input_after_trimming_the_filter_delay()
    {
        // A click at 0.5 s must still be at 0.5 s after 48 kHz -> 8 kHz.
        var samples = new short[48000];
        samples[24000] = 30000;
        var input = WriteWav("click.wav", AudioFormat.Pcm48Khz, samples);

        Assert.That(Run("convert", input, PathOf("click8k.wav"), "--rate", "8000").Code, Is.Zero);

        var output = ReadSamples(WavFile.ReadFile(PathOf("click8k.wav")));
        var peak = Array.IndexOf(output, output.Max());
        Assert.That(peak, Is.InRange(3999, 4001));
    }

    [TestCase("alaw", AudioEncoding.ALaw)]
    [TestCase("mulaw", AudioEncoding.MuLaw)]
    public void Encoding_alone_changes_and_the_rate_is_kept(string name, AudioEncoding expected)
    {
        var input = WriteWav("in.wav", AudioFormat.Pcm16(8000), Tone(8000, 440, 0.2));
        Assert.That(Run("convert", input, PathOf("out.wav"), "--encoding", name).Code, Is.Zero);
        var wav = WavFile.ReadFile(PathOf("out.wav"));
        Assert.That(wav.Format, Is.EqualTo(new AudioFormat(expected, 8000)));
        Assert.That(wav.Data.Length, Is.EqualTo(1600));
    }

    [Test]
    public void Stereo_files_keep_both_channels()
    {
        var left = Tone(16000, 500, 0.5);
        var interleaved = new short[left.Length * 2];
        for (var i = 0; i < left.Length; i++)
        {
            interleaved[2 * i] = left[i];
        }

        var input = WriteWav("stereo.wav", new AudioFormat(AudioEncoding.Pcm16, 16000, 2), interleaved);
        Assert.That(Run("convert", input, PathOf("out.wav"), "--rate=8000").Code, Is.Zero);

        var wav = WavFile.ReadFile(PathOf("out.wav"));
        Assert.That(wav.Format.Channels, Is.EqualTo(2));
        var samples = ReadSamples(wav);
        var l = samples.Where((_, i) => i % 2 == 0).ToArray();
        var r = samples.Where((_, i) => i % 2 == 1).ToArray();
        Assert.That(Amplitude(l[1000..3000], 8000, 500), Is.GreaterThan(9000));
        Assert.That(r.Max(x => Math.Abs((int)x)), Is.LessThan(2), "the silent right channel stays silent");
    }

    [TestCase(new string[] { }, 2, "usage")]
    [TestCase(new[] { "frobnicate" }, 2, "unknown command 'frobnicate'")]
    [TestCase(new[] { "convert", "a.wav" }, 2, "expected 2 argument(s)")]
    [TestCase(new[] { "convert", "a.wav", "b.wav", "--rate" }, 2, "option '--rate' needs a value")]
    [TestCase(new[] { "convert", "a.wav", "b.wav", "--rate", "fast" }, 2, "option '--rate' must be a whole number")]
    [TestCase(new[] { "convert", "a.wav", "b.wav", "--rate", "0" }, 2, "option '--rate' must be a whole number")]
    [TestCase(new[] { "convert", "a.wav", "b.wav", "--encoding", "opus" }, 2, "must be pcm16, mulaw or alaw")]
    [TestCase(new[] { "convert", "a.wav", "b.wav", "--volume", "3" }, 2, "unknown option '--volume'")]
    [TestCase(new[] { "convert", "a.wav", "b.wav", "--rate", "8000", "--rate", "16000" }, 2, "given twice")]
    [TestCase(new[] { "convert", "/nonexistent/a.wav", "b.wav" }, 1, "does not exist")]
    public void Bad_command_lines_fail_with_one_line(string[] args, int expectedCode, string expectedText)
    {
        var (code, _, stderr) = Run(args);
        Assert.That(code, Is.EqualTo(expectedCode));
        Assert.That(stderr, Does.Contain(expectedText));
        if (args.Length > 0)
        {
            Assert.That(stderr.TrimEnd().Split('\n'), Has.Length.EqualTo(1), "one line of error");
        }
    }

    [Test]
    public void A_malformed_wav_fails_with_one_line_naming_the_offset()
    {
        var path = PathOf("bad.wav");
        File.WriteAllBytes(path, "RIFF\x24\0\0\0WAVEfmt \x02\0\0\0\0\0"u8.ToArray());

        var (code, _, stderr) = Run("convert", path, PathOf("out.wav"));

        Assert.That(code, Is.EqualTo(1));
        Assert.That(stderr, Does.StartWith("voicekit: ").And.Contain("byte"));
        Assert.That(stderr.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(File.Exists(PathOf("out.wav")), Is.False, "nothing is written for bad input");
    }

    [Test]
    public void The_real_executable_exits_non_zero_on_bad_input()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "VoiceKit.Cli.dll");
        var start = new ProcessStartInfo("dotnet", [dll, "convert", PathOf("missing.wav"), PathOf("out.wav")])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEnd();
        Assert.That(process.WaitForExit(60_000), Is.True);
        Assert.That(process.ExitCode, Is.EqualTo(1));
        Assert.That(stderr.Trim(), Does.StartWith("voicekit: input file").And.Not.Contain("\n"));
    }
}
