using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using VoiceKit.Audio;
using VoiceKit.Samples.Console.Reporting;
using VoiceKit.Turns;

namespace VoiceKit.Samples.Tests;

/// <summary>
/// A hand-made call for the report tests: a stereo recording with tones where each side speaks, and the events such a
/// call publishes (greeting, a turn, a barge-in, a tool call with a filler, an error, keys, a hang-up), with times that
/// agree with the recording.
/// </summary>
internal static class ReportTestCall
{
    public const string ToolResult = "Order 452198 is out for delivery and arrives today before 6 pm.";
    public const string HostileText = "<script>alert('x')</script> & \"bye\"";
    public const string HeardBeforeBargeIn = "Sure. Could you give me";

    /// <summary>Where the caller speaks in the recording, in seconds.</summary>
    public static readonly SpeechInterval[] CallerSpeech = [new(4.0, 6.0), new(9.8, 13.0), new(21.0, 22.5)];

    /// <summary>Where the agent speaks in the recording, in seconds (the second reply is cut by the barge-in at 10.2 s).</summary>
    public static readonly SpeechInterval[] AgentSpeech = [new(0.5, 3.0), new(7.4, 10.2), new(14.6, 16.0), new(16.8, 20.0), new(23.6, 25.0)];

    public static readonly TurnMetrics[] Metrics =
    [
        new() { Turn = 1, EndOfUtteranceDelay = Ms(600), SpeechToTextFinalDelay = Ms(250), LanguageModelTimeToFirstToken = Ms(300), TextToSpeechTimeToFirstByte = Ms(120), TurnLatency = Ms(1400) },
        new() { Turn = 2, EndOfUtteranceDelay = Ms(600), SpeechToTextFinalDelay = Ms(180), LanguageModelTimeToFirstToken = Ms(420), TextToSpeechTimeToFirstByte = Ms(110), TurnLatency = Ms(1600) },
        new() { Turn = 3, EndOfUtteranceDelay = Ms(500), SpeechToTextFinalDelay = null, LanguageModelTimeToFirstToken = Ms(250), TextToSpeechTimeToFirstByte = Ms(90), TurnLatency = Ms(1100) },
    ];

    public static CallSummary Summary { get; } = new()
    {
        CallId = "call-42",
        EndReason = CallEndReason.AgentHungUp,
        Duration = Seconds(25.3),
        Turns = 3,
        Interruptions = 1,
        ToolCalls = 1,
        TurnMetrics = Metrics,
    };

    /// <summary>The events, in the order the call publishes them.</summary>
    public static IReadOnlyList<CallEvent> Events { get; } =
    [
        new AgentSpokeEvent(Seconds(3.0), "Thanks for calling Acme Parcels. How can I help you today?", Interrupted: false),
        new TurnDecisionEvent(Seconds(4.1), Turn(TurnEventKind.SpeechStarted, 4.1)),
        new TurnDecisionEvent(Seconds(6.6), Turn(TurnEventKind.EndOfTurn, 6.6, delay: 0.6)),
        new CallerSpokeEvent(Seconds(6.6), "Hi, I'm calling about a parcel that hasn't arrived yet."),
        new TurnMetricsEvent(Seconds(7.4), Metrics[0]),
        new TurnDecisionEvent(Seconds(10.1), Turn(TurnEventKind.Interruption, 10.1, speech: 0.3)),
        new AgentSpokeEvent(Seconds(10.2), HeardBeforeBargeIn, Interrupted: true),
        new TurnDecisionEvent(Seconds(13.6), Turn(TurnEventKind.EndOfTurn, 13.6, delay: 0.6)),
        new CallerSpokeEvent(Seconds(13.6), "Yes, the order number is four five two one nine eight."),
        new TurnMetricsEvent(Seconds(14.6), Metrics[1]),
        new ToolCalledEvent(Seconds(16.0), "get_order_status", """{"orderNumber":"452198"}""", ToolResult, Seconds(2.2), Failed: false),
        new AgentSpokeEvent(Seconds(16.0), "One moment while I look that up.", Interrupted: false),
        new ProviderErrorEvent(Seconds(18.0), new InvalidOperationException("The synthesiser <hiccupped>.")),
        new AgentSpokeEvent(Seconds(20.0), ToolResult, Interrupted: false),
        new DtmfEvent(Seconds(20.6), "12#"),
        new CallerSpokeEvent(Seconds(23.0), HostileText),
        new TurnMetricsEvent(Seconds(23.6), Metrics[2]),
        new AgentSpokeEvent(Seconds(25.0), "Thanks for calling. Goodbye!", Interrupted: false),
        new CallEndedEvent(Seconds(25.3), Summary),
    ];

