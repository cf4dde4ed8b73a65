using VoiceKit.Audio;
using VoiceKit.Testing.Internal;

namespace VoiceKit.Testing;

/// <summary>
/// A deterministic speech synthesiser. Each text segment becomes a tone lasting <see cref="DurationPerCharacter"/>
/// per character, whose frequency tells the segment apart (400 Hz + 200 Hz × (segment mod 16); see
/// <see cref="IdentifySegment"/>). A segment's audio is ready <see cref="TimeToFirstByte"/> after its text arrives (and
/// never before the previous segment's) and is then delivered at once in 20 ms chunks, faster than real time as real
/// providers do; each <see cref="SpeechAudio"/> carries its segment index.
/// </summary>
/// <remarks>
/// Produces whatever format it is opened with (PCM16, mu-law or A-law, any rate; mono). Counts streams opened and
/// streams abandoned (disposed before their reader reached the end of the audio). Thread-safe.
/// </remarks>
public sealed class FakeTextToSpeech : ITextToSpeech
{
    /// <summary>The tone of segment 0, in hertz.</summary>
    public const double BaseFrequency = 400;

    /// <summary>How much higher each next segment's tone is, in hertz (modulo 16 segments).</summary>
    public const double FrequencyStep = 200;

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly List<string> _segments = [];
    private int _streamsOpened;
    private int _streamsAbandoned;

    /// <summary>Creates a synthesiser.</summary>
    /// <param name="timeProvider">The clock audio is produced on; tests pass a FakeTimeProvider.</param>
    public FakeTextToSpeech(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _time = timeProvider;
    }

    /// <summary>Delay from a segment's text to its audio. 150 ms by default.</summary>
    public TimeSpan TimeToFirstByte { get; set; } = TimeSpan.FromMilliseconds(150);

    /// <summary>How long each character of text speaks for. 60 ms by default.</summary>
    public TimeSpan DurationPerCharacter { get; set; } = TimeSpan.FromMilliseconds(60);

    /// <summary>How many streams were opened.</summary>
    public int StreamsOpened
    {
        get
        {
            lock (_lock)
            {
                return _streamsOpened;
            }
        }
    }

    /// <summary>How many streams were disposed before their reader reached the end of their audio (barge-in).</summary>
    public int StreamsAbandoned
    {
        get
        {
            lock (_lock)
            {
                return _streamsAbandoned;
            }
        }
    }

    /// <summary>Every text segment received by every stream, in order.</summary>
    public IReadOnlyList<string> Segments
    {
        get
        {
            lock (_lock)
            {
                return [.. _segments];
            }
        }
    }

    /// <summary>How long the audio for <paramref name="text"/> lasts: its length times <see cref="DurationPerCharacter"/>.</summary>
    /// <param name="text">A segment's text.</param>
    public TimeSpan DurationOf(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return DurationPerCharacter * text.Length;
    }

    /// <summary>
    /// Tells which segment (modulo 16) a stretch of this synthesiser's audio belongs to, from its tone; works after
    /// resampling or transcoding. Give it at least 10 ms of audio from one segment.
    /// </summary>
    /// <param name="audio">The audio.</param>
    /// <param name="format">Its format (mono).</param>
    /// <returns>The segment index modulo 16, or <see langword="null"/> when the audio is near silence.</returns>
    public static int? IdentifySegment(ReadOnlySpan<byte> audio, AudioFormat format)
    {
        var samples = new short[AudioCodec.GetSampleCount(format.Encoding, audio.Length)];
        AudioCodec.Decode(format.Encoding, audio, samples);
        double energy = 0;
        var crossings = 0;
        var lastSign = 0;
        foreach (var s in samples)
        {
            energy += (double)s * s;
            var sign = s > 0 ? 1 : s < 0 ? -1 : 0;
            if (sign != 0)
            {
                if (lastSign != 0 && sign != lastSign)
                {
                    crossings++;
                }

                lastSign = sign;
            }
        }

        if (samples.Length == 0 || energy / samples.Length < 100 * 100)
        {
            return null;
        }

        var frequency = crossings * format.SampleRate / (2.0 * samples.Length);
        return (int)Math.Round((frequency - BaseFrequency) / FrequencyStep) & 15;
    }

    /// <inheritdoc />
    /// <returns><paramref name="callFormat"/>: the fake produces any format.</returns>
    public AudioFormat SelectOutputFormat(AudioFormat callFormat) => callFormat;

    /// <inheritdoc />
    /// <exception cref="NotSupportedException"><paramref name="format"/> has more than one channel.</exception>
    public ValueTask<ITextToSpeechStream> StartAsync(AudioFormat format, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!format.IsValid)
        {
            throw new ArgumentException("The audio format is default(AudioFormat); create one with its constructor.", nameof(format));
        }

        if (format.Channels != 1)
        {
            throw new NotSupportedException("FakeTextToSpeech produces mono audio only.");
        }

        lock (_lock)
        {
            _streamsOpened++;
        }

        return new ValueTask<ITextToSpeechStream>(new FakeTextToSpeechStream(this, _time, format));
    }

    internal static double FrequencyOf(int segment) => BaseFrequency + (FrequencyStep * (segment & 15));

    internal void RecordSegment(string text)
    {
        lock (_lock)
        {
            _segments.Add(text);
        }
    }

    internal void RecordAbandoned()
    {
        lock (_lock)
        {
            _streamsAbandoned++;
        }
    }
}
