namespace VoiceKit.Turns;

/// <summary>What a <see cref="TurnEvent"/> reports.</summary>
public enum TurnEventKind
{
    /// <summary>The caller started speaking (after the echo guard, and long enough not to be a click).</summary>
    SpeechStarted = 1,

    /// <summary>The caller stopped speaking; the turn may or may not be over.</summary>
    SpeechStopped = 2,

    /// <summary>The caller finished their turn: the agent should answer now.</summary>
    EndOfTurn = 3,

    /// <summary>The caller is interrupting the agent: stop speaking now.</summary>
    Interruption = 4,

    /// <summary>The last interruption brought no words: it was noise or a backchannel, so the agent may carry on.</summary>
    Resume = 5,

    /// <summary>Nobody has spoken for <see cref="TurnEngineOptions.IdleTimeout"/>.</summary>
    CallerIdle = 6,
}
