namespace VoiceKit.Deepgram;

/// <summary>
/// The caller audio sent since the last final, kept so a dropped socket can be replaced without losing words. A ring
/// of bytes addressed by stream offset: appending a frame copies it in and allocates nothing once the ring has grown to
/// the audio a turn holds (it grows by doubling, up to <c>limit</c>; beyond that the oldest audio is dropped). Not
/// thread-safe: the stream guards it with a lock.
/// </summary>
internal sealed class DeepgramReplayBuffer
{
    private readonly int _limit;
    private byte[] _ring = [];
    private int _head;

    /// <param name="limit">The most audio kept, in bytes.</param>
    public DeepgramReplayBuffer(long limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        _limit = (int)Math.Min(limit, Array.MaxLength);
    }

    /// <summary>Stream offset of the oldest byte kept.</summary>
    public long Start { get; private set; }

    /// <summary>Stream offset just past the newest byte.</summary>
    public long End { get; private set; }

    /// <summary>Bytes kept.</summary>
    public long Length => End - Start;

    /// <summary>Bytes the ring can hold before it grows again.</summary>
    internal int Capacity => _ring.Length;

    /// <summary>Appends audio at <see cref="End"/>, dropping the oldest audio beyond the limit.</summary>
    public void Append(ReadOnlySpan<byte> audio)
    {
        if (audio.Length >= _limit)
        {
            // Only the newest limit bytes can be kept.
            var skipped = audio.Length - _limit;
            TrimTo(End);
            Start = End + skipped;
            End = Start;
            audio = audio[skipped..];
        }

        var needed = (int)Length + audio.Length;
        if (needed > _ring.Length && _ring.Length < _limit)
        {
            Grow(Math.Min(_limit, Math.Max(needed, Math.Max(_ring.Length * 2, 4096))));
        }

        if (needed > _ring.Length)
        {
            TrimTo(End + audio.Length - _ring.Length);
        }

        var tail = (_head + (int)Length) % _ring.Length;
        var first = Math.Min(audio.Length, _ring.Length - tail);
        audio[..first].CopyTo(_ring.AsSpan(tail));
        audio[first..].CopyTo(_ring);
        End += audio.Length;
    }

    /// <summary>Drops the audio before stream offset <paramref name="offset"/> (a final covered it).</summary>
    public void TrimTo(long offset)
    {
        offset = Math.Clamp(offset, Start, End);
        if (_ring.Length > 0)
        {
            _head = (int)((_head + (offset - Start)) % _ring.Length);
        }

        Start = offset;
    }

    /// <summary>Copies the audio kept, in pieces of at most <paramref name="pieceBytes"/>, for replay on a new socket (rare: allocation is fine).</summary>
    /// <param name="pieceBytes">Largest piece: each goes out as one message.</param>
    public (long Start, ReadOnlyMemory<byte>[] Pieces) Snapshot(int pieceBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pieceBytes);
        var copy = new byte[Length];
        CopyTo(copy);
        var pieces = new ReadOnlyMemory<byte>[(copy.Length + pieceBytes - 1) / pieceBytes];
        for (var i = 0; i < pieces.Length; i++)
        {
            var at = i * pieceBytes;
            pieces[i] = copy.AsMemory(at, Math.Min(pieceBytes, copy.Length - at));
        }

        return (Start, pieces);
    }

    private void Grow(int capacity)
    {
        var ring = new byte[capacity];
        CopyTo(ring);
        _ring = ring;
        _head = 0;
    }

    private void CopyTo(Span<byte> destination)
    {
        var length = (int)Length;
        if (length == 0)
        {
            return;
        }

        var first = Math.Min(length, _ring.Length - _head);
        _ring.AsSpan(_head, first).CopyTo(destination);
        _ring.AsSpan(0, length - first).CopyTo(destination[first..]);
    }
}
