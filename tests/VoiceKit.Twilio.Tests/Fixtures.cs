namespace VoiceKit.Twilio.Tests;

/// <summary>Recorded Twilio data from ../shared/fixtures/twilio (see its README); tests skip when it is absent.</summary>
internal static class Fixtures
{
    public const string SignatureVectors = "twilio-csharp_request-validator-vectors.json";

    public static string Read(string name)
    {
        var path = PathOf(name);
        Assume.That(path, Is.Not.Null, $"Fixture {name} is absent (../shared/fixtures/twilio next to VoiceKit.sln).");
        return File.ReadAllText(path!);
    }

    /// <summary>The fixture's path, or null when VoiceKit.sln or the file cannot be found (also usable at test discovery).</summary>
    public static string? PathOf(string name)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "VoiceKit.sln")))
        {
            directory = directory.Parent;
        }

        if (directory is null)
        {
            return null;
        }

        var path = Path.Combine(directory.FullName, "..", "shared", "fixtures", "twilio", name);
        return File.Exists(path) ? path : null;
    }
}
