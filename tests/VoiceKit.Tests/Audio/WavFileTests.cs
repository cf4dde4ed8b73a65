using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using VoiceKit.Audio;

namespace VoiceKit.Tests.Audio;

public sealed class WavFileTests
{
    private static readonly AudioFormat Pcm16Stereo = new(AudioEncoding.Pcm16, 16_000, 2);

    private static IEnumerable<TestCaseData> RoundTripFormats()
    {
        yield return new TestCaseData(AudioEncoding.Pcm16, 16_000, 1).SetArgDisplayNames("pcm16 mono 16k");
        yield return new TestCaseData(AudioEncoding.Pcm16, 48_000, 2).SetArgDisplayNames("pcm16 stereo 48k");
        yield return new TestCaseData(AudioEncoding.MuLaw, 8_000, 1).SetArgDisplayNames("mulaw mono 8k");
        yield return new TestCaseData(AudioEncoding.MuLaw, 8_000, 2).SetArgDisplayNames("mulaw stereo 8k");
        yield return new TestCaseData(AudioEncoding.ALaw, 8_000, 1).SetArgDisplayNames("alaw mono 8k");
    }

    [TestCaseSource(nameof(RoundTripFormats))]
    public void Written_file_reads_back_with_the_same_format_and_samples(AudioEncoding encoding, int rate, int channels)
    {
        var format = new AudioFormat(encoding, rate, channels);
        var data = WavTestFiles.Noise(format.BytesPer(100), seed: 1);

        var file = WavTestFiles.Write(format, data);
        var audio = WavFile.Read(file);

        Assert.Multiple(() =>
        {
            Assert.That(audio.Format, Is.EqualTo(format));
            Assert.That(audio.Data.ToArray(), Is.EqualTo(data));
            Assert.That(audio.Duration, Is.EqualTo(TimeSpan.FromMilliseconds(100)));
            Assert.That(WavTestFiles.U32(file, 4), Is.EqualTo(file.Length - 8), "RIFF size");
        });
    }

    [Test]
    public void Pcm16_is_written_as_wave_format_pcm_with_a_44_byte_header()
    {
        var data = WavTestFiles.Noise(Pcm16Stereo.BytesPer(10), seed: 2);
        var file = WavTestFiles.Write(Pcm16Stereo, data);

        Assert.Multiple(() =>
        {
            Assert.That(file, Has.Length.EqualTo(44 + data.Length));
            Assert.That(Encoding.ASCII.GetString(file, 12, 4), Is.EqualTo("fmt "));
            Assert.That(WavTestFiles.U32(file, 16), Is.EqualTo(16), "fmt size");
            Assert.That(WavTestFiles.U16(file, 20), Is.EqualTo(1), "WAVE_FORMAT_PCM");
            Assert.That(WavTestFiles.U16(file, 22), Is.EqualTo(2), "channels");
            Assert.That(WavTestFiles.U32(file, 24), Is.EqualTo(16_000), "rate");
            Assert.That(WavTestFiles.U32(file, 28), Is.EqualTo(64_000), "byte rate");
            Assert.That(WavTestFiles.U16(file, 32), Is.EqualTo(4), "block align");
            Assert.That(WavTestFiles.U16(file, 34), Is.EqualTo(16), "bits");
            Assert.That(Encoding.ASCII.GetString(file, 36, 4), Is.EqualTo("data"));
            Assert.That(WavTestFiles.U32(file, 40), Is.EqualTo(data.Length));
        });
    }

