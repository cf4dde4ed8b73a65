namespace VoiceKit;

/// <summary>How a call ended.</summary>
public enum CallEndReason
{
    /// <summary>The caller hung up (or the network dropped the call).</summary>
    CallerHungUp = 1,

    /// <summary>The agent ended the call (the end_call tool).</summary>
    AgentHungUp = 2,

    /// <summary>The agent transferred the call to a human.</summary>
    Transferred = 3,

    /// <summary>The caller stayed silent through every idle prompt.</summary>
    CallerIdle = 4,

    /// <summary>The call reached its maximum duration.</summary>
    MaxDuration = 5,

    /// <summary>The host cancelled the call (shutdown).</summary>
    Cancelled = 6,

    /// <summary>An unrecoverable error (the transport failed).</summary>
    Error = 7,
}
