using System.Buffers.Binary;
using System.Diagnostics;
using VoiceKit.Audio;

namespace VoiceKit.Tests.Audio;

/// <summary>
/// G.711 against vectors produced by sox (tests/scripts/make-g711-vectors.sh): every PCM16 input and every code word.
/// </summary>
public sealed class G711Tests
{
    private static readonly string s_vectors = Path.Combine(TestContext.CurrentContext.TestDirectory, "TestData", "g711");

    private static short[] AllPcm16()
    {
        var all = new short[65536];
        for (var i = 0; i < all.Length; i++)
        {
            all[i] = (short)(i - 32768);
        }

        return all;
    }

    private static short[] ReadPcm(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var samples = new short[bytes.Length / 2];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(i * 2));
        }

        return samples;
    }

    private static int FirstMismatch<T>(ReadOnlySpan<T> expected, ReadOnlySpan<T> actual)
        where T : IEquatable<T>
    {
        for (var i = 0; i < expected.Length; i++)
        {
            if (!expected[i].Equals(actual[i]))
            {
                return i;
            }
        }

        return -1;
    }

    [TestCase(AudioEncoding.MuLaw, "mulaw-encode.raw")]
    [TestCase(AudioEncoding.ALaw, "alaw-encode.raw")]
    public void Encode_matches_sox_for_every_pcm16_input(AudioEncoding encoding, string vectorFile)
    {
        var expected = File.ReadAllBytes(Path.Combine(s_vectors, vectorFile));
        Assert.That(expected, Has.Length.EqualTo(65536));

        var actual = new byte[65536];
        AudioCodec.Encode(encoding, AllPcm16(), actual);

        var mismatch = FirstMismatch<byte>(expected, actual);
        Assert.That(mismatch, Is.EqualTo(-1), () => $"input {mismatch - 32768}: sox 0x{expected[mismatch]:x2}, ours 0x{actual[mismatch]:x2}");
    }

    [TestCase(AudioEncoding.MuLaw, "mulaw-decode.raw")]
    [TestCase(AudioEncoding.ALaw, "alaw-decode.raw")]
    public void Decode_matches_sox_for_every_code_word(AudioEncoding encoding, string vectorFile)
    {
        var expected = ReadPcm(Path.Combine(s_vectors, vectorFile));
        Assert.That(expected, Has.Length.EqualTo(256));

        var codes = new byte[256];
        for (var i = 0; i < codes.Length; i++)
        {
            codes[i] = (byte)i;
        }

        var actual = new short[256];
        AudioCodec.Decode(encoding, codes, actual);

        var mismatch = FirstMismatch<short>(expected, actual);
        Assert.That(mismatch, Is.EqualTo(-1), () => $"code 0x{mismatch:x2}: sox {expected[mismatch]}, ours {actual[mismatch]}");
    }

    [Test]
    public void Single_sample_and_span_forms_agree()
    {
        var all = AllPcm16();
        var mu = new byte[all.Length];
        var a = new byte[all.Length];
        MuLaw.Encode(all, mu);
        ALaw.Encode(all, a);
        for (var i = 0; i < all.Length; i++)
        {
            if (mu[i] != MuLaw.EncodeSample(all[i]) || a[i] != ALaw.EncodeSample(all[i]))
            {
                Assert.Fail($"span and single-sample encoders differ at input {all[i]}");
            }
        }

        var one = new short[1];
        for (var code = 0; code < 256; code++)
        {
            MuLaw.Decode([(byte)code], one);
            Assert.That(one[0], Is.EqualTo(MuLaw.DecodeSample((byte)code)));
            ALaw.Decode([(byte)code], one);
            Assert.That(one[0], Is.EqualTo(ALaw.DecodeSample((byte)code)));
        }
    }

    [TestCase(AudioEncoding.MuLaw)]
    [TestCase(AudioEncoding.ALaw)]
    public void Every_code_word_survives_decode_then_encode(AudioEncoding encoding)
    {
        // G.711 has two zero code words per law; each decodes to a value that re-encodes to the canonical one.
        var codes = new byte[256];
        for (var i = 0; i < codes.Length; i++)
        {
            codes[i] = (byte)i;
        }

        var pcm = new short[256];
        var again = new byte[256];
        AudioCodec.Decode(encoding, codes, pcm);
        AudioCodec.Encode(encoding, pcm, again);
        var differing = Enumerable.Range(0, 256).Where(i => again[i] != codes[i]).ToArray();
        Assert.That(differing.Length, Is.LessThanOrEqualTo(1), $"code words that do not round-trip: {string.Join(", ", differing)}");
    }

    [Test]
    public void Destination_too_short_is_an_argument_error()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => MuLaw.Encode(new short[4], new byte[3]), Throws.ArgumentException);
            Assert.That(() => ALaw.Decode(new byte[4], new short[3]), Throws.ArgumentException);
            Assert.That(() => AudioCodec.Decode(AudioEncoding.Pcm16, new byte[3], new short[4]), Throws.ArgumentException.With.Message.Contains("even"));
        });
    }

    [Test]
    public void Pcm16_bytes_are_little_endian()
    {
        var bytes = new byte[] { 0x34, 0x12, 0xFF, 0xFF };
        var samples = new short[2];
        Assert.That(AudioCodec.Decode(AudioEncoding.Pcm16, bytes, samples), Is.EqualTo(2));
        Assert.That(samples, Is.EqualTo(new short[] { 0x1234, -1 }));

        var back = new byte[4];
        Assert.That(AudioCodec.Encode(AudioEncoding.Pcm16, samples, back), Is.EqualTo(4));
        Assert.That(back, Is.EqualTo(bytes));
    }

    [TestCase("-e mu-law", AudioEncoding.MuLaw)]
    [TestCase("-e a-law", AudioEncoding.ALaw)]
    public void Encode_matches_a_live_sox_run_on_speech_like_noise(string soxEncoding, AudioEncoding encoding)
    {
        // The committed vectors could in principle be stale; when sox is installed (CI installs it), check again live.
        Assume.That(File.Exists("/usr/bin/sox"), "sox is not installed");
        var random = new Random(1234);
        var input = new short[8000];
        for (var i = 0; i < input.Length; i++)
        {
            input[i] = (short)Math.Clamp(random.NextDouble() * random.NextDouble() * 70000 - 35000, short.MinValue, short.MaxValue);
        }

        var dir = Directory.CreateTempSubdirectory("voicekit-g711-");
        try
        {
            var rawIn = Path.Combine(dir.FullName, "in.raw");
            var rawOut = Path.Combine(dir.FullName, "out.raw");
            var inBytes = new byte[input.Length * 2];
            AudioCodec.Encode(AudioEncoding.Pcm16, input, inBytes);
            File.WriteAllBytes(rawIn, inBytes);
            using var sox = Process.Start("sox", $"-D -V1 -t raw -r 8000 -c 1 -e signed-integer -b 16 -L {rawIn} -t raw {soxEncoding} -b 8 {rawOut}");
            sox.WaitForExit(30_000);
            Assert.That(sox.ExitCode, Is.Zero);

            var expected = File.ReadAllBytes(rawOut);
            var actual = new byte[input.Length];
            AudioCodec.Encode(encoding, input, actual);
            Assert.That(actual, Is.EqualTo(expected));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
