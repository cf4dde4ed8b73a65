namespace VoiceKit.Local;

/// <summary>PocketSphinx's provider metrics, on the <c>VoiceKit.Local</c> meter.</summary>
internal static class PocketSphinxTelemetry
{
    public static readonly ProviderMetrics Metrics = new("VoiceKit.Local", "pocketsphinx");
}
