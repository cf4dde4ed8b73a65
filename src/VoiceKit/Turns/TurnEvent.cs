namespace VoiceKit.Turns;

/// <summary>A decision of the <see cref="TurnEngine"/>. A small value; reading one allocates nothing.</summary>
public readonly record struct TurnEvent
{
    internal TurnEvent(TurnEventKind kind, TimeSpan time, EndOfTurnReason reason = EndOfTurnReason.None, TimeSpan delay = default, TimeSpan speechDuration = default)
    {
        Kind = kind;
        Time = time;
        Reason = reason;
        Delay = delay;
        SpeechDuration = speechDuration;
    }

    /// <summary>What happened.</summary>
    public TurnEventKind Kind { get; }

    /// <summary>When the engine decided, measured from the engine's creation on its <see cref="TimeProvider"/>.</summary>
    public TimeSpan Time { get; }

    /// <summary>For <see cref="TurnEventKind.EndOfTurn"/>: why the turn ended.</summary>
    public EndOfTurnReason Reason { get; }

    /// <summary>
    /// For <see cref="TurnEventKind.EndOfTurn"/>: time from the caller's last speech to the decision, measured from the
    /// acoustic end (the endpointing delay plus the detector's <see cref="IVoiceActivityDetector.SpeechEndLag"/>).
    /// </summary>
    public TimeSpan Delay { get; }

    /// <summary>
    /// For <see cref="TurnEventKind.SpeechStopped"/> and <see cref="TurnEventKind.Interruption"/>: how long the caller
    /// had been speaking.
    /// </summary>
    public TimeSpan SpeechDuration { get; }
}
