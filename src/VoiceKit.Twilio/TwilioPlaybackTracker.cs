namespace VoiceKit.Twilio;

/// <summary>
/// Where playback of the agent's audio stands on Twilio's side, from the marks it echoes. Positions are byte offsets on
/// the call's output timeline (audio sent, less audio cleared), so they convert exactly to the durations the session
/// adds up.
/// </summary>
/// <remarks>
/// <para>
/// Ground truth is the last echoed mark: Twilio echoes a mark once the audio before it has played. Between echoes the
/// position runs on with the clock from the echo, capped at the next pending mark (Twilio may have run dry there) and
/// at the audio sent. Because the echo reaches us after the audio played, this estimate trails the caller's ear by the
/// one-way network delay; it never runs ahead of it. When Twilio's buffer was empty at an echo, nothing extrapolates
/// until the mark sent after the next burst's first frame comes back, since that audio starts playing on arrival.
/// </para>
/// <para>Not thread-safe; the transport guards it with its state lock.</para>
/// </remarks>
internal sealed class TwilioPlaybackTracker
{
    /// <summary>A mark at least every this many frames of continuous audio: 100 ms of resolution for 20 % more messages.</summary>
    public const int MarkEveryFrames = 5;

    private readonly TimeProvider _time;
    private readonly int _bytesPerSecond;
    private readonly Queue<(long Sequence, long Position)> _pending = new();
    private long _nextSequence = 1;
    private long _anchorTimestamp;
    private bool _anchorValid;
    private long _reported;
    private int _framesSinceMark;

    /// <summary>Creates a tracker for audio of <paramref name="bytesPerSecond"/>.</summary>
    public TwilioPlaybackTracker(TimeProvider time, int bytesPerSecond)
    {
        _time = time;
        _bytesPerSecond = bytesPerSecond;
    }

    /// <summary>The end of the audio sent to Twilio and not cleared.</summary>
    public long SentBytes { get; private set; }

    /// <summary>Audio known to have played: up to the last echoed mark, or where a clear fixed it.</summary>
    public long HeardBytes { get; private set; }

    /// <summary>Marks sent and not yet echoed (nor flushed by a clear).</summary>
    public int PendingMarks => _pending.Count;

    /// <summary>Records a frame sent; says whether a mark should follow it (first frame of a burst, or every <see cref="MarkEveryFrames"/>).</summary>
    /// <param name="bytes">The frame's length.</param>
    public bool OnAudioSent(int bytes)
    {
        // Nothing unconfirmed in flight: Twilio's buffer is (about to be) empty, so this frame starts playing when it
        // arrives. A mark right after it anchors the clock to that moment.
        var startsBurst = SentBytes == HeardBytes && _pending.Count == 0;
        SentBytes += bytes;
        _framesSinceMark++;
        return startsBurst || _framesSinceMark >= MarkEveryFrames;
    }

    /// <summary>Records a mark sent after the audio so far; returns its sequence number (its name's suffix).</summary>
    public long OnMarkSent()
    {
        var sequence = _nextSequence++;
        _pending.Enqueue((sequence, SentBytes));
        _framesSinceMark = 0;
        return sequence;
    }

    /// <summary>Records Twilio echoing mark <paramref name="sequence"/>.</summary>
    /// <returns>False when the mark is not pending: a flush echoed after a clear, a repeat, or not one of ours.</returns>
    public bool OnMarkEchoed(long sequence)
    {
        if (_pending.Count == 0 || sequence < _pending.Peek().Sequence || sequence >= _nextSequence)
        {
            return false;
        }

        // Echoes come in order; one that skips an earlier mark implies that mark's audio played too.
        var position = HeardBytes;
        var found = false;
        while (_pending.Count > 0 && _pending.Peek().Sequence <= sequence)
        {
            var mark = _pending.Dequeue();
            position = mark.Position;
            found |= mark.Sequence == sequence;
        }

        if (!found)
        {
            return false; // a sequence inside the range that was flushed already
        }

        HeardBytes = Math.Max(HeardBytes, position);
        _anchorTimestamp = _time.GetTimestamp();
        _anchorValid = SentBytes > HeardBytes;
        return true;
    }

    /// <summary>The audio played so far, in bytes: never decreasing, never beyond what was sent.</summary>
    public long PlayedBytes()
    {
        var estimate = HeardBytes;
        if (_anchorValid)
        {
            var cap = _pending.Count > 0 ? _pending.Peek().Position : SentBytes;
            var elapsed = _time.GetElapsedTime(_anchorTimestamp);
            var since = (long)((Int128)Math.Max(0, elapsed.Ticks) * _bytesPerSecond / TimeSpan.TicksPerSecond);
            estimate = Math.Min(cap, HeardBytes + since);
        }

        _reported = Math.Max(_reported, Math.Min(estimate, SentBytes));
        return _reported;
    }

    /// <summary>
    /// A clear: what played so far is final, everything after it is dropped, and marks still pending will come back
    /// as flushes, which <see cref="OnMarkEchoed"/> ignores.
    /// </summary>
    public void OnClear()
    {
        var played = PlayedBytes();
        HeardBytes = played;
        SentBytes = played;
        _pending.Clear();
        _anchorValid = false;
        _framesSinceMark = 0;
    }
}
