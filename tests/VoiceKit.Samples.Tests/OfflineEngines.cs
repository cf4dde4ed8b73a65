using VoiceKit.Local;

namespace VoiceKit.Samples.Tests;

/// <summary>The skip rule of the tests that run the demo's offline engines.</summary>
internal static class OfflineEngines
{
    /// <summary>Ignores the test unless PocketSphinx (with its model) and Flite are installed; .ci/run installs them.</summary>
    public static void RequireInstalled()
    {
        var missing = LocalEngines.MissingDebianPackages(LocalEngine.PocketSphinx | LocalEngine.Flite);
        if (missing.Count > 0)
        {
            Assert.Ignore($"The offline engines are not installed ({string.Join(' ', missing)}); .ci/run installs them.");
        }
    }
}
