namespace VoiceKit.Local;

/// <summary>Creates offline VoiceKit synthesisers on Flite and eSpeak NG.</summary>
public static class LocalTextToSpeechExtensions
{
    /// <summary>Creates a Flite synthesiser (Debian <c>libflite1</c>); the voice is loaded now. Thread-safe.</summary>
    /// <param name="options">The settings.</param>
    /// <returns>The synthesiser.</returns>
    /// <exception cref="InvalidOperationException">The options are invalid, or libflite1 is not installed.</exception>
    public static ITextToSpeech AsFliteTextToSpeech(this FliteTextToSpeechOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return new FliteTextToSpeech(options);
    }

    /// <summary>Creates an eSpeak NG synthesiser (Debian <c>libespeak-ng1</c>); the engine starts and the voice is checked now. Thread-safe.</summary>
    /// <param name="options">The settings.</param>
    /// <returns>The synthesiser.</returns>
    /// <exception cref="InvalidOperationException">The options are invalid, the voice is unknown, or libespeak-ng1 is not installed.</exception>
    public static ITextToSpeech AsEspeakTextToSpeech(this EspeakTextToSpeechOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return new EspeakTextToSpeech(options);
    }
}
