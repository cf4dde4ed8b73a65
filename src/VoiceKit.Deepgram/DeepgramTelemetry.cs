namespace VoiceKit.Deepgram;

/// <summary>The package's provider metrics, on the <c>VoiceKit.Deepgram</c> meter.</summary>
internal static class DeepgramTelemetry
{
    public static readonly ProviderMetrics Metrics = new("VoiceKit.Deepgram", "deepgram");
}
