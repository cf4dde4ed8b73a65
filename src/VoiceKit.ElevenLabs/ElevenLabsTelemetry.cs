namespace VoiceKit.ElevenLabs;

/// <summary>The package's provider metrics, on the <c>VoiceKit.ElevenLabs</c> meter.</summary>
internal static class ElevenLabsTelemetry
{
    public static readonly ProviderMetrics Metrics = new("VoiceKit.ElevenLabs", "elevenlabs");
}
