namespace VoiceKit.Audio;

/// <summary>The audio of a WAV file: its format and its sample bytes.</summary>
/// <remarks>
/// Immutable and safe to share between threads as long as nobody writes to the memory behind <see cref="Data"/>.
/// Instances made by <see cref="WavFile"/> own their memory; nothing needs disposing.
/// </remarks>
public sealed class WavAudio
{
    /// <summary>Creates a value from a format and whole sample frames.</summary>
    /// <param name="format">The format of <paramref name="data"/>; must be valid.</param>
    /// <param name="data">Interleaved samples, little-endian, a whole number of sample frames. Not copied.</param>
    /// <exception cref="ArgumentException"><paramref name="format"/> is <c>default</c>, or the length of
    /// <paramref name="data"/> is not a multiple of <see cref="AudioFormat.BlockAlign"/>.</exception>
    public WavAudio(AudioFormat format, ReadOnlyMemory<byte> data)
    {
        if (!format.IsValid)
        {
            throw new ArgumentException("The audio format is default(AudioFormat); create it with a constructor.", nameof(format));
        }

        if (data.Length % format.BlockAlign != 0)
        {
            throw new ArgumentException(
                $"{data.Length} bytes is not a whole number of {format.BlockAlign}-byte sample frames of {format}.", nameof(data));
        }

        Format = format;
        Data = data;
    }

    /// <summary>Encoding, sample rate and channel count.</summary>
    public AudioFormat Format { get; }

    /// <summary>Interleaved samples exactly as stored in the file (little-endian PCM16, or G.711 bytes).</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>How long the audio plays for.</summary>
    public TimeSpan Duration => Format.DurationOf(Data.Length);
}
