using System.Runtime.InteropServices;

namespace VoiceKit.Local.Tests;

[CancelAfter(5_000)]
public sealed class LocalEnginesTests
{
    [Test]
    public void Names_exactly_the_packages_whose_libraries_do_not_load(CancellationToken cancellationToken)
    {
        var expected = new List<string>();
        if (!NativeLibrary.TryLoad("libpocketsphinx.so.3", out _) || !NativeLibrary.TryLoad("libsphinxbase.so.3", out _))
        {
            expected.Add("libpocketsphinx3");
        }

        if (!Directory.Exists("/usr/share/pocketsphinx/model/en-us"))
        {
            expected.Add("pocketsphinx-en-us");
        }

        if (!NativeLibrary.TryLoad("libflite.so.1", out _))
        {
            expected.Add("libflite1");
        }

        if (!NativeLibrary.TryLoad("libespeak-ng.so.1", out _))
        {
            expected.Add("libespeak-ng1");
        }

        Assert.Multiple(() =>
        {
            Assert.That(LocalEngines.MissingDebianPackages(LocalEngine.PocketSphinx | LocalEngine.Flite | LocalEngine.Espeak), Is.EqualTo(expected));
            Assert.That(LocalEngines.MissingDebianPackages(LocalEngine.None), Is.Empty);
            Assert.That(LocalEngines.MissingDebianPackages(LocalEngine.Flite), Is.EqualTo(expected.Where(p => p == "libflite1")));
        });
    }
}
