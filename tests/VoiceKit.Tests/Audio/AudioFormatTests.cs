using VoiceKit.Audio;

namespace VoiceKit.Tests.Audio;

public sealed class AudioFormatTests
{
    [Test]
    public void Telephony_is_8khz_mulaw_with_160_byte_frames()
    {
        var format = AudioFormat.Telephony;
        Assert.Multiple(() =>
        {
            Assert.That(format.Encoding, Is.EqualTo(AudioEncoding.MuLaw));
            Assert.That(format.SampleRate, Is.EqualTo(8000));
            Assert.That(format.SamplesPer(20), Is.EqualTo(160));
            Assert.That(format.BytesPer(20), Is.EqualTo(160));
            Assert.That(format.BytesPerSecond, Is.EqualTo(8000));
            Assert.That(format.ToString(), Is.EqualTo("mulaw/8000/1"));
        });
    }

    [TestCase(16000, 1, 20, 320, 640)]
    [TestCase(24000, 1, 20, 480, 960)]
    [TestCase(48000, 2, 10, 480, 1920)]
    [TestCase(22050, 1, 30, 661, 1322)]
    [TestCase(44100, 2, 20, 882, 3528)]
    public void Pcm16_arithmetic(int rate, int channels, int ms, int samples, int bytes)
    {
        var format = new AudioFormat(AudioEncoding.Pcm16, rate, channels);
        Assert.Multiple(() =>
        {
            Assert.That(format.SamplesPer(ms), Is.EqualTo(samples));
            Assert.That(format.BytesPer(ms), Is.EqualTo(bytes));
            Assert.That(format.SamplesFor(TimeSpan.FromMilliseconds(ms)), Is.EqualTo(samples));
            Assert.That(format.BytesFor(TimeSpan.FromMilliseconds(ms)), Is.EqualTo(bytes));
            Assert.That(format.BlockAlign, Is.EqualTo(2 * channels));
        });
    }

    [Test]
    public void Duration_of_bytes_counts_whole_sample_frames()
    {
        var stereo = new AudioFormat(AudioEncoding.Pcm16, 16000, 2);
        Assert.Multiple(() =>
        {
            Assert.That(stereo.DurationOf(64_000), Is.EqualTo(TimeSpan.FromSeconds(1)));
            Assert.That(stereo.DurationOf(3), Is.EqualTo(TimeSpan.Zero));
            Assert.That(AudioFormat.Telephony.DurationOf(8), Is.EqualTo(TimeSpan.FromMilliseconds(1)));
            Assert.That(AudioFormat.Pcm48Khz.DurationOf(long.MaxValue / 4), Is.GreaterThan(TimeSpan.Zero), "large counts must not overflow");
        });
    }

    [Test]
    public void Out_of_range_values_are_rejected()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => new AudioFormat(AudioEncoding.Pcm16, 0), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => new AudioFormat(AudioEncoding.Pcm16, 1_000_000), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => new AudioFormat(AudioEncoding.Pcm16, 8000, 0), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => new AudioFormat((AudioEncoding)99, 8000), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => AudioFormat.Telephony.SamplesPer(-1), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(default(AudioFormat).IsValid, Is.False);
        });
    }

    [TestCase("pcm16", AudioEncoding.Pcm16)]
    [TestCase("MULAW", AudioEncoding.MuLaw)]
    [TestCase("ulaw", AudioEncoding.MuLaw)]
    [TestCase("alaw", AudioEncoding.ALaw)]
    public void Encoding_names_parse(string name, AudioEncoding expected)
    {
        Assert.That(AudioFormat.TryParseEncoding(name, out var encoding), Is.True);
        Assert.That(encoding, Is.EqualTo(expected));
        Assert.That(AudioFormat.TryParseEncoding(AudioFormat.EncodingName(expected), out var again) && again == expected, Is.True);
    }

    [Test]
    public void Unknown_encoding_names_do_not_parse()
    {
        Assert.That(AudioFormat.TryParseEncoding("opus", out _), Is.False);
        Assert.That(AudioFormat.TryParseEncoding(null, out _), Is.False);
    }
}
