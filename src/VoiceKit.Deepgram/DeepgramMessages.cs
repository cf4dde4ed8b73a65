using System.Text.Json.Serialization;

namespace VoiceKit.Deepgram;

// Server → client messages of /v1/listen (protocols.md §1.4). Only the fields the adapter maps are declared; STJ skips
// the rest. "channel" is an object in Results and an int array in SpeechStarted/UtteranceEnd, so each type has its own
// class, picked after reading "type".

internal sealed class DeepgramMessageType
{
    public string? Type { get; set; }
}

/// <summary>A Deepgram <c>Results</c> message.</summary>
internal sealed class DeepgramResults
{
    public double Start { get; set; }

    public double Duration { get; set; }

    public bool IsFinal { get; set; }

    public bool SpeechFinal { get; set; }

    public bool FromFinalize { get; set; }

    public DeepgramChannel? Channel { get; set; }
}

internal sealed class DeepgramChannel
{
    public List<DeepgramAlternative>? Alternatives { get; set; }
}

internal sealed class DeepgramAlternative
{
    public string? Transcript { get; set; }

    public double? Confidence { get; set; }
}

/// <summary>A Deepgram <c>SpeechStarted</c> message.</summary>
internal sealed class DeepgramSpeechStarted
{
    public double Timestamp { get; set; }
}

/// <summary>A Deepgram <c>UtteranceEnd</c> message.</summary>
internal sealed class DeepgramUtteranceEnd
{
    public double LastWordEnd { get; set; }
}

/// <summary>A Deepgram <c>Error</c> text message (pre-v5 SDK <c>ErrorResponse</c>).</summary>
internal sealed class DeepgramError
{
    public string? Description { get; set; }

    public string? Message { get; set; }

    public string? Variant { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(DeepgramMessageType))]
[JsonSerializable(typeof(DeepgramResults))]
[JsonSerializable(typeof(DeepgramSpeechStarted))]
[JsonSerializable(typeof(DeepgramUtteranceEnd))]
[JsonSerializable(typeof(DeepgramError))]
internal sealed partial class DeepgramJsonContext : JsonSerializerContext;