    /// <summary>The entry kinds <see cref="Events"/> make, in order.</summary>
    public static readonly string[] ExpectedKinds =
    [
        "agent", "caller", "latency", "barge-in", "agent", "caller", "latency", "tool", "agent", "error", "agent", "dtmf", "caller", "latency", "agent", "hang-up",
    ];

    /// <summary>A record of the call, its recording written to <paramref name="directory"/>.</summary>
    public static CallRecord Create(string directory, IReadOnlyList<CallEvent>? events = null)
    {
        var recording = Path.Combine(directory, "call.wav");
        WriteRecording(recording, 8_000, CallerSpeech, AgentSpeech, Summary.Duration.TotalSeconds);
        return new CallRecord(
            "Acme Parcels: \"where is my order?\"",
            new Dictionary<string, string> { ["speech-to-text"] = "PocketSphinx (offline)", ["language model"] = "rule-based <stand-in>" },
            new DateTimeOffset(2025, 11, 24, 10, 30, 0, TimeSpan.Zero),
            events ?? Events,
            Summary,
            recording);
    }

    /// <summary>
    /// Writes a stereo PCM16 WAV: a 440 Hz tone on the left and a 660 Hz one on the right where each side speaks, with
    /// faint line noise everywhere (as a phone line has), or digital silence with <paramref name="noise"/> off.
    /// </summary>
    public static void WriteRecording(string path, int sampleRate, IEnumerable<SpeechInterval> left, IEnumerable<SpeechInterval> right, double seconds, bool noise = true)
    {
        var frames = (int)(seconds * sampleRate);
        var samples = new short[frames * 2];
        var random = new Random(7);
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = noise ? (short)random.Next(-20, 21) : (short)0;
        }

        AddTone(samples, 0, sampleRate, 440, left);
        AddTone(samples, 1, sampleRate, 660, right);
        WavFile.WriteFile(path, new AudioFormat(AudioEncoding.Pcm16, sampleRate, channels: 2), MemoryMarshal.AsBytes(samples.AsSpan()));
    }

    /// <summary>A turn-engine decision, as the engine makes them (its constructor is internal to VoiceKit).</summary>
    public static TurnEvent Turn(TurnEventKind kind, double time, double delay = 0, double speech = 0) =>
        NewTurnEvent(kind, Seconds(time), kind == TurnEventKind.EndOfTurn ? EndOfTurnReason.TranscriptComplete : EndOfTurnReason.None, Seconds(delay), Seconds(speech));

    public static TimeSpan Seconds(double seconds) => TimeSpan.FromSeconds(seconds);

    private static TimeSpan Ms(double milliseconds) => TimeSpan.FromMilliseconds(milliseconds);

    private static void AddTone(short[] stereo, int channel, int sampleRate, double frequency, IEnumerable<SpeechInterval> intervals)
    {
        foreach (var interval in intervals)
        {
            var first = (int)Math.Round(interval.Start * sampleRate);
            var end = Math.Min((int)Math.Round(interval.End * sampleRate), stereo.Length / 2);
            for (var i = first; i < end; i++)
            {
                stereo[(2 * i) + channel] = (short)(8000 * Math.Sin(2 * Math.PI * frequency * i / sampleRate));
            }
        }
    }

    [UnsafeAccessor(UnsafeAccessorKind.Constructor)]
    private static extern TurnEvent NewTurnEvent(TurnEventKind kind, TimeSpan time, EndOfTurnReason reason, TimeSpan delay, TimeSpan speechDuration);
}
