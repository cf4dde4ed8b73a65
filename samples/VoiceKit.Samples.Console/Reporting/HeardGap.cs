namespace VoiceKit.Samples.Console.Reporting;

/// <summary>
/// The silence the caller heard before an answer, measured on the recording: from the end of the caller's speech to
/// the start of the agent's. A check on the latency the call reported, which is measured from when the turn engine saw
/// the audio: if audio reached the engine late (a recogniser decoding slower than real time holds up the input), the
/// report cannot see it, and the recording can.
/// </summary>
internal static class HeardGap
{
    /// <summary>How far before the reported stop the agent's audio may start and still be this turn's answer.</summary>
    private const double Slack = 0.3;

    /// <summary>Agent speech starting this long after the reported first audio is not this turn's answer.</summary>
    private const double LatestStart = 2;

    /// <summary>A caller who stopped longer ago than this was not waiting for this answer.</summary>
    private const double LongestWait = 10;

    /// <summary>
    /// The gap before the answer <paramref name="latency"/> reports, as an interval from the caller's last speech to the
    /// agent's first; none when the recording does not show one (no speech measured, or the caller still talking).
    /// </summary>
    public static SpeechInterval? Before(RecordedSpeech speech, TranscriptEntry.TurnLatency latency)
    {
        ArgumentNullException.ThrowIfNull(speech);
        ArgumentNullException.ThrowIfNull(latency);
        var stopped = latency.CallerStopped ?? latency.Time;
        SpeechInterval? answer = null;
        foreach (var interval in speech.Agent)
        {
            if (interval.Start >= stopped - Slack)
            {
                answer = interval;
                break;
            }
        }

        SpeechInterval? question = null;
        foreach (var interval in speech.Caller)
        {
            if (answer is null || interval.Start >= answer.Value.Start)
            {
                break;
            }

            question = interval;
        }

        if (answer is not { } a || question is not { } q || q.End > a.Start || a.Start - q.End > LongestWait || a.Start > latency.Time + LatestStart)
        {
            return null;
        }

        return new SpeechInterval(q.End, a.Start);
    }
}
