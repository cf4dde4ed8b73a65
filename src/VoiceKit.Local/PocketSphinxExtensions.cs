namespace VoiceKit.Local;

/// <summary>Creates VoiceKit providers backed by PocketSphinx.</summary>
public static class PocketSphinxExtensions
{
    /// <summary>
    /// Creates an offline streaming recogniser: audio and transcripts never leave the machine. The options are validated
    /// and copied. The recogniser is a thread-safe factory; each <see cref="ISpeechToText.StartAsync"/> loads a native
    /// decoder owned by the returned stream and freed when that stream is disposed. Needs the Debian packages
    /// <c>libpocketsphinx3</c> and <c>pocketsphinx-en-us</c>.
    /// </summary>
    /// <param name="options">The settings.</param>
    /// <returns>The recogniser.</returns>
    /// <exception cref="InvalidOperationException">
    /// The options are invalid, a model path does not exist, or a word of <see cref="PocketSphinxOptions.DomainPhrases"/> is not in the dictionary.
    /// </exception>
    public static ISpeechToText AsPocketSphinxSpeechToText(this PocketSphinxOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var copy = options.Clone();
        if (copy.DomainPhrases.Count > 0)
        {
            // Built (or found in the cache) here, so a word missing from the dictionary fails now, not on the first call.
            copy.LanguageModelPath = PocketSphinxDomainLanguageModel.PathFor(copy.DomainPhrases, copy.DictionaryPath);
        }

        return new PocketSphinxSpeechToText(copy);
    }
}
