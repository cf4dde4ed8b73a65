using Microsoft.Extensions.Time.Testing;
using VoiceKit.Turns;

namespace VoiceKit.Cli.Turns;

/// <summary>
/// Runs the turn engine over a recording in virtual time: 20 ms frames, simulated recogniser signals and agent speech
/// delivered at their exact moments on a <see cref="FakeTimeProvider"/>. The same code path as a live call, minus the
/// wall clock.
/// </summary>
public static class TurnRunner
{
    private const int FrameMs = 20;

    /// <summary>Runs the engine and returns its decisions in order.</summary>
    /// <param name="samples">Mono PCM16 caller audio.</param>
    /// <param name="sampleRate">8000 or 16000.</param>
    /// <param name="words">Timed caller words for the simulated recogniser; <c>null</c> to run on audio alone.</param>
    /// <param name="agent">When the agent is speaking; <c>null</c> if never.</param>
    /// <param name="options">Recogniser simulation and engine tuning.</param>
    /// <returns>The events, with times from the start of the audio. After the audio ends, silence is fed for the
    /// engine's maximum endpointing delay so the last turn is decided.</returns>
    public static IReadOnlyList<TurnEventRecord> Run(ReadOnlySpan<short> samples, int sampleRate, IReadOnlyList<TimedWord>? words, IReadOnlyList<AgentSpan>? agent, TurnRunOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var vad = options.VoiceActivityDetector?.Invoke(sampleRate) ?? new AdaptiveVoiceActivityDetector(sampleRate);
        var time = new FakeTimeProvider();
        var engine = new TurnEngine(vad, options.Engine, time);

        // Everything that happens at a moment other than a frame boundary, in time order.
        var timeline = new List<(int AtMs, int Order, Action<TurnEngine> Apply)>();
        if (words is not null)
        {
            foreach (var signal in SimulatedSpeechToText.Schedule(words, options.SttDelayMs, options.SttEndpointingMs))
            {
                timeline.Add((signal.AtMs, 1, e => e.OnTranscript(signal.Text, signal.IsFinal, isEndpoint: signal.IsFinal)));
            }
        }

        foreach (var span in agent ?? [])
        {
            timeline.Add((span.StartMs, 0, static e => e.OnAgentSpeechStarted()));
            timeline.Add((span.EndMs, 0, static e => e.OnAgentSpeechStopped()));
        }

        timeline.Sort((a, b) => a.AtMs != b.AtMs ? a.AtMs.CompareTo(b.AtMs) : a.Order.CompareTo(b.Order));

        var records = new List<TurnEventRecord>();
        var turnText = new TurnText(words, options.SttDelayMs);
        var frameLength = sampleRate * FrameMs / 1000;
        var frame = new short[frameLength];
        var audioMs = samples.Length * 1000L / sampleRate;
        var endMs = audioMs + (long)options.Engine.MaxEndpointDelay.TotalMilliseconds;
        var nowMs = 0L;
        var next = 0;
        for (var start = 0L; start * 1000 / sampleRate < endMs; start += frameLength)
        {
            var frameEndMs = (start + frameLength) * 1000 / sampleRate;
            while (next < timeline.Count && timeline[next].AtMs <= frameEndMs)
            {
                var item = timeline[next++];
                nowMs = AdvanceTo(time, nowMs, item.AtMs);
                item.Apply(engine);
                Collect(engine, records, turnText);
            }

            nowMs = AdvanceTo(time, nowMs, frameEndMs);
            var available = (int)Math.Clamp(samples.Length - start, 0, frameLength);
            samples.Slice((int)Math.Min(start, samples.Length), available).CopyTo(frame);
            frame.AsSpan(available).Clear();
            engine.ProcessAudio(frame);
            Collect(engine, records, turnText);
        }

        return records;
    }

    private static long AdvanceTo(FakeTimeProvider time, long nowMs, long targetMs)
    {
        if (targetMs > nowMs)
        {
            time.Advance(TimeSpan.FromMilliseconds(targetMs - nowMs));
            return targetMs;
        }

        return nowMs;
    }

    private static void Collect(TurnEngine engine, List<TurnEventRecord> records, TurnText turnText)
    {
        while (engine.TryReadEvent(out var e))
        {
            var ms = (int)Math.Round(e.Time.TotalMilliseconds);
            records.Add(e.Kind switch
            {
                TurnEventKind.SpeechStarted => new TurnEventRecord(ms, "speech_start"),
                TurnEventKind.SpeechStopped => new TurnEventRecord(ms, "speech_end", SpeechMs: (int)e.SpeechDuration.TotalMilliseconds),
                TurnEventKind.EndOfTurn => new TurnEventRecord(ms, "end_of_turn", ReasonName(e.Reason), (int)Math.Round(e.Delay.TotalMilliseconds), turnText.Take(ms)),
                TurnEventKind.Interruption => new TurnEventRecord(ms, "interruption", SpeechMs: (int)e.SpeechDuration.TotalMilliseconds),
                TurnEventKind.Resume => new TurnEventRecord(ms, "resume"),
                TurnEventKind.CallerIdle => new TurnEventRecord(ms, "idle"),
                _ => throw new InvalidOperationException($"Unknown turn event {e.Kind}."),
            });
        }
    }

    /// <summary>The snake_case name of a reason, as printed.</summary>
    public static string ReasonName(EndOfTurnReason reason) => reason switch
    {
        EndOfTurnReason.TranscriptComplete => "transcript_complete",
        EndOfTurnReason.Silence => "silence",
        EndOfTurnReason.IncompleteTimeout => "incomplete_timeout",
        EndOfTurnReason.SpeechToTextEndpoint => "stt_endpoint",
        EndOfTurnReason.MaxDelay => "max_delay",
        _ => "none",
    };

    /// <summary>The simulated words the engine had received by each end of turn and not reported before.</summary>
    private sealed class TurnText(IReadOnlyList<TimedWord>? words, int delayMs)
    {
        private int _reported;

        public string? Take(int nowMs)
        {
            if (words is null)
            {
                return null;
            }

            var parts = new List<string>();
            while (_reported < words.Count && words[_reported].EndMs + delayMs <= nowMs)
            {
                parts.Add(words[_reported++].Text);
            }

            return parts.Count == 0 ? null : string.Join(' ', parts);
        }
    }
}
