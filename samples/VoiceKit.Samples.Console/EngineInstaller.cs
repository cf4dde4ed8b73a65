using System.Diagnostics;
using VoiceKit.Local;

namespace VoiceKit.Samples.Console;

/// <summary>Makes sure the offline engines the demo needs are installed, running install-engines.sh (beside the program) when not.</summary>
internal static class EngineInstaller
{
    /// <summary>Installs what is missing; returns false (having said why and what to run) when that fails.</summary>
    public static async Task<bool> EnsureInstalledAsync(LocalEngine engines, LiveConsole console, CancellationToken cancellationToken)
    {
        var missing = LocalEngines.MissingDebianPackages(engines);
        if (missing.Count == 0)
        {
            return true;
        }

        var packages = string.Join(' ', missing);
        if (!OperatingSystem.IsLinux())
        {
            console.WriteLine($"The offline engines need the Debian packages {packages}: run the demo on Debian or Ubuntu (or WSL), or set the cloud keys (see README).");
            return false;
        }

        console.WriteLine($"Installing the offline speech engines ({packages}) with install-engines.sh ...");
        var start = new ProcessStartInfo("bash") { UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "install-engines.sh"));
        foreach (var package in missing)
        {
            start.ArgumentList.Add(package);
        }

        try
        {
            using var script = Process.Start(start) ?? throw new InvalidOperationException("bash did not start.");
            await script.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            console.WriteLine($"Could not run install-engines.sh: {e.Message}");
        }

        var stillMissing = LocalEngines.MissingDebianPackages(engines);
        if (stillMissing.Count > 0)
        {
            console.WriteLine($"Still missing: {string.Join(' ', stillMissing)}. On Debian or Ubuntu: sudo apt-get install {string.Join(' ', stillMissing)}; " +
                "elsewhere, the same libraries from your package manager (or set the cloud keys, see docs/offline.md).");
            return false;
        }

        return true;
    }
}
