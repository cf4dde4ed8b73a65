namespace VoiceKit.Audio;

/// <summary>How each sample of an audio stream is stored.</summary>
public enum AudioEncoding
{
    /// <summary>Signed 16-bit linear PCM, little-endian: two bytes per sample.</summary>
    Pcm16 = 1,

    /// <summary>ITU-T G.711 mu-law (North America, Japan; Twilio Media Streams): one byte per sample.</summary>
    MuLaw = 2,

    /// <summary>ITU-T G.711 A-law (Europe and most other phone networks): one byte per sample.</summary>
    ALaw = 3,
}
