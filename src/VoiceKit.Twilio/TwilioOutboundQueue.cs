using System.Buffers;

namespace VoiceKit.Twilio;

/// <summary>
/// Agent audio waiting to be paced out to Twilio: a first-in first-out byte ring in a pooled array that doubles when a
/// reply outruns playback. Not thread-safe; the transport guards it with its state lock.
/// </summary>
internal sealed class TwilioOutboundQueue : IDisposable
{
    private const int InitialCapacity = 8 * 1024; // one second of 8 kHz mu-law

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(InitialCapacity);
    private int _head;
    private bool _disposed;

    /// <summary>Bytes queued.</summary>
    public int Count { get; private set; }

    /// <summary>Appends a copy of <paramref name="audio"/>; ignored after <see cref="Dispose"/>.</summary>
    public void Enqueue(ReadOnlySpan<byte> audio)
    {
        if (_disposed || audio.IsEmpty)
        {
            return;
        }

        if (Count + audio.Length > _buffer.Length)
        {
            Grow(Count + audio.Length);
        }

        var tail = (_head + Count) % _buffer.Length;
        var first = Math.Min(audio.Length, _buffer.Length - tail);
        audio[..first].CopyTo(_buffer.AsSpan(tail));
        audio[first..].CopyTo(_buffer);
        Count += audio.Length;
    }

    /// <summary>Moves up to <paramref name="destination"/>'s length of the oldest bytes into it.</summary>
    /// <returns>The number of bytes moved.</returns>
    public int Dequeue(Span<byte> destination)
    {
        var take = Math.Min(destination.Length, Count);
        if (take == 0)
        {
            return 0;
        }

        var first = Math.Min(take, _buffer.Length - _head);
        _buffer.AsSpan(_head, first).CopyTo(destination);
        _buffer.AsSpan(0, take - first).CopyTo(destination[first..]);
        _head = (_head + take) % _buffer.Length;
        Count -= take;
        if (Count == 0)
        {
            _head = 0;
        }

        return take;
    }

    /// <summary>Drops everything queued (barge-in).</summary>
    public void Clear()
    {
        _head = 0;
        Count = 0;
    }

    /// <summary>Returns the buffer to the pool; the queue stays empty afterwards.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Clear();
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }

    private void Grow(int needed)
    {
        var size = _buffer.Length * 2;
        while (size < needed)
        {
            size *= 2;
        }

        var bigger = ArrayPool<byte>.Shared.Rent(size);
        var count = Count;
        Dequeue(bigger.AsSpan(0, count));
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
        _head = 0;
        Count = count;
    }
}
