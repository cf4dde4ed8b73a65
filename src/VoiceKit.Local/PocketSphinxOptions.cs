namespace VoiceKit.Local;

/// <summary>
/// Settings for offline speech-to-text with PocketSphinx. The defaults are the US English model of the Debian package
/// <c>pocketsphinx-en-us</c>. Pass the options to <see cref="PocketSphinxExtensions.AsPocketSphinxSpeechToText"/>, which
/// validates them and takes a copy: later changes do not affect a recogniser already created.
/// </summary>
/// <remarks>Not thread-safe; configure on one thread, then create the recogniser.</remarks>
public sealed class PocketSphinxOptions
{
    /// <summary>The directory where Debian installs the US English model.</summary>
    public const string DebianModelDirectory = "/usr/share/pocketsphinx/model/en-us";

    /// <summary>The acoustic model directory (<c>-hmm</c>); <c>/usr/share/pocketsphinx/model/en-us/en-us</c> by default.</summary>
    public string AcousticModelPath { get; set; } = Path.Combine(DebianModelDirectory, "en-us");

    /// <summary>The n-gram language model (<c>-lm</c>); <c>/usr/share/pocketsphinx/model/en-us/en-us.lm.bin</c> by default.</summary>
    public string LanguageModelPath { get; set; } = Path.Combine(DebianModelDirectory, "en-us.lm.bin");

    /// <summary>The pronunciation dictionary (<c>-dict</c>); <c>/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict</c> by default.</summary>
    public string DictionaryPath { get; set; } = Path.Combine(DebianModelDirectory, "cmudict-en-us.dict");

    /// <summary>
    /// Sentences callers of your service are expected to say ("where is my parcel", "my order number is four five two
    /// one"). When any are given, the recogniser decodes with a small trigram model built from them instead of
    /// <see cref="LanguageModelPath"/>: far fewer errors on a narrow domain (the demo's caller lines on phone audio:
    /// see docs/offline.md), but only words that occur in the phrases can be recognised. Every word must be in the
    /// dictionary; write numbers as words. Include digit strings in varied orders if callers dictate numbers. Write the
    /// commas and full stops where callers pause ("hi, i'm calling about my parcel"): each clause also becomes a
    /// sentence of the model, since a pause may end the recogniser's utterance there.
    /// </summary>
    public IList<string> DomainPhrases { get; private set; } = new List<string>();

    /// <summary>How much audio passes between checks of the partial hypothesis for an interim update; 100 ms by default.</summary>
    public TimeSpan InterimInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Whether PocketSphinx writes its (verbose) log to standard error. Off by default; the switch is process-wide.</summary>
    public bool EnableNativeLog { get; set; }

    internal PocketSphinxOptions Clone()
    {
        var copy = (PocketSphinxOptions)MemberwiseClone();
        copy.DomainPhrases = [.. DomainPhrases];
        return copy;
    }

    /// <summary>Checks the settings.</summary>
    /// <exception cref="InvalidOperationException">A path is empty or does not exist, or the interval is not positive.</exception>
    internal void Validate()
    {
        RequireExisting(AcousticModelPath, nameof(AcousticModelPath), directory: true);
        if (DomainPhrases.Count == 0)
        {
            // With phrases, the model is built from them and LanguageModelPath is not used.
            RequireExisting(LanguageModelPath, nameof(LanguageModelPath), directory: false);
        }

        RequireExisting(DictionaryPath, nameof(DictionaryPath), directory: false);
        if (DomainPhrases.Any(string.IsNullOrWhiteSpace))
        {
            throw new InvalidOperationException($"{nameof(PocketSphinxOptions)}.{nameof(DomainPhrases)} contains an empty phrase.");
        }

        if (InterimInterval <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{nameof(PocketSphinxOptions)}.{nameof(InterimInterval)} must be positive.");
        }
    }

    private static void RequireExisting(string path, string option, bool directory)
    {
        var exists = !string.IsNullOrWhiteSpace(path) && (directory ? Directory.Exists(path) : File.Exists(path));
        if (!exists)
        {
            throw new InvalidOperationException(
                $"{nameof(PocketSphinxOptions)}.{option}: the PocketSphinx model {(directory ? "directory" : "file")} '{path}' does not exist. " +
                "Install the Debian package pocketsphinx-en-us (apt-get install libpocketsphinx3 pocketsphinx-en-us) or point the option at your model.");
        }
    }
}
