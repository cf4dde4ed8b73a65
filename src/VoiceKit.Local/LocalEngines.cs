using System.Runtime.InteropServices;

namespace VoiceKit.Local;

/// <summary>Tells whether the offline engines can run on this machine, so an application can install or explain before a call.</summary>
public static class LocalEngines
{
    /// <summary>
    /// The Debian packages that must be installed for <paramref name="engines"/> to run here, in the order to install
    /// them; empty when everything loads. Checks that the native libraries load and that the PocketSphinx model exists
    /// at its default path (<see cref="PocketSphinxOptions.DebianModelDirectory"/>).
    /// </summary>
    /// <param name="engines">The engines the application uses.</param>
    /// <returns>Package names for <c>apt-get install</c>.</returns>
    public static IReadOnlyList<string> MissingDebianPackages(LocalEngine engines)
    {
        var missing = new List<string>();
        if (engines.HasFlag(LocalEngine.PocketSphinx))
        {
            if (!CanLoad(PocketSphinxNative.PocketSphinxLibrary) || !CanLoad(PocketSphinxNative.SphinxBaseLibrary))
            {
                missing.Add("libpocketsphinx3");
            }

            if (!Directory.Exists(PocketSphinxOptions.DebianModelDirectory))
            {
                missing.Add("pocketsphinx-en-us");
            }
        }

        if (engines.HasFlag(LocalEngine.Flite) && !CanLoad(FliteNative.Library))
        {
            missing.Add("libflite1");
        }

        if (engines.HasFlag(LocalEngine.Espeak) && !CanLoad(EspeakNative.Library))
        {
            missing.Add("libespeak-ng1");
        }

        return missing;
    }

    private static bool CanLoad(string library)
    {
        if (!NativeLibrary.TryLoad(library, out var handle))
        {
            return false;
        }

        NativeLibrary.Free(handle);
        return true;
    }
}
