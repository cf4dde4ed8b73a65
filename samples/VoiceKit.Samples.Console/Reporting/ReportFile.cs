namespace VoiceKit.Samples.Console.Reporting;

/// <summary>What the report writers share about the files they write.</summary>
internal static class ReportFile
{
    /// <summary>Creates the directory <paramref name="path"/> goes in, if it has one and it is missing.</summary>
    public static void EnsureDirectory(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }
    }
}
