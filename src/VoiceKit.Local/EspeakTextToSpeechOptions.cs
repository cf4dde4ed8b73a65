namespace VoiceKit.Local;

/// <summary>Settings for offline speech synthesis with eSpeak NG (Debian <c>libespeak-ng1</c>): many languages, robotic but clear.</summary>
public sealed class EspeakTextToSpeechOptions
{
    /// <summary>The voice or language, such as <c>en-us</c> (default), <c>en</c>, <c>de</c>, <c>fr</c>, <c>es</c>.</summary>
    public string Voice { get; set; } = "en-us";

    /// <summary>Speaking rate in words per minute; 160 by default (eSpeak's 175 is brisk on the phone).</summary>
    public int WordsPerMinute { get; set; } = 160;

    /// <summary>Checks the options.</summary>
    /// <exception cref="InvalidOperationException">Says what to fix.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Voice))
        {
            throw new InvalidOperationException("EspeakTextToSpeechOptions.Voice is empty: set a voice such as \"en-us\".");
        }

        if (WordsPerMinute is < 80 or > 450)
        {
            throw new InvalidOperationException("EspeakTextToSpeechOptions.WordsPerMinute must be between 80 and 450; 160 is the default.");
        }
    }
}
