using System.Text.Json.Serialization;

namespace VoiceKit.ElevenLabs;

// Messages of the stream-input WebSocket (protocols.md §3.2, §3.3). Property names are spelled out so the wire shape
// does not depend on a naming policy, and properties are declared in the order they go on the wire. Audio messages from
// the server are read by ElevenLabsMessageParser instead, straight from the UTF-8 bytes, so their base64 audio is never
// turned into a string.

/// <summary>The first message on a socket: a single space, the voice settings and the chunk schedule (§3.2 step 1).</summary>
internal sealed class ElevenLabsInitializeConnection
{
    [JsonPropertyName("text")]
    public string Text { get; init; } = " ";

    [JsonPropertyName("voice_settings")]
    public required ElevenLabsVoiceSettings VoiceSettings { get; init; }

    [JsonPropertyName("generation_config")]
    public required ElevenLabsGenerationConfig GenerationConfig { get; init; }
}

internal sealed class ElevenLabsVoiceSettings
{
    [JsonPropertyName("stability")]
    public double Stability { get; init; }

    [JsonPropertyName("similarity_boost")]
    public double SimilarityBoost { get; init; }

    [JsonPropertyName("style")]
    public double Style { get; init; }

    [JsonPropertyName("use_speaker_boost")]
    public bool UseSpeakerBoost { get; init; }

    [JsonPropertyName("speed")]
    public double Speed { get; init; }
}

internal sealed class ElevenLabsGenerationConfig
{
    [JsonPropertyName("chunk_length_schedule")]
    public required int[] ChunkLengthSchedule { get; init; }
}

/// <summary>A piece of the reply's text (§3.2 step 2); <c>flush</c> is written only when set.</summary>
internal sealed class ElevenLabsSendText
{
    [JsonPropertyName("text")]
    public required string Text { get; init; }

    [JsonPropertyName("flush")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Flush { get; init; }
}

/// <summary>An error the server sends before closing with 1008 (§3.3), such as <c>input_timeout_exceeded</c>.</summary>
internal sealed class ElevenLabsError
{
    [JsonPropertyName("message")]
    public string? Message { get; set; }

    [JsonPropertyName("error")]
    public string? Error { get; set; }

    [JsonPropertyName("code")]
    public int? Code { get; set; }
}

[JsonSerializable(typeof(ElevenLabsInitializeConnection))]
[JsonSerializable(typeof(ElevenLabsSendText))]
[JsonSerializable(typeof(ElevenLabsError))]
internal sealed partial class ElevenLabsJsonContext : JsonSerializerContext;