    [TestCase(AudioEncoding.MuLaw, 7)]
    [TestCase(AudioEncoding.ALaw, 6)]
    public void G711_is_written_with_an_18_byte_fmt_and_a_fact_chunk(AudioEncoding encoding, int tag)
    {
        var format = new AudioFormat(encoding, 8_000, 2);
        var data = WavTestFiles.Noise(320, seed: 3);
        var file = WavTestFiles.Write(format, data);

        Assert.Multiple(() =>
        {
            Assert.That(file, Has.Length.EqualTo(58 + data.Length));
            Assert.That(WavTestFiles.U32(file, 16), Is.EqualTo(18), "fmt size");
            Assert.That(WavTestFiles.U16(file, 20), Is.EqualTo(tag), "format tag");
            Assert.That(WavTestFiles.U16(file, 32), Is.EqualTo(2), "block align");
            Assert.That(WavTestFiles.U16(file, 34), Is.EqualTo(8), "bits");
            Assert.That(WavTestFiles.U16(file, 36), Is.Zero, "cbSize");
            Assert.That(Encoding.ASCII.GetString(file, 38, 4), Is.EqualTo("fact"));
            Assert.That(WavTestFiles.U32(file, 42), Is.EqualTo(4), "fact size");
            Assert.That(WavTestFiles.U32(file, 46), Is.EqualTo(160), "sample frames");
            Assert.That(Encoding.ASCII.GetString(file, 50, 4), Is.EqualTo("data"));
            Assert.That(WavTestFiles.U32(file, 54), Is.EqualTo(320));
        });
    }

    [Test]
    public void Odd_length_data_is_followed_by_a_pad_byte_and_reads_back_exactly()
    {
        var data = WavTestFiles.Noise(101, seed: 4);
        var file = WavTestFiles.Write(AudioFormat.Telephony, data);
        var audio = WavFile.Read(file);

        Assert.Multiple(() =>
        {
            Assert.That(file, Has.Length.EqualTo(58 + 101 + 1));
            Assert.That(file[^1], Is.Zero, "pad byte");
            Assert.That(WavTestFiles.U32(file, 54), Is.EqualTo(101), "data size excludes the pad byte");
            Assert.That(WavTestFiles.U32(file, 4), Is.EqualTo(file.Length - 8), "RIFF size includes the pad byte");
            Assert.That(audio.Data.ToArray(), Is.EqualTo(data));
        });
    }

    [TestCase((ushort)1, AudioEncoding.Pcm16, 2, 16)]
    [TestCase((ushort)7, AudioEncoding.MuLaw, 1, 8)]
    [TestCase((ushort)6, AudioEncoding.ALaw, 1, 8)]
    public void Extensible_format_is_read_by_its_sub_format(ushort subFormat, AudioEncoding expected, int channels, int bits)
    {
        var blockAlign = channels * bits / 8;
        var data = WavTestFiles.Noise(blockAlign * 80, seed: 5);
        var file = WavTestFiles.Riff(
            WavTestFiles.ExtensibleFmt(subFormat, (ushort)channels, 8_000, (ushort)bits, validBits: (ushort)bits),
            WavTestFiles.Chunk("fact", WavTestFiles.LittleEndian(80)),
            WavTestFiles.Chunk("data", data));

        var audio = WavFile.Read(file);

        Assert.Multiple(() =>
        {
            Assert.That(audio.Format, Is.EqualTo(new AudioFormat(expected, 8_000, channels)));
            Assert.That(audio.Data.ToArray(), Is.EqualTo(data));
        });
    }

    [Test]
    public void Unknown_chunks_before_and_after_data_are_skipped_with_their_pad_bytes()
    {
        var data = WavTestFiles.Noise(AudioFormat.Telephony.BytesPer(20), seed: 6);
        var file = WavTestFiles.Riff(
            WavTestFiles.Chunk("JUNK", [1, 2, 3]), // odd size: one pad byte follows
            WavTestFiles.Fmt(7, 1, 8_000, 8_000, 1, 8, extra: [0, 0]),
            WavTestFiles.Chunk("LIST", Encoding.ASCII.GetBytes("INFOISFT\x05\0\0\0sox!\0\0")),
            WavTestFiles.Chunk("bext", new byte[33]),
            WavTestFiles.Chunk("data", data),
            WavTestFiles.Chunk("LIST", Encoding.ASCII.GetBytes("INFO")));

        var audio = WavFile.Read(file);

        Assert.Multiple(() =>
        {
            Assert.That(audio.Format, Is.EqualTo(AudioFormat.Telephony));
            Assert.That(audio.Data.ToArray(), Is.EqualTo(data));
        });
    }

    [Test]
    public void Riff_size_that_disagrees_with_the_file_length_is_tolerated()
    {
        var data = WavTestFiles.Noise(64, seed: 7);
        var file = WavTestFiles.Write(AudioFormat.Pcm16Khz, data);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(4), 12345);

