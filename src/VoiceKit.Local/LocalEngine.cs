namespace VoiceKit.Local;

/// <summary>The offline engines of VoiceKit.Local, for <see cref="LocalEngines.MissingDebianPackages"/>.</summary>
[Flags]
public enum LocalEngine
{
    /// <summary>No engine.</summary>
    None = 0,

    /// <summary>PocketSphinx speech-to-text with its US English model.</summary>
    PocketSphinx = 1,

    /// <summary>Flite text-to-speech.</summary>
    Flite = 2,

    /// <summary>eSpeak NG text-to-speech.</summary>
    Espeak = 4,
}
