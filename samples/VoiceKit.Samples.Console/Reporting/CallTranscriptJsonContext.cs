using System.Text.Json.Serialization;

namespace VoiceKit.Samples.Console.Reporting;

/// <summary>The JSON shape of a <see cref="CallTranscript"/>: camelCase names, indented, absent values left out.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CallTranscript))]
internal sealed partial class CallTranscriptJsonContext : JsonSerializerContext;