        Assert.That(WavFile.Read(file).Data.ToArray(), Is.EqualTo(data));
    }

    [Test]
    public void Unpatched_streaming_header_reads_the_data_to_the_end_of_the_file()
    {
        var data = WavTestFiles.Noise(AudioFormat.Pcm16Khz.BytesPer(10), seed: 8);
        var maxSize = WavTestFiles.Write(AudioFormat.Pcm16Khz, data);
        BinaryPrimitives.WriteUInt32LittleEndian(maxSize.AsSpan(4), uint.MaxValue);
        BinaryPrimitives.WriteUInt32LittleEndian(maxSize.AsSpan(40), uint.MaxValue);

        // A writer that wrote the header of an empty file first and never came back; the crash cut a sample in half.
        var zeroSize = WavTestFiles.Write(AudioFormat.Pcm16Khz, data).Concat(new byte[] { 0x7F }).ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(zeroSize.AsSpan(4), 36);
        BinaryPrimitives.WriteUInt32LittleEndian(zeroSize.AsSpan(40), 0);

        Assert.Multiple(() =>
        {
            Assert.That(WavFile.Read(maxSize).Data.ToArray(), Is.EqualTo(data));
            Assert.That(WavFile.Read(zeroSize).Data.ToArray(), Is.EqualTo(data));
        });
    }

    [Test]
    public void Empty_data_chunk_followed_by_a_chunk_the_riff_size_covers_is_empty()
    {
        var file = WavTestFiles.Riff(
            WavTestFiles.Fmt(1, 1, 16_000, 32_000, 2, 16),
            WavTestFiles.Chunk("data", []),
            WavTestFiles.Chunk("LIST", Encoding.ASCII.GetBytes("INFO")));

        var audio = WavFile.Read(file);

        Assert.Multiple(() =>
        {
            Assert.That(audio.Data.Length, Is.Zero);
            Assert.That(audio.Duration, Is.EqualTo(TimeSpan.Zero));
        });
    }

    [Test]
    public void Streams_are_read_from_their_current_position_whether_or_not_they_can_seek()
    {
        var data = WavTestFiles.Noise(Pcm16Stereo.BytesPer(50), seed: 9);
        var file = WavTestFiles.Write(Pcm16Stereo, data);
        var prefixed = new byte[7].Concat(file).ToArray();

        using var seekable = new MemoryStream(prefixed);
        seekable.Position = 7;
        using var forwardOnly = new ForwardOnlyStream(file);

        Assert.Multiple(() =>
        {
            Assert.That(WavFile.Read(seekable).Data.ToArray(), Is.EqualTo(data));
            Assert.That(WavFile.Read(forwardOnly).Data.ToArray(), Is.EqualTo(data));
        });
    }

    [Test]
    public void Input_longer_than_the_limit_is_refused_without_buffering_it()
    {
        var file = WavTestFiles.Write(AudioFormat.Telephony, new byte[1000]);

        using var seekable = new MemoryStream(file);
        using var forwardOnly = new ForwardOnlyStream(file);

        Assert.Multiple(() =>
        {
            Assert.That(() => WavFile.Read(seekable, maxLength: 1000),
                Throws.TypeOf<WavFormatException>().With.Property(nameof(WavFormatException.Offset)).EqualTo(1000));
            Assert.That(() => WavFile.Read(forwardOnly, maxLength: 1000),
                Throws.TypeOf<WavFormatException>().With.Property(nameof(WavFormatException.Offset)).EqualTo(1000));
            Assert.That(WavFile.Read(new MemoryStream(file), maxLength: file.Length).Data.Length, Is.EqualTo(1000));
            Assert.That(WavFile.Read(new ForwardOnlyStream(file), maxLength: file.Length).Data.Length, Is.EqualTo(1000));
        });
    }

    [Test]
    public void Files_on_disk_round_trip()
    {
        var path = Path.Combine(Path.GetTempPath(), $"voicekit-wav-{Guid.NewGuid():N}.wav");
        var data = WavTestFiles.Noise(AudioFormat.TelephonyALaw.BytesPer(30), seed: 10);
        try
        {
            WavFile.WriteFile(path, AudioFormat.TelephonyALaw, data);
            var audio = WavFile.ReadFile(path);
            Assert.Multiple(() =>
            {
                Assert.That(audio.Format, Is.EqualTo(AudioFormat.TelephonyALaw));
                Assert.That(audio.Data.ToArray(), Is.EqualTo(data));
            });
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Writing_partial_sample_frames_or_a_default_format_is_refused()
    {
        using var stream = new MemoryStream();
        Assert.Multiple(() =>
        {
            Assert.That(() => WavFile.Write(stream, AudioFormat.Pcm16Khz, new byte[3]), Throws.ArgumentException);
            Assert.That(() => WavFile.Write(stream, default, new byte[4]), Throws.ArgumentException);
            Assert.That(() => new WavAudio(Pcm16Stereo, new byte[6]), Throws.ArgumentException);
            Assert.That(stream.Length, Is.Zero);
        });
    }

    private static IEnumerable<TestCaseData> WriterCases()
    {
        yield return new TestCaseData(AudioEncoding.Pcm16, 2, 1601).SetArgDisplayNames("pcm16 stereo");
        yield return new TestCaseData(AudioEncoding.MuLaw, 1, 1601).SetArgDisplayNames("mulaw odd length");
        yield return new TestCaseData(AudioEncoding.ALaw, 1, 0).SetArgDisplayNames("alaw empty");
    }

    [TestCaseSource(nameof(WriterCases))]
    public async Task WavWriter_produces_the_same_bytes_as_WavFile_Write(AudioEncoding encoding, int channels, int frames)
    {
        var format = new AudioFormat(encoding, 8_000, channels);
        var data = WavTestFiles.Noise(frames * format.BlockAlign, seed: 11);
        var expected = WavTestFiles.Write(format, data);

        using var syncStream = new MemoryStream();
        using (var writer = new WavWriter(syncStream, format, leaveOpen: true))
        {
            for (var i = 0; i < data.Length; i += 160 * format.BlockAlign)
            {
                writer.Write(data.AsSpan(i, Math.Min(160 * format.BlockAlign, data.Length - i)));
            }

            Assert.That(writer.DataLength, Is.EqualTo(data.Length));
        }

        using var asyncStream = new MemoryStream();
        await using (var writer = new WavWriter(asyncStream, format, leaveOpen: true))
        {
            for (var i = 0; i < data.Length; i += 320 * format.BlockAlign)
            {
                await writer.WriteAsync(data.AsMemory(i, Math.Min(320 * format.BlockAlign, data.Length - i)));
            }
        }

        Assert.Multiple(() =>
        {
            Assert.That(syncStream.ToArray(), Is.EqualTo(expected));
            Assert.That(asyncStream.ToArray(), Is.EqualTo(expected));
        });
    }

    [Test]
    public void WavWriter_refuses_a_stream_it_cannot_seek()
    {
        using var forwardOnly = new ForwardOnlyStream([]);
        Assert.That(() => new WavWriter(forwardOnly, AudioFormat.Telephony),
            Throws.ArgumentException.With.Property(nameof(ArgumentException.ParamName)).EqualTo("stream"));
    }

    [Test]
    public void WavWriter_starts_at_the_stream_position_and_disposes_the_stream_unless_left_open()
    {
        var data = WavTestFiles.Noise(100, seed: 12);
        var stream = new MemoryStream();
        stream.Write([9, 9, 9]);
        using (var writer = new WavWriter(stream, AudioFormat.Telephony))
        {
            writer.Write(data);
            Assert.That(writer.Duration, Is.EqualTo(TimeSpan.FromMilliseconds(12.5)));
        }

        var bytes = stream.ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(stream.CanWrite, Is.False, "disposed");
            Assert.That(bytes.Take(3), Is.EqualTo(new byte[] { 9, 9, 9 }));
            Assert.That(bytes.Skip(3).ToArray(), Is.EqualTo(WavTestFiles.Write(AudioFormat.Telephony, data)));
        });
    }

    [Test]
    public void A_recording_cut_short_before_dispose_is_still_readable()
    {
        var data = WavTestFiles.Noise(Pcm16Stereo.BytesPer(20), seed: 13);
        using var stream = new MemoryStream();
        var writer = new WavWriter(stream, Pcm16Stereo, leaveOpen: true);
        writer.Write(data);

        // Never disposed: the header still holds the placeholder sizes.
        Assert.That(WavFile.Read(stream.ToArray()).Data.ToArray(), Is.EqualTo(data));
    }

    [Test]
    public void WavWriter_refuses_to_grow_past_the_4_GiB_riff_limit()
    {
        using var sink = new CountingStream();
        using var writer = new WavWriter(sink, AudioFormat.Telephony, leaveOpen: true);
        var block = new byte[64 * 1024 * 1024];
        for (var i = 0; i < 63; i++)
        {
            writer.Write(block);
        }

        var room = (long)uint.MaxValue - 50 - 1 - writer.DataLength; // RIFF size = 50 header bytes + data + pad
        writer.Write(block.AsSpan(0, (int)room));

        Assert.Multiple(() =>
        {
            Assert.That(() => writer.Write(block.AsSpan(0, 1)),
                Throws.InvalidOperationException.With.Message.Contains("4 GiB"));
            Assert.That(writer.DataLength, Is.EqualTo((long)uint.MaxValue - 51));
        });
        writer.Dispose();
        Assert.That(WavTestFiles.U32(sink.Header, 4), Is.EqualTo(uint.MaxValue - 1), "RIFF size at its largest (one byte stays reserved for a pad byte)");
    }

    [Test]
    public void WavWriter_throws_after_dispose()
    {
        var writer = new WavWriter(new MemoryStream(), AudioFormat.Telephony);
        writer.Dispose();
        writer.Dispose();
        Assert.That(() => writer.Write([1]), Throws.TypeOf<ObjectDisposedException>());
    }

    private static IEnumerable<TestCaseData> MalformedFiles()
    {
        var fmt = WavTestFiles.Fmt(1, 1, 16_000, 32_000, 2, 16);
        var data = WavTestFiles.Chunk("data", new byte[8]);

        TestCaseData Case(string name, byte[] file, long offset, string fragment) =>
            new TestCaseData(file, offset, fragment).SetArgDisplayNames(name);

        yield return Case("empty", [], 0, "RIFF header");
        yield return Case("not RIFF", Encoding.ASCII.GetBytes("OggS\0\0\0\0WAVE"), 0, "does not start with 'RIFF'");
        yield return Case("big-endian RIFX", Encoding.ASCII.GetBytes("RIFX\0\0\0\0WAVE"), 0, "unsupported: big-endian RIFX");
        yield return Case("RF64", Encoding.ASCII.GetBytes("RF64\0\0\0\0WAVE"), 0, "unsupported: RF64");
        yield return Case("short RIFF header", Encoding.ASCII.GetBytes("RIFF\0\0\0\0WA"), 10, "RIFF header");
        yield return Case("not WAVE", Encoding.ASCII.GetBytes("RIFF\x04\0\0\0AVI "), 8, "not 'WAVE'");
        yield return Case("fmt too small", WavTestFiles.Riff(WavTestFiles.Chunk("fmt ", [1, 0, 1, 0]), data), 12,
            "WAV 'fmt ' chunk at byte 12 declares size 4, too small for a format header (16 bytes needed).");
        yield return Case("fmt truncated", WavTestFiles.Riff(fmt)[..30], 12, "declares size 16 but only 10 bytes follow");
        yield return Case("bad block align", WavTestFiles.Riff(WavTestFiles.Fmt(1, 2, 16_000, 64_000, 2, 16), data), 32, "block align 2");
        yield return Case("bad byte rate", WavTestFiles.Riff(WavTestFiles.Fmt(1, 1, 16_000, 16_000, 2, 16), data), 28, "bytes per second");
        yield return Case("24-bit PCM", WavTestFiles.Riff(WavTestFiles.Fmt(1, 1, 16_000, 48_000, 3, 24), data), 34, "unsupported: 24-bit PCM");
        yield return Case("8-bit PCM", WavTestFiles.Riff(WavTestFiles.Fmt(1, 1, 16_000, 16_000, 1, 8), data), 34, "unsupported: 8-bit PCM");
        yield return Case("float", WavTestFiles.Riff(WavTestFiles.Fmt(3, 1, 16_000, 64_000, 4, 32), data), 20, "unsupported: IEEE float");
        yield return Case("16-bit mu-law", WavTestFiles.Riff(WavTestFiles.Fmt(7, 1, 8_000, 16_000, 2, 16), data), 34, "mulaw, which has 8");
        yield return Case("zero channels", WavTestFiles.Riff(WavTestFiles.Fmt(1, 0, 16_000, 0, 0, 16), data), 22, "0 channels");
        yield return Case("nine channels", WavTestFiles.Riff(WavTestFiles.Fmt(1, 9, 8_000, 144_000, 18, 16), data), 22, "unsupported: more than 8 channels");
        yield return Case("zero sample rate", WavTestFiles.Riff(WavTestFiles.Fmt(1, 1, 0, 0, 2, 16), data), 24, "sample rate of 0 Hz");
        yield return Case("data before fmt", WavTestFiles.Riff(data, fmt), 12, "comes before the 'fmt ' chunk");
        yield return Case("no data chunk", WavTestFiles.Riff(fmt, WavTestFiles.Chunk("LIST", new byte[4])), 48, "no 'data' chunk");
        yield return Case("no fmt chunk", WavTestFiles.Riff(WavTestFiles.Chunk("JUNK", new byte[4])), 24, "no 'fmt ' chunk");
        yield return Case("duplicate fmt", WavTestFiles.Riff(fmt, fmt, data), 36, "second 'fmt ' chunk");
        yield return Case("truncated data", WavTestFiles.Riff(fmt, WavTestFiles.Chunk("data", new byte[100]))[..100], 36,
            "declares 100 bytes but only 56 follow");
        yield return Case("data not whole frames", WavTestFiles.Riff(fmt, WavTestFiles.Chunk("data", new byte[7])), 36, "whole number of 2-byte sample frames");
        yield return Case("chunk overruns the file", WavTestFiles.Riff(fmt, WavTestFiles.Chunk("LIST", new byte[40]))[..60], 36, "'LIST' chunk at byte 36 declares size 40");
        yield return Case("truncated chunk header", WavTestFiles.Riff(fmt, data)[..40], 36, "inside the chunk header at byte 36");
        yield return Case("binary chunk id", WavTestFiles.Riff(fmt, WavTestFiles.Chunk("\x01\x02\x03\x04", new byte[4]))[..46], 36, "0x01020304 chunk at byte 36");
        yield return Case("extensible fmt too small",
            WavTestFiles.Riff(WavTestFiles.Fmt(0xFFFE, 1, 16_000, 32_000, 2, 16, extra: [0, 0]), data), 12, "too small for the extension (40 bytes needed)");
        yield return Case("extensible unknown sub-format",
            WavTestFiles.Riff(WavTestFiles.ExtensibleFmt(1, 1, 16_000, 16, 16, guidTail: new byte[14]), data), 44, "unsupported: only PCM, A-law and mu-law sub-formats");
        yield return Case("extensible float sub-format",
            WavTestFiles.Riff(WavTestFiles.ExtensibleFmt(3, 1, 16_000, 32, 32), data), 44, "unsupported: IEEE float");
        yield return Case("extensible valid bits above container",
            WavTestFiles.Riff(WavTestFiles.ExtensibleFmt(1, 1, 16_000, 16, 20), data), 38, "20 valid bits in 16-bit samples");
        yield return Case("extensible extension size too small",
            WavTestFiles.Riff(WavTestFiles.ExtensibleFmt(1, 1, 16_000, 16, 16, cbSize: 2), data), 36, "less than the 22 bytes");
    }

    [TestCaseSource(nameof(MalformedFiles))]
    public void Malformed_file_throws_WavFormatException_naming_the_offset(byte[] file, long offset, string fragment)
    {
        var exception = Assert.Throws<WavFormatException>(() => WavFile.Read(file));
        Assert.Multiple(() =>
        {
            Assert.That(exception.Offset, Is.EqualTo(offset));
            Assert.That(exception.Message, Does.Contain($"byte {offset}"));
            Assert.That(exception.Message, Does.Contain(fragment));
        });
    }

    [Test]
    public void Files_written_by_sox_are_read()
    {
        Assume.That(File.Exists("/usr/bin/sox"), "sox is not installed");
        using var dir = new TempDir();

        var cases = new (string[] Args, AudioFormat Format, long Samples)[]
        {
            (["-r", "8000", "-c", "1", "-e", "mu-law"], AudioFormat.Telephony, 800),
            (["-r", "8000", "-c", "1", "-e", "a-law"], AudioFormat.TelephonyALaw, 800),
            (["-r", "16000", "-c", "2", "-b", "16", "-e", "signed-integer"], Pcm16Stereo, 1600),
            (["-r", "8000", "-c", "3", "-b", "16", "-e", "signed-integer"], new AudioFormat(AudioEncoding.Pcm16, 8_000, 3), 800), // sox writes WAVE_FORMAT_EXTENSIBLE
        };

        foreach (var (args, format, samples) in cases)
        {
            var wav = dir.File($"sox-{format.Encoding}-{format.Channels}.wav");
            var raw = Path.ChangeExtension(wav, ".raw");
            Sox("sox", ["-n", .. args, wav, "synth", "0.1", "sine", "440"]);
            Sox("sox", [wav, "-t", "raw", raw]);

            var audio = WavFile.ReadFile(wav);

            Assert.Multiple(() =>
            {
                Assert.That(audio.Format, Is.EqualTo(format), wav);
                Assert.That(audio.Data.Length, Is.EqualTo(samples * format.BlockAlign), wav);
                Assert.That(audio.Data.ToArray(), Is.EqualTo(File.ReadAllBytes(raw)), wav);
            });
        }
    }

    [Test]
    public void Files_we_write_are_accepted_by_sox()
    {
        Assume.That(File.Exists("/usr/bin/sox"), "sox is not installed");
        using var dir = new TempDir();

        var cases = new (AudioFormat Format, int Frames, string SoxEncoding)[]
        {
            (AudioFormat.Telephony, 801, "u-law"),
            (AudioFormat.TelephonyALaw, 800, "A-law"),
            (Pcm16Stereo, 1600, "Signed Integer PCM"),
        };

        foreach (var (format, frames, soxEncoding) in cases)
        {
            var wav = dir.File($"ours-{format.Encoding}.wav");
            var raw = Path.ChangeExtension(wav, ".raw");
            var data = WavTestFiles.Noise(frames * format.BlockAlign, seed: 14);
            WavFile.WriteFile(wav, format, data);
            Sox("sox", [wav, "-t", "raw", raw]);

            Assert.Multiple(() =>
            {
                Assert.That(Sox("soxi", ["-r", wav]), Is.EqualTo(format.SampleRate.ToString(System.Globalization.CultureInfo.InvariantCulture)), wav);
                Assert.That(Sox("soxi", ["-c", wav]), Is.EqualTo(format.Channels.ToString(System.Globalization.CultureInfo.InvariantCulture)), wav);
                Assert.That(Sox("soxi", ["-s", wav]), Is.EqualTo(frames.ToString(System.Globalization.CultureInfo.InvariantCulture)), wav);
                Assert.That(Sox("soxi", ["-e", wav]), Is.EqualTo(soxEncoding), wav);
                Assert.That(File.ReadAllBytes(raw), Is.EqualTo(data), wav);
            });
        }
    }

    /// <summary>Runs sox or soxi, fails the test on a non-zero exit or a warning, and returns trimmed standard output.</summary>
    private static string Sox(string tool, string[] args)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        Assert.That(process.WaitForExit(10_000), Is.True, $"{tool} timed out");
        var errors = stderr.GetAwaiter().GetResult();
        Assert.That(process.ExitCode, Is.Zero, $"{tool} {string.Join(' ', args)} failed: {errors}");
        Assert.That(errors, Does.Not.Contain("WARN").And.Not.Contain("FAIL"), $"{tool} {string.Join(' ', args)}");
        return stdout.Trim();
    }

    private sealed class TempDir : IDisposable
    {
        private readonly string _path = Directory.CreateTempSubdirectory("voicekit-wav-").FullName;

        public string File(string name) => Path.Combine(_path, name);

        public void Dispose() => Directory.Delete(_path, recursive: true);
    }

    /// <summary>A readable stream that cannot seek, like a network stream.</summary>
    private sealed class ForwardOnlyStream(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes);

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 7));
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>A seekable stream that keeps the first 64 bytes written and only counts the rest.</summary>
    private sealed class CountingStream : Stream
    {
        private long _length;

        public byte[] Header { get; } = new byte[64];
        public override bool CanRead => false;
        public override bool CanSeek => true;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get; set; }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => Position + offset,
            _ => _length + offset,
        };

        public override void SetLength(long value) => _length = value;
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (Position < Header.Length)
            {
                var n = (int)Math.Min(buffer.Length, Header.Length - Position);
                buffer[..n].CopyTo(Header.AsSpan((int)Position));
            }

            Position += buffer.Length;
            _length = Math.Max(_length, Position);
        }
    }
}

