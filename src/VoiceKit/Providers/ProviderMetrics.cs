using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace VoiceKit;

/// <summary>
/// The metrics every provider adapter records, with the same instruments in every package so dashboards compare
/// providers: <c>voicekit.provider.connect.duration</c>, <c>voicekit.provider.time_to_first_result</c> (seconds; for
/// speech-to-text, a Finalize or the utterance's request to its final; for text-to-speech, the first text to the first
/// audio byte; for language models, the request to the first token) and <c>voicekit.provider.reconnects</c>. Each adapter
/// package creates one instance, whose <see cref="Meter"/> is named like the package (<c>VoiceKit.Deepgram</c>); every
/// measurement is tagged <c>voicekit.provider</c> and <c>voicekit.port</c>.
/// </summary>
/// <remarks>Thread-safe. Adapter authors record once per connection or request, never per audio frame.</remarks>
public sealed class ProviderMetrics
{
    /// <summary>The <c>voicekit.port</c> tag value for speech-to-text.</summary>
    public const string SpeechToText = "stt";

    /// <summary>The <c>voicekit.port</c> tag value for text-to-speech.</summary>
    public const string TextToSpeech = "tts";

    /// <summary>The <c>voicekit.port</c> tag value for language models.</summary>
    public const string LanguageModel = "llm";

    private readonly Histogram<double> _connect;
    private readonly Histogram<double> _firstResult;
    private readonly Counter<long> _reconnects;

    /// <summary>Creates the instruments on a new meter. Create one per package, in a static field.</summary>
    /// <param name="meterName">The meter's name: the package's, such as <c>VoiceKit.Deepgram</c>.</param>
    /// <param name="provider">The <c>voicekit.provider</c> tag, lower case, such as <c>deepgram</c>.</param>
    public ProviderMetrics(string meterName, string provider)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(meterName);
        ArgumentException.ThrowIfNullOrWhiteSpace(provider);
        Provider = provider;
        Meter = new Meter(meterName);
        _connect = Meter.CreateHistogram<double>(
            "voicekit.provider.connect.duration", "s", "Opening a connection to a provider (TCP, TLS and WebSocket upgrade, or a warm-up request).");
        _firstResult = Meter.CreateHistogram<double>(
            "voicekit.provider.time_to_first_result", "s", "A request to a provider to its first result: first audio byte for speech, the final transcript after Finalize for recognition, the first token for language models.");
        _reconnects = Meter.CreateCounter<long>(
            "voicekit.provider.reconnects", "{reconnect}", "Dropped provider connections replaced by new ones (or failed requests retried).");
    }

    /// <summary>The meter the instruments live on.</summary>
    public Meter Meter { get; }

    /// <summary>The <c>voicekit.provider</c> tag value.</summary>
    public string Provider { get; }

    /// <summary>Records how long opening a connection took.</summary>
    /// <param name="port">One of <see cref="SpeechToText"/>, <see cref="TextToSpeech"/>, <see cref="LanguageModel"/>.</param>
    /// <param name="duration">The time taken.</param>
    public void RecordConnect(string port, TimeSpan duration)
    {
        if (_connect.Enabled)
        {
            _connect.Record(duration.TotalSeconds, Tags(port));
        }
    }

    /// <summary>Records the time from a request to its first result.</summary>
    /// <param name="port">One of <see cref="SpeechToText"/>, <see cref="TextToSpeech"/>, <see cref="LanguageModel"/>.</param>
    /// <param name="duration">The time taken.</param>
    public void RecordFirstResult(string port, TimeSpan duration)
    {
        if (_firstResult.Enabled)
        {
            _firstResult.Record(duration.TotalSeconds, Tags(port));
        }
    }

    /// <summary>Counts one reconnect (or retried request).</summary>
    /// <param name="port">One of <see cref="SpeechToText"/>, <see cref="TextToSpeech"/>, <see cref="LanguageModel"/>.</param>
    public void RecordReconnect(string port)
    {
        if (_reconnects.Enabled)
        {
            _reconnects.Add(1, Tags(port));
        }
    }

    private TagList Tags(string port) => new()
    {
        { "voicekit.provider", Provider },
        { "voicekit.port", port },
    };
}
