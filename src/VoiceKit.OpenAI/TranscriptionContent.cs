using System.Net.Http.Headers;
using System.Text;
using VoiceKit.Audio;

namespace VoiceKit.OpenAI;

/// <summary>
/// The <c>multipart/form-data</c> body of one streaming <c>POST audio/transcriptions</c> (protocols.md §4.3): the
/// utterance as a WAV <c>file</c> with a filename, then <c>model</c>, <c>language</c> and <c>prompt</c> when set,
/// <c>response_format=json</c> and <c>stream=true</c>. Written by hand (RFC 7578, quoted names) so the bytes are the same
/// on every run and every retry.
/// </summary>
internal static class TranscriptionContent
{
    public const string FileName = "utterance.wav";

    /// <summary>Builds the body once per utterance; a retry sends the same bytes.</summary>
    /// <param name="settings">Model, language and prompt.</param>
    /// <param name="format">The audio's format (mono PCM16).</param>
    /// <param name="pcm">The utterance's samples.</param>
    /// <param name="boundary">The multipart boundary.</param>
    /// <returns>The body bytes.</returns>
    public static byte[] Build(OpenAIVoiceOptions settings, AudioFormat format, ReadOnlySpan<byte> pcm, string boundary)
    {
        using var body = new MemoryStream(pcm.Length + 1024);
        WriteAscii(body, $"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{FileName}\"\r\nContent-Type: audio/wav\r\n\r\n");
        WavFile.Write(body, format, pcm);
        WriteAscii(body, "\r\n");
        Field(body, boundary, "model", settings.TranscriptionModel);
        if (!string.IsNullOrWhiteSpace(settings.TranscriptionLanguage))
        {
            Field(body, boundary, "language", settings.TranscriptionLanguage);
        }

        if (!string.IsNullOrWhiteSpace(settings.TranscriptionPrompt))
        {
            Field(body, boundary, "prompt", settings.TranscriptionPrompt);
        }

        Field(body, boundary, "response_format", "json");
        Field(body, boundary, "stream", "true");
        WriteAscii(body, $"--{boundary}--\r\n");
        return body.ToArray();
    }

    /// <summary>Content for one attempt (an <see cref="HttpContent"/> is sent once, so each retry gets its own over the same bytes).</summary>
    public static ByteArrayContent ToContent(byte[] body, string boundary)
    {
        var content = new ByteArrayContent(body);
        var type = new MediaTypeHeaderValue("multipart/form-data");
        type.Parameters.Add(new NameValueHeaderValue("boundary", boundary));
        content.Headers.ContentType = type;
        return content;
    }

    /// <summary>A fresh boundary per utterance; 128 random bits do not occur in the audio or the fields in practice.</summary>
    public static string NewBoundary() => "voicekit-" + Guid.NewGuid().ToString("N");

    private static void Field(MemoryStream body, string boundary, string name, string value)
    {
        WriteAscii(body, $"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n");
        body.Write(Encoding.UTF8.GetBytes(value));
        WriteAscii(body, "\r\n");
    }

    private static void WriteAscii(MemoryStream body, string text) => body.Write(Encoding.ASCII.GetBytes(text));
}
