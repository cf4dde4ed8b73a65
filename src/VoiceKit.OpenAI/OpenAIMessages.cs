using System.Text.Json.Serialization;

namespace VoiceKit.OpenAI;

// Wire shapes of the audio endpoints (protocols.md §4.2-4.3). Only the fields the adapter uses are declared; STJ skips
// the rest (logprobs, usage details, segment ids).

/// <summary>The JSON body of <c>POST audio/speech</c>, in the order the API documents its fields.</summary>
internal sealed class SpeechRequest
{
    public required string Model { get; init; }

    public required string Input { get; init; }

    public required string Voice { get; init; }

    public string ResponseFormat { get; init; } = "pcm";

    public string? Instructions { get; init; }

    public double? Speed { get; init; }
}

/// <summary>One server-sent event of a streaming transcription (<c>transcript.text.delta</c>, <c>transcript.text.done</c>), or an error.</summary>
internal sealed class TranscriptionEvent
{
    public string? Type { get; set; }

    public string? Delta { get; set; }

    public string? Text { get; set; }

    public TranscriptionUsage? Usage { get; set; }

    public OpenAIError? Error { get; set; }
}

/// <summary>The <c>usage</c> of a finished transcription.</summary>
internal sealed class TranscriptionUsage
{
    public string? Type { get; set; }

    public int? InputTokens { get; set; }

    public int? OutputTokens { get; set; }

    public double? Seconds { get; set; }
}

/// <summary>The non-streaming transcription response some servers send even when asked to stream: <c>{"text":"..."}</c>.</summary>
internal sealed class TranscriptionResponse
{
    public string? Text { get; set; }
}

/// <summary>The <c>error</c> object of an OpenAI error body or stream event.</summary>
internal sealed class OpenAIError
{
    public string? Message { get; set; }

    public string? Type { get; set; }

    public string? Code { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(SpeechRequest))]
[JsonSerializable(typeof(TranscriptionEvent))]
[JsonSerializable(typeof(TranscriptionResponse))]
internal sealed partial class OpenAIJsonContext : JsonSerializerContext;
