using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace VoiceKit.Local;

/// <summary>
/// Files PocketSphinx must read from disk (a telephony <c>feat.params</c>, a domain language model), written once per
/// content and shared by every decoder. They live in the user's own data directory, not a shared temp directory where
/// another user could plant a file under the predictable name; an existing file is used only if it holds exactly the
/// expected content.
/// </summary>
internal static class PocketSphinxFileCache
{
    /// <summary>The file holding <paramref name="content"/>, written if missing or different; its name is the prefix and the content's hash.</summary>
    /// <exception cref="InvalidOperationException">The cache directory cannot be written.</exception>
    public static string PathFor(string prefix, string extension, string content)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)))[..16];
        var directory = Directory;
        var path = Path.Combine(directory, $"{prefix}-{hash}{extension}");
        try
        {
            if (File.Exists(path) && string.Equals(File.ReadAllText(path), content, StringComparison.Ordinal))
            {
                return path;
            }

            System.IO.Directory.CreateDirectory(directory);

            // Write beside and move, so a concurrent decoder never reads a half-written file.
            var partial = $"{path}.{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}.{Guid.NewGuid():N}.tmp";
            File.WriteAllText(partial, content);
            File.Move(partial, path, overwrite: true);
            return path;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"VoiceKit.Local could not write its PocketSphinx file cache in '{directory}': {e.Message}", e);
        }
    }

    /// <summary>The user's local data directory (…/.local/share/VoiceKit/pocketsphinx on Linux), or the temp directory when there is none.</summary>
    internal static string Directory
    {
        get
        {
            var data = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
            return string.IsNullOrEmpty(data)
                ? Path.Combine(Path.GetTempPath(), $"voicekit-pocketsphinx-{Environment.UserName}")
                : Path.Combine(data, "VoiceKit", "pocketsphinx");
        }
    }
}
