namespace VoiceKit.OpenAI;

/// <summary>The package's provider metrics, on the <c>VoiceKit.OpenAI</c> meter.</summary>
internal static class OpenAITelemetry
{
    public static readonly ProviderMetrics Metrics = new("VoiceKit.OpenAI", "openai");
}
