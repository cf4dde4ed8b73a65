using System.Text.Json.Serialization;

namespace VoiceKit.Twilio;

// Bodies of Twilio's REST API (protocols.md §5.4-5.5). Only the fields VoiceKit reads are declared; STJ skips the rest.

/// <summary>The fields of a Call resource that call control reads.</summary>
internal sealed class TwilioCallResource
{
    public string? Sid { get; set; }

    public string? Status { get; set; }
}

/// <summary>A REST error body: <c>{"code":20404,"message":"…","more_info":"https://…","status":404}</c>.</summary>
internal sealed class TwilioRestError
{
    public int? Code { get; set; }

    public string? Message { get; set; }

    public string? MoreInfo { get; set; }

    public int? Status { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(TwilioCallResource))]
[JsonSerializable(typeof(TwilioRestError))]
internal sealed partial class TwilioRestJsonContext : JsonSerializerContext;
