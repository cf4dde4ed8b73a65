using System.Diagnostics.CodeAnalysis;

namespace VoiceKit.Audio;

/// <summary>
/// The shape of an audio stream: encoding, sample rate and channel count, with the arithmetic that turns durations
/// into sample and byte counts. Multi-channel audio is interleaved.
/// </summary>
/// <remarks>
/// An immutable value; safe to share between threads. Phone audio is <see cref="Telephony"/>: 8 kHz mu-law mono, so a
/// 20 ms frame is 160 samples and 160 bytes.
/// </remarks>
public readonly record struct AudioFormat
{
    /// <summary>The lowest sample rate accepted, in hertz.</summary>
    public const int MinSampleRate = 1_000;

    /// <summary>The highest sample rate accepted, in hertz.</summary>
    public const int MaxSampleRate = 384_000;

    /// <summary>The highest channel count accepted.</summary>
    public const int MaxChannels = 8;

    /// <summary>Creates a format after checking that its values are usable.</summary>
    /// <param name="encoding">How samples are stored.</param>
    /// <param name="sampleRate">Samples per second per channel, between <see cref="MinSampleRate"/> and <see cref="MaxSampleRate"/>.</param>
    /// <param name="channels">Interleaved channels, between 1 and <see cref="MaxChannels"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range or the encoding is not defined.</exception>
    public AudioFormat(AudioEncoding encoding, int sampleRate, int channels = 1)
    {
        if (encoding is not (AudioEncoding.Pcm16 or AudioEncoding.MuLaw or AudioEncoding.ALaw))
        {
            throw new ArgumentOutOfRangeException(nameof(encoding), encoding, "Unknown audio encoding.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, MinSampleRate);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sampleRate, MaxSampleRate);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(channels, MaxChannels);
        Encoding = encoding;
        SampleRate = sampleRate;
        Channels = channels;
    }

    /// <summary>8 kHz G.711 mu-law mono: the phone network (Twilio Media Streams).</summary>
    public static AudioFormat Telephony { get; } = new(AudioEncoding.MuLaw, 8_000);

    /// <summary>8 kHz G.711 A-law mono: phone networks outside North America and Japan.</summary>
    public static AudioFormat TelephonyALaw { get; } = new(AudioEncoding.ALaw, 8_000);

    /// <summary>16 kHz PCM16 mono: wideband speech, what most recognisers prefer.</summary>
    public static AudioFormat Pcm16Khz { get; } = new(AudioEncoding.Pcm16, 16_000);

    /// <summary>24 kHz PCM16 mono: OpenAI's speech output.</summary>
    public static AudioFormat Pcm24Khz { get; } = new(AudioEncoding.Pcm16, 24_000);

    /// <summary>48 kHz PCM16 mono: browsers and WebRTC.</summary>
    public static AudioFormat Pcm48Khz { get; } = new(AudioEncoding.Pcm16, 48_000);

    /// <summary>Creates a mono PCM16 format at <paramref name="sampleRate"/>.</summary>
    /// <param name="sampleRate">Samples per second.</param>
    public static AudioFormat Pcm16(int sampleRate) => new(AudioEncoding.Pcm16, sampleRate);

    /// <summary>How samples are stored.</summary>
    public AudioEncoding Encoding { get; }

    /// <summary>Samples per second per channel, in hertz.</summary>
    public int SampleRate { get; }

    /// <summary>Interleaved channels.</summary>
    public int Channels { get; }

    /// <summary>
    /// Whether this value was made by a constructor that validated it; <c>default(AudioFormat)</c> is not.
    /// </summary>
    public bool IsValid => SampleRate != 0;

    /// <summary>Bytes per sample of one channel: 2 for PCM16, 1 for G.711.</summary>
    public int BytesPerSample => Encoding == AudioEncoding.Pcm16 ? 2 : 1;

    /// <summary>Bytes per sample frame (one sample of every channel).</summary>
    public int BlockAlign => BytesPerSample * Channels;

    /// <summary>Bytes per second of audio.</summary>
    public int BytesPerSecond => BlockAlign * SampleRate;

    /// <summary>Samples per channel in <paramref name="milliseconds"/> of audio, rounded down.</summary>
    /// <param name="milliseconds">A non-negative duration in milliseconds.</param>
    public int SamplesPer(int milliseconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(milliseconds);
        return (int)((long)SampleRate * milliseconds / 1000);
    }

    /// <summary>Bytes in <paramref name="milliseconds"/> of audio (all channels), rounded down to whole sample frames.</summary>
    /// <param name="milliseconds">A non-negative duration in milliseconds.</param>
    public int BytesPer(int milliseconds) => SamplesPer(milliseconds) * BlockAlign;

    /// <summary>Samples per channel in <paramref name="duration"/>, rounded down.</summary>
    /// <param name="duration">A non-negative duration.</param>
    public long SamplesFor(TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        return (long)((Int128)duration.Ticks * SampleRate / TimeSpan.TicksPerSecond);
    }

    /// <summary>Bytes in <paramref name="duration"/> of audio (all channels), rounded down to whole sample frames.</summary>
    /// <param name="duration">A non-negative duration.</param>
    public long BytesFor(TimeSpan duration) => SamplesFor(duration) * BlockAlign;

    /// <summary>How long <paramref name="byteCount"/> bytes of this audio play for.</summary>
    /// <param name="byteCount">A non-negative byte count.</param>
    public TimeSpan DurationOf(long byteCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(byteCount);
        var sampleFrames = byteCount / BlockAlign;
        return TimeSpan.FromTicks((long)((Int128)sampleFrames * TimeSpan.TicksPerSecond / SampleRate));
    }

    /// <summary>A compact description such as <c>mulaw/8000/1</c>.</summary>
    public override string ToString() => $"{EncodingName(Encoding)}/{SampleRate}/{Channels}";

    /// <summary>Parses an encoding name used on command lines and in configuration: <c>pcm16</c>, <c>mulaw</c> (or <c>ulaw</c>), <c>alaw</c>.</summary>
    /// <param name="name">The name, case-insensitive.</param>
    /// <param name="encoding">The encoding, when recognised.</param>
    /// <returns>Whether the name was recognised.</returns>
    public static bool TryParseEncoding(string? name, [NotNullWhen(true)] out AudioEncoding? encoding)
    {
        encoding = name?.ToLowerInvariant() switch
        {
            "pcm16" or "pcm" or "s16le" or "linear16" => AudioEncoding.Pcm16,
            "mulaw" or "ulaw" or "mu-law" or "pcmu" => AudioEncoding.MuLaw,
            "alaw" or "a-law" or "pcma" => AudioEncoding.ALaw,
            _ => null,
        };
        return encoding is not null;
    }

    /// <summary>The canonical lower-case name of an encoding: <c>pcm16</c>, <c>mulaw</c> or <c>alaw</c>.</summary>
    /// <param name="encoding">The encoding.</param>
    public static string EncodingName(AudioEncoding encoding) => encoding switch
    {
        AudioEncoding.Pcm16 => "pcm16",
        AudioEncoding.MuLaw => "mulaw",
        AudioEncoding.ALaw => "alaw",
        _ => throw new ArgumentOutOfRangeException(nameof(encoding), encoding, "Unknown audio encoding."),
    };
}
