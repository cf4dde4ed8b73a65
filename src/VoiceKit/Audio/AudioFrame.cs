using System.Diagnostics;

namespace VoiceKit.Audio;

/// <summary>
/// A pooled buffer holding one frame of audio (usually 20 ms) in a known <see cref="AudioFormat"/>.
/// </summary>
/// <remarks>
/// <para>
/// Ownership: whoever holds a frame owns it and must either pass it on (the receiver then owns it) or dispose it
/// exactly once, which returns its memory to the <see cref="AudioFramePool"/> it came from. Do not touch a frame
/// after disposing it or handing it on. A second dispose is a bug: Debug builds throw
/// <see cref="InvalidOperationException"/>; Release builds ignore it, so the pool is never corrupted.
/// </para>
/// <para>A frame is not thread-safe; it belongs to one owner at a time.</para>
/// </remarks>
public sealed class AudioFrame : IDisposable
{
    private const int Rented = 1;
    private const int Returned = 0;

    private readonly AudioFramePool _pool;
    private byte[] _buffer = [];
    private int _state = Returned;

    internal AudioFrame(AudioFramePool pool) => _pool = pool;

    /// <summary>The format of the audio in this frame.</summary>
    public AudioFormat Format { get; private set; }

    /// <summary>The number of audio bytes in the frame.</summary>
    public int Length { get; private set; }

    /// <summary>The audio bytes, encoded as <see cref="Format"/> says.</summary>
    public Span<byte> Span
    {
        get
        {
            AssertRented();
            return _buffer.AsSpan(0, Length);
        }
    }

    /// <summary>The audio bytes as <see cref="Memory{T}"/>, for asynchronous writers. Valid only until the frame is disposed.</summary>
    public Memory<byte> Memory
    {
        get
        {
            AssertRented();
            return _buffer.AsMemory(0, Length);
        }
    }

    /// <summary>How long the frame plays for.</summary>
    public TimeSpan Duration => Format.DurationOf(Length);

    /// <summary>Returns the frame to its pool. Call exactly once.</summary>
    /// <exception cref="InvalidOperationException">Debug builds only: the frame was already returned.</exception>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _state, Returned) == Returned)
        {
#if DEBUG
            throw new InvalidOperationException("This AudioFrame was already returned to its pool; a frame has one owner and is disposed once.");
#else
            return;
#endif
        }

        // The buffer stays with the frame: frames are rented on one thread and returned on another, which would
        // overflow the shared array pool's per-core caches and make it allocate.
        Length = 0;
        _pool.Return(this);
    }

    internal void Rent(AudioFormat format, int length)
    {
        Debug.Assert(_state == Returned, "The pool handed out a frame that is still rented.");
        if (_buffer.Length < length)
        {
            _buffer = new byte[Math.Max(length, 64)];
        }

        Format = format;
        Length = length;
        _state = Rented;
    }

    [Conditional("DEBUG")]
    private void AssertRented()
    {
        if (Volatile.Read(ref _state) != Rented)
        {
            throw new InvalidOperationException("This AudioFrame was used after it was returned to its pool.");
        }
    }
}
