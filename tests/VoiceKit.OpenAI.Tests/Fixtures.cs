namespace VoiceKit.OpenAI.Tests;

/// <summary>Recorded OpenAI payloads from ../shared/fixtures/openai (see its README); tests skip when they are absent.</summary>
internal static class Fixtures
{
    public static byte[] Read(string name)
    {
        var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "VoiceKit.sln")))
        {
            directory = directory.Parent;
        }

        Assume.That(directory, Is.Not.Null, "VoiceKit.sln not found above the test directory.");
        var root = Path.Combine(directory!.FullName, "..", "shared", "fixtures", "openai");
        var path = new[] { "openai-dotnet", "openai-python" }.Select(d => Path.Combine(root, d, name)).FirstOrDefault(File.Exists);
        Assume.That(path, Is.Not.Null, $"Fixture {name} is absent under {root}.");
        return File.ReadAllBytes(path!);
    }
}
