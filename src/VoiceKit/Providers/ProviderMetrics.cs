using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace VoiceKit;

/// <summary>
/// The metrics every provider adapter records, on the "VoiceKit" <see cref="Meter"/>, so dashboards compare providers
/// on the same instruments: <c>voicekit.provider.connect.duration</c>, <c>voicekit.provider.time_to_first_result</c>
/// (seconds; for speech-to-text, a Finalize to its final transcript or a request to its first result; for text-to-speech,
/// the first text to the first audio byte) and <c>voicekit.provider.reconnects</c>. Tags: <c>voicekit.provider</c>
/// (<c>deepgram</c>, <c>openai</c> ...) and <c>voicekit.port</c> (<c>stt</c>, <c>tts</c> or <c>llm</c>).
/// </summary>
/// <remarks>Adapter authors call these once per connection or request, never per audio frame.</remarks>
public static class ProviderMetrics
{
    /// <summary>The <c>voicekit.port</c> tag value for speech-to-text.</summary>
    public const string SpeechToText = "stt";

    /// <summary>The <c>voicekit.port</c> tag value for text-to-speech.</summary>
    public const string TextToSpeech = "tts";

    /// <summary>The <c>voicekit.port</c> tag value for language models.</summary>
    public const string LanguageModel = "llm";

    private static readonly Histogram<double> s_connect = VoiceKitTelemetry.Meter.CreateHistogram<double>(
        "voicekit.provider.connect.duration", "s", "Opening a connection to a provider (TCP, TLS and WebSocket upgrade, or a warm-up request).");

    private static readonly Histogram<double> s_firstResult = VoiceKitTelemetry.Meter.CreateHistogram<double>(
        "voicekit.provider.time_to_first_result", "s", "A request to a provider to its first result: first audio byte for speech, the final transcript after Finalize for recognition.");

    private static readonly Counter<long> s_reconnects = VoiceKitTelemetry.Meter.CreateCounter<long>(
        "voicekit.provider.reconnects", "{reconnect}", "Dropped provider connections replaced by new ones (or failed requests retried).");

    /// <summary>Records how long opening a connection took.</summary>
    /// <param name="provider">The provider, lower case.</param>
    /// <param name="port">One of <see cref="SpeechToText"/>, <see cref="TextToSpeech"/>, <see cref="LanguageModel"/>.</param>
    /// <param name="duration">The time taken.</param>
    public static void RecordConnect(string provider, string port, TimeSpan duration)
    {
        if (s_connect.Enabled)
        {
            s_connect.Record(duration.TotalSeconds, Tags(provider, port));
        }
    }

    /// <summary>Records the time from a request to its first result.</summary>
    /// <param name="provider">The provider, lower case.</param>
    /// <param name="port">One of <see cref="SpeechToText"/>, <see cref="TextToSpeech"/>, <see cref="LanguageModel"/>.</param>
    /// <param name="duration">The time taken.</param>
    public static void RecordFirstResult(string provider, string port, TimeSpan duration)
    {
        if (s_firstResult.Enabled)
        {
            s_firstResult.Record(duration.TotalSeconds, Tags(provider, port));
        }
    }

    /// <summary>Counts one reconnect (or retried request).</summary>
    /// <param name="provider">The provider, lower case.</param>
    /// <param name="port">One of <see cref="SpeechToText"/>, <see cref="TextToSpeech"/>, <see cref="LanguageModel"/>.</param>
    public static void RecordReconnect(string provider, string port)
    {
        if (s_reconnects.Enabled)
        {
            s_reconnects.Add(1, Tags(provider, port));
        }
    }

    private static TagList Tags(string provider, string port) => new()
    {
        { "voicekit.provider", provider },
        { "voicekit.port", port },
    };
}
