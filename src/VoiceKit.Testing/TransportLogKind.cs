namespace VoiceKit.Testing;

/// <summary>What an <see cref="InMemoryTransport"/> log entry records.</summary>
public enum TransportLogKind
{
    /// <summary>Agent audio started playing (audio arrived while nothing was playing).</summary>
    PlaybackStarted = 1,

    /// <summary>Agent audio stopped playing because the queue ran dry.</summary>
    PlaybackStopped = 2,

    /// <summary>The agent cleared the queue (<see cref="ITransport.ClearAsync"/>); unplayed audio was dropped.</summary>
    Cleared = 3,

    /// <summary>The caller pressed a key; <see cref="TransportLogEntry.Detail"/> holds it.</summary>
    KeyPressed = 4,

    /// <summary>The caller hung up.</summary>
    CallerHungUp = 5,

    /// <summary>The agent hung up.</summary>
    HungUp = 6,

    /// <summary>The agent transferred the call; <see cref="TransportLogEntry.Detail"/> holds the destination.</summary>
    Transferred = 7,
}
