namespace VoiceKit.Audio;

/// <summary>
/// Thrown when bytes given to <see cref="WavFile"/> are not a WAV file VoiceKit can read: not RIFF/WAVE, damaged,
/// truncated, internally inconsistent, or in an encoding other than 16-bit PCM, mu-law or A-law.
/// </summary>
/// <remarks>
/// The message names the problem and the byte offset where it was found, for example
/// <c>WAV 'fmt ' chunk at byte 12 declares size 4, too small for a format header (16 bytes needed).</c>;
/// <see cref="Offset"/> holds the same offset for code.
/// </remarks>
public sealed class WavFormatException : FormatException
{
    /// <summary>Creates an exception with a generic message and an unknown offset.</summary>
    public WavFormatException()
        : this("The input is not a WAV file VoiceKit can read.")
    {
    }

    /// <summary>Creates an exception with <paramref name="message"/> and an unknown offset.</summary>
    /// <param name="message">What is wrong.</param>
    public WavFormatException(string? message)
        : this(message, -1)
    {
    }

    /// <summary>Creates an exception with <paramref name="message"/>, an unknown offset and the exception that caused it.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The cause.</param>
    public WavFormatException(string? message, Exception? innerException)
        : base(message, innerException)
    {
        Offset = -1;
    }

    /// <summary>Creates an exception for a problem found at <paramref name="offset"/>.</summary>
    /// <param name="message">What is wrong, including the offset in words.</param>
    /// <param name="offset">The byte offset in the file where the problem is.</param>
    public WavFormatException(string? message, long offset)
        : base(message)
    {
        Offset = offset;
    }

    /// <summary>The byte offset from the start of the file where the problem is, or -1 when unknown.</summary>
    public long Offset { get; }
}
