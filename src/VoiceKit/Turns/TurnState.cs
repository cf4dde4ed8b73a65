namespace VoiceKit.Turns;

/// <summary>Where the conversation is, as the turn engine sees it.</summary>
public enum TurnState
{
    /// <summary>Nobody is speaking; waiting for the caller.</summary>
    Listening = 0,

    /// <summary>The caller is speaking.</summary>
    CallerSpeaking = 1,

    /// <summary>The caller paused; the engine is deciding whether the turn is over.</summary>
    CallerPaused = 2,

    /// <summary>The agent is speaking and the caller is not.</summary>
    AgentSpeaking = 3,

    /// <summary>The caller started speaking over the agent; not yet judged an interruption.</summary>
    InterruptionCandidate = 4,
}