/// <summary>Builds WAV files byte by byte for the reader tests and the fuzz tests.</summary>
internal static class WavTestFiles
{
    public static byte[] Noise(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static byte[] Write(AudioFormat format, ReadOnlySpan<byte> data)
    {
        using var stream = new MemoryStream();
        WavFile.Write(stream, format, data);
        return stream.ToArray();
    }

    public static uint U32(byte[] file, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(offset));

    public static ushort U16(byte[] file, int offset) => BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(offset));

    public static byte[] LittleEndian(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        return bytes;
    }

    /// <summary>A chunk: ID, size, body, and a pad byte when the body is odd.</summary>
    public static byte[] Chunk(string id, byte[] body)
    {
        var chunk = new byte[8 + body.Length + (body.Length & 1)];
        Encoding.Latin1.GetBytes(id).CopyTo(chunk, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(chunk.AsSpan(4), (uint)body.Length);
        body.CopyTo(chunk, 8);
        return chunk;
    }

    /// <summary>A RIFF/WAVE file with a correct RIFF size around <paramref name="chunks"/>.</summary>
    public static byte[] Riff(params byte[][] chunks)
    {
        var body = chunks.SelectMany(c => c).ToArray();
        var file = new byte[12 + body.Length];
        "RIFF"u8.CopyTo(file);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(4), (uint)(4 + body.Length));
        "WAVE"u8.CopyTo(file.AsSpan(8));
        body.CopyTo(file, 12);
        return file;
    }

