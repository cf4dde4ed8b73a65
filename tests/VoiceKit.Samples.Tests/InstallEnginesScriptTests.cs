using System.Diagnostics;

namespace VoiceKit.Samples.Tests;

/// <summary>
/// install-engines.sh, which the demo runs when an offline engine is missing, against stand-ins for apt-get, sudo and
/// id on the PATH (nothing is installed): what it would run as root, as a user with sudo, and when it cannot.
/// </summary>
[CancelAfter(20_000)]
[Platform(Include = "Linux")]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class InstallEnginesScriptTests
{
    private string _bin = "";
    private string _log = "";

    [SetUp]
    public void CreateStandIns()
    {
        _bin = Path.Combine(Path.GetTempPath(), $"voicekit-install-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_bin);
        _log = Path.Combine(_bin, "calls.log");
    }

    [TearDown]
    public void DeleteStandIns() => Directory.Delete(_bin, recursive: true);

    [Test]
    public async Task As_root_it_updates_and_installs_exactly_the_packages_asked_for()
    {
        StandIn("id", "echo 0");
        StandIn("apt-get", $"echo \"apt-get $*\" >> '{_log}'");

        var (exit, _) = await RunAsync("libpocketsphinx3", "libflite1");

        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.Zero);
            Assert.That(File.ReadAllLines(_log), Is.EqualTo(new[]
            {
                "apt-get update -qq",
                "apt-get install -y -qq --no-install-recommends libpocketsphinx3 libflite1",
            }));
        });
    }

    [Test]
    public async Task With_no_packages_named_it_installs_what_the_demo_needs()
    {
        StandIn("id", "echo 0");
        StandIn("apt-get", $"echo \"apt-get $*\" >> '{_log}'");

        var (exit, _) = await RunAsync();

        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.Zero);
            Assert.That(File.ReadAllLines(_log)[^1], Is.EqualTo("apt-get install -y -qq --no-install-recommends libpocketsphinx3 pocketsphinx-en-us libflite1"));
        });
    }

    [Test]
    public async Task A_user_goes_through_sudo_and_a_failed_update_does_not_stop_the_install()
    {
        StandIn("id", "echo 1000");
        StandIn("sudo", $"echo \"sudo $*\" >> '{_log}'; if [ \"$1\" = apt-get ] && [ \"$2\" = update ]; then exit 100; fi");
        StandIn("apt-get", "exit 0");

        var (exit, error) = await RunAsync("libflite1");

        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.Zero);
            Assert.That(File.ReadAllLines(_log), Is.EqualTo(new[]
            {
                "sudo apt-get update -qq",
                "sudo apt-get install -y -qq --no-install-recommends libflite1",
            }));
            Assert.That(error, Does.Contain("apt-get update failed; trying the install anyway"));
        });
    }

    [Test]
    public async Task A_user_without_sudo_is_told_what_to_run_as_root()
    {
        StandIn("id", "echo 1000");
        StandIn("apt-get", $"echo \"apt-get $*\" >> '{_log}'");

        var (exit, error) = await RunAsync("libflite1", noSudo: true);

        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.Not.Zero);
            Assert.That(error, Does.Contain("run as root: apt-get install libflite1"));
            Assert.That(File.Exists(_log), Is.False, "nothing was run");
        });
    }

    private void StandIn(string name, string body)
    {
        var path = Path.Combine(_bin, name);
        File.WriteAllText(path, $"#!/bin/sh\n{body}\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private async Task<(int Exit, string Error)> RunAsync(params string[] packages) => await RunAsync(packages, noSudo: false);

    private async Task<(int Exit, string Error)> RunAsync(string package, bool noSudo) => await RunAsync([package], noSudo);

    private async Task<(int Exit, string Error)> RunAsync(string[] packages, bool noSudo)
    {
        var start = new ProcessStartInfo("/bin/bash") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "install-engines.sh"));
        foreach (var package in packages)
        {
            start.ArgumentList.Add(package);
        }

        // Only the stand-ins and the basic tools the script needs (no real sudo or apt-get).
        var tools = Path.Combine(_bin, "tools");
        Directory.CreateDirectory(tools);
        foreach (var tool in new[] { "cat", "echo", "env" })
        {
            var real = new[] { "/usr/bin", "/bin" }.Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);
            if (real is not null)
            {
                File.CreateSymbolicLink(Path.Combine(tools, tool), real);
            }
        }

        if (noSudo)
        {
            File.Delete(Path.Combine(_bin, "sudo"));
        }

        start.Environment["PATH"] = $"{_bin}:{tools}";
        using var process = Process.Start(start)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, error);
    }
}
