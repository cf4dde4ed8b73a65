using VoiceKit.Audio;

namespace VoiceKit.Tests.Audio;

public sealed class AudioConverterTests
{
    private static byte[] Encoded(AudioFormat format, int seconds = 1, double hz = 440)
    {
        var samples = new short[format.SampleRate * seconds * format.Channels];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = (short)(12000 * Math.Sin(2 * Math.PI * hz * (i / format.Channels) / format.SampleRate));
        }

        var bytes = new byte[AudioCodec.GetEncodedLength(format.Encoding, samples.Length)];
        AudioCodec.Encode(format.Encoding, samples, bytes);
        return bytes;
    }

    private static byte[] ConvertAll(AudioConverter converter, byte[] input, int chunkBytes)
    {
        var output = new List<byte>();
        var buffer = new byte[converter.GetMaxOutputLength(chunkBytes) + 65536];
        for (var offset = 0; offset < input.Length; offset += chunkBytes)
        {
            var chunk = input.AsSpan(offset, Math.Min(chunkBytes, input.Length - offset));
            output.AddRange(buffer.AsSpan(0, converter.Convert(chunk, buffer)).ToArray());
        }

        output.AddRange(buffer.AsSpan(0, converter.Flush(buffer)).ToArray());
        return [.. output];
    }

    [Test]
    public void Same_format_passes_through_unchanged()
    {
        var converter = new AudioConverter(AudioFormat.Telephony, AudioFormat.Telephony);
        var input = Encoded(AudioFormat.Telephony);
        var output = new byte[input.Length];
        Assert.That(converter.IsPassThrough, Is.True);
        Assert.That(converter.Convert(input, output), Is.EqualTo(input.Length));
        Assert.That(output, Is.EqualTo(input));
        Assert.That(converter.DelayFrames, Is.Zero);
    }

    [Test]
    public void Encoding_only_change_decodes_mulaw_to_pcm16_exactly()
    {
        var converter = new AudioConverter(AudioFormat.Telephony, AudioFormat.Pcm16(8000));
        var input = Encoded(AudioFormat.Telephony);
        var output = new byte[converter.GetMaxOutputLength(input.Length)];
        var written = converter.Convert(input, output);

        var expected = new short[input.Length];
        MuLaw.Decode(input, expected);
        var expectedBytes = new byte[input.Length * 2];
        AudioCodec.Encode(AudioEncoding.Pcm16, expected, expectedBytes);
        Assert.That(written, Is.EqualTo(input.Length * 2));
        Assert.That(output, Is.EqualTo(expectedBytes));
    }

    private static IEnumerable<TestCaseData> Pairs()
    {
        yield return new TestCaseData(AudioFormat.Telephony, AudioFormat.Pcm16Khz).SetName("mulaw 8k to pcm 16k");
        yield return new TestCaseData(AudioFormat.Pcm24Khz, AudioFormat.Telephony).SetName("pcm 24k to mulaw 8k");
        yield return new TestCaseData(AudioFormat.Pcm48Khz, AudioFormat.Pcm16Khz).SetName("pcm 48k to pcm 16k");
        yield return new TestCaseData(new AudioFormat(AudioEncoding.Pcm16, 16000, 2), new AudioFormat(AudioEncoding.ALaw, 8000, 2)).SetName("stereo 16k to stereo alaw 8k");
    }

    [TestCaseSource(nameof(Pairs))]
    public void Frame_by_frame_equals_one_shot(AudioFormat from, AudioFormat to)
    {
        var input = Encoded(from);
        var oneShot = ConvertAll(new AudioConverter(from, to), input, input.Length);
        var framed = ConvertAll(new AudioConverter(from, to), input, from.BytesPer(20));
        var odd = ConvertAll(new AudioConverter(from, to), input, from.BlockAlign * 7);

        Assert.That(framed, Is.EqualTo(oneShot));
        Assert.That(odd, Is.EqualTo(oneShot));
        var expectedFrames = (long)input.Length / from.BlockAlign * to.SampleRate / from.SampleRate;
        Assert.That(oneShot.Length / to.BlockAlign, Is.InRange(expectedFrames, expectedFrames + (2 * 1024)), "as long as the input plus the filter tail");
    }

    [TestCase(8_000, 16_000)]
    [TestCase(16_000, 8_000)]
    [TestCase(22_050, 8_000)]
    public void A_whole_recording_converts_time_aligned_and_as_long_as_the_input(int fromRate, int toRate)
    {
        // A click at 0.25 s in a half-second recording: it must stay at 0.25 s, and the result last half a second.
        var input = new short[fromRate / 2];
        input[fromRate / 4] = 20_000;
        var from = AudioFormat.Pcm16(fromRate);
        var to = new AudioFormat(AudioEncoding.MuLaw, toRate);

        var output = AudioConverter.ConvertAll(System.Runtime.InteropServices.MemoryMarshal.AsBytes(input.AsSpan()), from, to);

        var decoded = new short[output.Length];
        MuLaw.Decode(output, decoded);
        var peak = Array.IndexOf(decoded, decoded.MaxBy(Math.Abs));
        Assert.Multiple(() =>
        {
            Assert.That(decoded, Has.Length.EqualTo(toRate / 2).Within(2), "as long as the input");
            Assert.That(peak, Is.EqualTo(toRate / 4).Within(1), "the click where it was, not delayed by the filter");
        });
    }

    [Test]
    public void A_whole_recording_in_the_same_format_is_copied()
    {
        var input = Encoded(AudioFormat.Telephony);

        var output = AudioConverter.ConvertAll(input, AudioFormat.Telephony, AudioFormat.Telephony);

        Assert.That(output, Is.EqualTo(input).And.Not.SameAs(input));
    }

    [Test]
    public void Reset_starts_the_stream_over()
    {
        var converter = new AudioConverter(AudioFormat.Telephony, AudioFormat.Pcm16Khz);
        var input = Encoded(AudioFormat.Telephony);
        var first = ConvertAll(converter, input, 160);
        converter.Reset();
        var second = ConvertAll(converter, input, 160);
        Assert.That(second, Is.EqualTo(first));
    }

    [Test]
    public void Bad_arguments_are_reported()
    {
        var converter = new AudioConverter(AudioFormat.Pcm16Khz, AudioFormat.Telephony);
        Assert.Multiple(() =>
        {
            Assert.That(() => new AudioConverter(default, AudioFormat.Telephony), Throws.ArgumentException);
            Assert.That(() => new AudioConverter(new AudioFormat(AudioEncoding.Pcm16, 8000, 2), AudioFormat.Telephony), Throws.ArgumentException.With.Message.Contains("channel"));
            Assert.That(() => converter.Convert(new byte[3], new byte[100]), Throws.ArgumentException.With.Message.Contains("whole number"));
            Assert.That(() => converter.Convert(new byte[640], new byte[10]), Throws.ArgumentException);
        });
    }
}
