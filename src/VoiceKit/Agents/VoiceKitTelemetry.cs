using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace VoiceKit;

/// <summary>
/// The core package's <see cref="ActivitySource"/> and <see cref="Meter"/>, both named "VoiceKit". Latencies are
/// histograms in seconds, recorded once per agent turn (never per frame).
/// </summary>
internal static class VoiceKitTelemetry
{
    public const string Name = "VoiceKit";

    public static readonly ActivitySource ActivitySource = new(Name);

    public static readonly Meter Meter = new(Name);

    public static readonly Histogram<double> TurnLatency = Meter.CreateHistogram<double>(
        "voicekit.turn.latency", "s", "Caller stopped speaking to the agent's first audio.");

    public static readonly Histogram<double> EndOfUtteranceDelay = Meter.CreateHistogram<double>(
        "voicekit.turn.end_of_utterance_delay", "s", "Caller stopped speaking to the end-of-turn decision.");

    public static readonly Histogram<double> SpeechToTextFinalDelay = Meter.CreateHistogram<double>(
        "voicekit.stt.final_delay", "s", "Caller stopped speaking to the recogniser's final transcript.");

    public static readonly Histogram<double> LanguageModelTimeToFirstToken = Meter.CreateHistogram<double>(
        "voicekit.llm.time_to_first_token", "s", "Language model request to its first text token.");

    public static readonly Histogram<double> TextToSpeechTimeToFirstByte = Meter.CreateHistogram<double>(
        "voicekit.tts.time_to_first_byte", "s", "First text sent to the synthesiser to its first audio.");

    public static readonly Counter<long> Interruptions = Meter.CreateCounter<long>(
        "voicekit.turn.interruptions", "{interruption}", "Times a caller interrupted the agent.");

    public static readonly Counter<long> FalseInterruptions = Meter.CreateCounter<long>(
        "voicekit.turn.false_interruptions", "{interruption}", "Interruptions that brought no words; the agent resumed.");

    public static void Record(Histogram<double> histogram, TimeSpan? value)
    {
        if (value is { } v && histogram.Enabled)
        {
            histogram.Record(v.TotalSeconds);
        }
    }
}
