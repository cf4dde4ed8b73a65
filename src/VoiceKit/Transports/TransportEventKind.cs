namespace VoiceKit;

/// <summary>What a <see cref="TransportEvent"/> carries.</summary>
public enum TransportEventKind
{
    /// <summary>A frame of caller audio (<see cref="TransportEvent.Frame"/>).</summary>
    Audio = 1,

    /// <summary>The caller pressed a key (<see cref="TransportEvent.Digit"/>).</summary>
    Dtmf = 2,

    /// <summary>The call ended on the far side (the caller hung up or the network dropped the call).</summary>
    Ended = 3,
}
