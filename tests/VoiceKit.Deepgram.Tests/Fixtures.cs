namespace VoiceKit.Deepgram.Tests;

/// <summary>Recorded Deepgram payloads from ../shared/fixtures/deepgram (see its README); tests skip when they are absent.</summary>
internal static class Fixtures
{
    public static string Read(string name)
    {
        var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "VoiceKit.sln")))
        {
            directory = directory.Parent;
        }

        Assume.That(directory, Is.Not.Null, "VoiceKit.sln not found above the test directory.");
        var path = Path.Combine(directory!.FullName, "..", "shared", "fixtures", "deepgram", name);
        Assume.That(File.Exists(path), Is.True, $"Fixture {path} is absent.");
        return File.ReadAllText(path);
    }
}
