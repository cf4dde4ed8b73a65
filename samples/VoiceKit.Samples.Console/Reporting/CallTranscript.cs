using VoiceKit.Turns;

namespace VoiceKit.Samples.Console.Reporting;

/// <summary>
/// What the reports say about one call: who took part, how it went, the speech measured on each channel of the
/// recording, and everything said and done in order. <see cref="CallTranscriptWriter"/> writes it as JSON;
/// <see cref="CallTimelineWriter"/> draws it. Times are seconds from the start of the call, latencies milliseconds.
/// </summary>
internal sealed record CallTranscript
{
    /// <summary>The transport's call identifier.</summary>
    public required string CallId { get; init; }

    /// <summary>The call's one-line name.</summary>
    public required string Title { get; init; }

    /// <summary>What played each part (speech-to-text, language model, ...).</summary>
    public required IReadOnlyDictionary<string, string> Engines { get; init; }

    /// <summary>Wall-clock time the call started.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>How long the call lasted, in seconds.</summary>
    public required double Duration { get; init; }

    /// <summary>How the call ended: a <see cref="CallEndReason"/> name.</summary>
    public required string EndReason { get; init; }

    /// <summary>The call's totals.</summary>
    public required TranscriptCounts Counts { get; init; }

    /// <summary>Who spoke when, measured from the recording (its time zero is the call's first caller frame).</summary>
    public required RecordedSpeech Speech { get; init; }

    /// <summary>Everything said and done, in the order the call published it.</summary>
    public required IReadOnlyList<TranscriptEntry> Entries { get; init; }

    /// <summary>Builds the transcript of <paramref name="record"/>, measuring the speech in its recording.</summary>
    /// <exception cref="VoiceKit.Audio.WavFormatException">The recording exists but is not a WAV file.</exception>
    public static CallTranscript Create(CallRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return Create(record, SpeechIntervals.MeasureFile(record.RecordingPath));
    }

    /// <summary>Builds the transcript of <paramref name="record"/> with speech already measured.</summary>
    public static CallTranscript Create(CallRecord record, RecordedSpeech speech)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(speech);
        var summary = record.Summary;
        return new CallTranscript
        {
            CallId = summary.CallId,
            Title = record.Title,
            Engines = record.Engines,
            StartedAt = record.StartedAt,
            Duration = Seconds(summary.Duration),
            EndReason = summary.EndReason.ToString(),
            Counts = new TranscriptCounts(summary.Turns, summary.Interruptions, summary.ToolCalls, summary.ToolFailures),
            Speech = speech,
            Entries = ToEntries(record.Events, summary),
        };
    }

    private static List<TranscriptEntry> ToEntries(IReadOnlyList<CallEvent> events, CallSummary summary)
    {
        var entries = new List<TranscriptEntry>(events.Count);
        var lastBargeIn = -1;
        var ended = false;
        foreach (var e in events)
        {
            var time = Seconds(e.Time);
            switch (e)
            {
                case CallerSpokeEvent caller:
                    entries.Add(new TranscriptEntry.CallerLine(time, caller.Text));
                    break;
                case AgentSpokeEvent agent:
                    entries.Add(new TranscriptEntry.AgentLine(time, agent.Text, agent.Interrupted));
                    break;
                case TurnDecisionEvent { Turn.Kind: TurnEventKind.Interruption } turn:
                    lastBargeIn = entries.Count;
                    entries.Add(new TranscriptEntry.BargeIn(time, Milliseconds(turn.Turn.SpeechDuration), FalseAlarm: false));
                    break;
                case TurnDecisionEvent { Turn.Kind: TurnEventKind.Resume } when lastBargeIn >= 0:
                    // The turn engine takes a barge-in back once it brought no words: mark it rather than drop it.
                    entries[lastBargeIn] = (TranscriptEntry.BargeIn)entries[lastBargeIn] with { FalseAlarm = true };
                    lastBargeIn = -1;
                    break;
                case ToolCalledEvent tool:
                    entries.Add(new TranscriptEntry.ToolCall(
                        time, Seconds(tool.Time - tool.Elapsed), tool.Name, tool.Arguments, tool.Result, Milliseconds(tool.Elapsed), tool.Failed));
                    break;
                case TurnMetricsEvent { Metrics: var m }:
                    entries.Add(new TranscriptEntry.TurnLatency(
                        time,
                        m.Turn,
                        m.TurnLatency is { } total ? Seconds(e.Time - total) : null,
                        Milliseconds(m.EndOfUtteranceDelay),
                        Milliseconds(m.SpeechToTextFinalDelay),
                        Milliseconds(m.LanguageModelTimeToFirstToken),
                        Milliseconds(m.TextToSpeechTimeToFirstByte),
                        Milliseconds(m.TurnLatency)));
                    break;
                case DtmfEvent dtmf:
                    entries.Add(new TranscriptEntry.KeyPresses(time, dtmf.Digits));
                    break;
                case ProviderErrorEvent error:
                    entries.Add(new TranscriptEntry.ProviderError(time, error.Error.GetType().Name, error.Error.Message));
                    break;
                case CallEndedEvent end:
                    AddEnd(entries, time, end.Summary);
                    ended = true;
                    break;
            }
        }

        if (!ended)
        {
            // Events read after the call ended always hold its end; a record cut short still gets one, from the summary.
            AddEnd(entries, Seconds(summary.Duration), summary);
        }

        return entries;
    }

    private static void AddEnd(List<TranscriptEntry> entries, double time, CallSummary summary)
    {
        if (summary.Error is { } error)
        {
            entries.Add(new TranscriptEntry.ProviderError(time, error.GetType().Name, error.Message));
        }

        entries.Add(new TranscriptEntry.HangUp(time, summary.EndReason.ToString(), summary.TransferredTo));
    }

    private static double Seconds(TimeSpan time) => Math.Round(time.TotalSeconds, 3);

    private static int Milliseconds(TimeSpan time) => (int)Math.Round(time.TotalMilliseconds);

    private static int? Milliseconds(TimeSpan? time) => time is { } t ? Milliseconds(t) : null;
}