    public static byte[] Fmt(ushort tag, ushort channels, uint rate, uint byteRate, ushort blockAlign, ushort bits, byte[]? extra = null)
    {
        var body = new byte[16 + (extra?.Length ?? 0)];
        BinaryPrimitives.WriteUInt16LittleEndian(body, tag);
        BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(2), channels);
        BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(4), rate);
        BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(8), byteRate);
        BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(12), blockAlign);
        BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(14), bits);
        extra?.CopyTo(body, 16);
        return Chunk("fmt ", body);
    }

    /// <summary>A WAVE_FORMAT_EXTENSIBLE <c>fmt </c> chunk (40 bytes) whose sub-format GUID is derived from <paramref name="subFormat"/>.</summary>
    public static byte[] ExtensibleFmt(
        ushort subFormat, ushort channels, uint rate, ushort bits, ushort validBits, ushort cbSize = 22, byte[]? guidTail = null)
    {
        var blockAlign = (ushort)(channels * bits / 8);
        var extension = new byte[24];
        BinaryPrimitives.WriteUInt16LittleEndian(extension, cbSize);
        BinaryPrimitives.WriteUInt16LittleEndian(extension.AsSpan(2), validBits);
        BinaryPrimitives.WriteUInt32LittleEndian(extension.AsSpan(4), channels == 1 ? 0x4u : 0x3u); // channel mask
        BinaryPrimitives.WriteUInt16LittleEndian(extension.AsSpan(8), subFormat);
        (guidTail ?? [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71]).CopyTo(extension, 10);
        return Fmt(0xFFFE, channels, rate, rate * blockAlign, blockAlign, bits, extension);
    }
}
