using VoiceKit.Audio;

namespace VoiceKit;

/// <summary>Something the caller's side of a call did: a frame of audio, a key press, or hanging up.</summary>
public readonly record struct TransportEvent
{
    private TransportEvent(TransportEventKind kind, AudioFrame? frame, char digit)
    {
        Kind = kind;
        Frame = frame;
        Digit = digit;
    }

    /// <summary>What happened.</summary>
    public TransportEventKind Kind { get; }

    /// <summary>For <see cref="TransportEventKind.Audio"/>: the frame, in the transport's format. The reader owns it and must dispose it.</summary>
    public AudioFrame? Frame { get; }

    /// <summary>For <see cref="TransportEventKind.Dtmf"/>: the key, one of 0-9, *, #, A-D.</summary>
    public char Digit { get; }

    /// <summary>A frame of caller audio; ownership passes to the reader.</summary>
    /// <param name="frame">The frame.</param>
    public static TransportEvent Audio(AudioFrame frame) => new(TransportEventKind.Audio, frame ?? throw new ArgumentNullException(nameof(frame)), '\0');

    /// <summary>A key press.</summary>
    /// <param name="digit">The key.</param>
    public static TransportEvent Dtmf(char digit) => new(TransportEventKind.Dtmf, null, digit);

    /// <summary>The call ended on the far side.</summary>
    public static TransportEvent Ended { get; } = new(TransportEventKind.Ended, null, '\0');
}
