using System.Text.Json.Serialization;

namespace VoiceKit.Cli.Turns;

/// <summary>Source-generated JSON for <c>words.json</c> and <c>agent.json</c> (no reflection, trimming-safe).</summary>
[JsonSourceGenerationOptions(ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true)]
[JsonSerializable(typeof(List<TimedWord>))]
[JsonSerializable(typeof(List<AgentSpan>))]
internal sealed partial class TurnsJsonContext : JsonSerializerContext;
