using System.Text.Json;
using System.Text.Json.Serialization;

namespace VoiceKit.Deepgram;

// Messages of the Aura /v1/speak WebSocket (protocols.md §2). The client sends Speak/Flush/Clear/Close as JSON text
// frames; the server sends raw audio as binary frames and Metadata/Flushed/Cleared/Warning as JSON text frames. Only the
// fields the adapter uses are declared, so extra or future fields are skipped rather than rejected; sequence_id is not
// declared because the adapter counts Flushed messages instead of trusting its numbering across Clear and reuse.

/// <summary>The client's <c>{"type":"Speak","text":"..."}</c>: text appended to Deepgram's buffer.</summary>
internal sealed class DeepgramSpeakText(string text)
{
    public string Type { get; } = "Speak";

    public string Text { get; } = text;
}

/// <summary>Any server text message; which fields are set depends on <see cref="Type"/>.</summary>
internal sealed class DeepgramSpeakServerMessage
{
    /// <summary><c>Metadata</c>, <c>Flushed</c>, <c>Cleared</c>, <c>Warning</c>, or a type added later (ignored).</summary>
    public string? Type { get; set; }

    /// <summary>A Metadata message's request id, worth quoting to Deepgram support.</summary>
    public string? RequestId { get; set; }

    /// <summary>A Warning's text.</summary>
    public string? Description { get; set; }

    /// <summary>A Warning's code; its type is not documented, so any JSON value is accepted.</summary>
    public JsonElement? Code { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(DeepgramSpeakText))]
[JsonSerializable(typeof(DeepgramSpeakServerMessage))]
internal sealed partial class DeepgramSpeakJsonContext : JsonSerializerContext;
