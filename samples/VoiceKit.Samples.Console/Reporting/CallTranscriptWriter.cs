using System.Text.Encodings.Web;
using System.Text.Json;

namespace VoiceKit.Samples.Console.Reporting;

/// <summary>
/// Writes a call's transcript as JSON: the call, its totals, the speech measured on each channel of the recording, and
/// every entry in order, each named by its <c>"kind"</c> (<see cref="TranscriptEntryKind"/>). Enough to redraw the
/// timeline without the recording.
/// </summary>
internal static class CallTranscriptWriter
{
    /// <summary>
    /// Readable text: the file is not embedded in HTML, so quotes, apostrophes and non-ASCII letters stay as they are
    /// (what must be escaped in JSON still is).
    /// </summary>
    private static readonly CallTranscriptJsonContext Context =
        new(new JsonSerializerOptions(CallTranscriptJsonContext.Default.Options) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    /// <summary>Writes the transcript of <paramref name="record"/> to <paramref name="path"/>, replacing any file there.</summary>
    /// <param name="record">The call; its recording is read to measure who spoke when (a missing recording measures as no speech).</param>
    /// <param name="path">The file to write; its directory is created if missing.</param>
    public static void Write(CallRecord record, string path) => Write(CallTranscript.Create(record), path);

    /// <summary>Writes <paramref name="transcript"/> to <paramref name="path"/>, replacing any file there.</summary>
    public static void Write(CallTranscript transcript, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ReportFile.EnsureDirectory(path);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        Write(transcript, stream);
    }

    /// <summary>Writes <paramref name="transcript"/> as UTF-8 JSON to <paramref name="stream"/>, which stays open.</summary>
    public static void Write(CallTranscript transcript, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        JsonSerializer.Serialize(stream, transcript, Context.CallTranscript);
    }

    /// <summary>Reads a transcript this writer wrote.</summary>
    /// <exception cref="JsonException">The JSON is not a transcript.</exception>
    public static CallTranscript Read(Stream stream) =>
        JsonSerializer.Deserialize(stream, Context.CallTranscript) ?? throw new JsonException("The transcript is null.");
}
