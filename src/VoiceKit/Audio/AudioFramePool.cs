namespace VoiceKit.Audio;

/// <summary>
/// Hands out <see cref="AudioFrame"/>s and takes them back, so that moving audio through a call allocates nothing
/// in steady state.
/// </summary>
/// <remarks>
/// Returned frames are kept for reuse with their buffers, up to <see cref="MaxRetained"/>; a frame's buffer grows
/// when a larger frame is asked for. Thread-safe: a frame may be rented on one thread and returned on
/// another.
/// </remarks>
public sealed class AudioFramePool
{
    private readonly AudioFrame[] _retained;
    private readonly Lock _lock = new();
    private int _count;

    /// <summary>Creates a pool that keeps up to <paramref name="maxRetained"/> returned frame objects for reuse.</summary>
    /// <param name="maxRetained">How many idle frame objects to keep; more are left to the garbage collector.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRetained"/> is negative.</exception>
    public AudioFramePool(int maxRetained = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxRetained);
        _retained = new AudioFrame[maxRetained];
    }

    /// <summary>The process-wide pool.</summary>
    public static AudioFramePool Shared { get; } = new();

    /// <summary>How many idle frame objects the pool keeps.</summary>
    public int MaxRetained => _retained.Length;

    /// <summary>Rents a frame of <paramref name="length"/> bytes. Its contents are unspecified: overwrite them.</summary>
    /// <param name="format">The format of the audio the caller will put in the frame.</param>
    /// <param name="length">The number of bytes; a whole number of sample frames of <paramref name="format"/>.</param>
    /// <returns>A frame the caller owns and must dispose once.</returns>
    /// <exception cref="ArgumentException">The format is <c>default</c>, or the length is negative or not a whole number of sample frames.</exception>
    public AudioFrame Rent(AudioFormat format, int length)
    {
        if (!format.IsValid)
        {
            throw new ArgumentException("The audio format is default(AudioFormat); create one with its constructor.", nameof(format));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length % format.BlockAlign != 0)
        {
            throw new ArgumentException($"{length} bytes is not a whole number of {format} sample frames ({format.BlockAlign} bytes each).", nameof(length));
        }

        AudioFrame? frame = null;
        lock (_lock)
        {
            if (_count > 0)
            {
                frame = _retained[--_count];
                _retained[_count] = null!;
            }
        }

        frame ??= new AudioFrame(this);
        frame.Rent(format, length);
        return frame;
    }

    /// <summary>Rents a frame holding <paramref name="milliseconds"/> of audio in <paramref name="format"/>.</summary>
    /// <param name="format">The format of the audio the caller will put in the frame.</param>
    /// <param name="milliseconds">The frame duration, usually 10, 20 or 30.</param>
    /// <returns>A frame the caller owns and must dispose once.</returns>
    public AudioFrame RentDuration(AudioFormat format, int milliseconds) => Rent(format, format.BytesPer(milliseconds));

    internal void Return(AudioFrame frame)
    {
        lock (_lock)
        {
            if (_count < _retained.Length)
            {
                _retained[_count++] = frame;
            }
        }
    }
}
