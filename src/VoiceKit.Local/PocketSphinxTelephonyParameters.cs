using System.Text;

namespace VoiceKit.Local;

/// <summary>
/// The acoustic model's feature parameters adapted to phone audio upsampled to 16 kHz. Live cepstral mean normalisation
/// starts from the model's <c>-cmninit</c>, measured on wideband speech; phone audio has nothing above 4 kHz, so its
/// cepstral means are far away (c1 near +30 instead of -5) and the first seconds of every call were misrecognised (WER
/// 1.0 on short phrases) until the estimate adapted. PocketSphinx 5prealpha reads the model's <c>feat.params</c> after
/// the command line and lets it win, so a <c>-cmninit</c> argument is ignored: a copy of the file with
/// <see cref="CepstralMeans"/> is passed as <c>-featparams</c> instead.
/// </summary>
internal static class PocketSphinxTelephonyParameters
{
    /// <summary>
    /// Initial cepstral means for 8 kHz speech upsampled with VoiceKit's resampler: the average of PocketSphinx's own
    /// estimates after four Flite phrases converted to 8 kHz mu-law and back. Live CMN keeps adapting from here.
    /// </summary>
    public const string CepstralMeans = "45.05,29.62,-26.85,49.09,-17.52,3.17,17.76,-19.95,26.67,-7.35,2.73,17.09,-8.23";

    /// <summary>Writes (once per content, see <see cref="PocketSphinxFileCache"/>) the telephony parameter file for the model and returns its path.</summary>
    /// <param name="acousticModelPath">The acoustic model directory.</param>
    public static string PathFor(string acousticModelPath)
    {
        return PocketSphinxFileCache.PathFor("feat-telephony", ".params", Adapt(ReadModelParameters(acousticModelPath)));
    }

    private static string ReadModelParameters(string acousticModelPath)
    {
        var path = Path.Combine(acousticModelPath, "feat.params");
        return File.Exists(path) ? File.ReadAllText(path) : string.Empty;
    }

    /// <summary>Replaces the model's <c>-cmninit</c> (or adds one).</summary>
    private static string Adapt(string parameters)
    {
        var builder = new StringBuilder();
        foreach (var line in parameters.Split('\n'))
        {
            var trimmed = line.Trim();
            if (trimmed.Length > 0 && !trimmed.StartsWith("-cmninit", StringComparison.Ordinal))
            {
                builder.Append(trimmed).Append('\n');
            }
        }

        return builder.Append("-cmninit ").Append(CepstralMeans).Append('\n').ToString();
    }
}
