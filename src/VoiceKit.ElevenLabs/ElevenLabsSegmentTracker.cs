namespace VoiceKit.ElevenLabs;

/// <summary>
/// Maps the characters the server says it spoke (<c>alignment.chars</c>) back to the segments they were sent in. The
/// writer registers each segment's count of non-whitespace characters before sending it; the reader advances one
/// non-whitespace character at a time. Whitespace is left out on both sides because the server may collapse, add or
/// drop it (keepalives add spaces), while the spoken characters come back one for one.
/// </summary>
/// <remarks>One writer and one reader, on different threads; the segment list is guarded by a lock.</remarks>
internal sealed class ElevenLabsSegmentTracker
{
    private readonly Lock _gate = new();
    private readonly List<int> _lengths = [];
    private int _segment;
    private int _spoken;

    /// <summary>Segments registered so far.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _lengths.Count;
            }
        }
    }

    /// <summary>The segment the last spoken character belongs to (0 before any). Reader only.</summary>
    public int Current => _segment;

    /// <summary>Registers the next segment. Writer only.</summary>
    /// <param name="spokenCharacters">Its non-whitespace characters.</param>
    /// <returns>The segment's index.</returns>
    public int Register(int spokenCharacters)
    {
        lock (_gate)
        {
            _lengths.Add(spokenCharacters);
            return _lengths.Count - 1;
        }
    }

    /// <summary>
    /// Counts one spoken (non-whitespace) character. Returns true when it is the first character of a later segment
    /// than <see cref="Current"/> was, which then names that segment. Characters beyond the registered text (the server
    /// spoke more than was sent, say after normalisation) stay in the last segment. Reader only.
    /// </summary>
    /// <returns>Whether the character starts a new segment.</returns>
    public bool Advance()
    {
        var moved = false;
        lock (_gate)
        {
            while (_segment < _lengths.Count - 1 && _spoken >= _lengths[_segment])
            {
                _segment++;
                _spoken = 0;
                moved = true;
            }
        }

        _spoken++;
        return moved;
    }
}
