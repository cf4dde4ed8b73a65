namespace VoiceKit.Cli.Turns;

/// <summary>
/// Turns timed words into the transcript signals a streaming recogniser such as Deepgram would send: each word as an
/// interim of its run at its end plus the delay; a final, with the endpoint flag, once the endpointing silence has
/// followed the run's last word (plus the delay).
/// </summary>
internal static class SimulatedSpeechToText
{
    /// <summary>A transcript signal due at <paramref name="AtMs"/>.</summary>
    public sealed record Signal(int AtMs, string Text, bool IsFinal);

    public static List<Signal> Schedule(IReadOnlyList<TimedWord> words, int delayMs, int endpointingMs)
    {
        var signals = new List<Signal>();
        var run = new List<string>();
        for (var i = 0; i < words.Count; i++)
        {
            run.Add(words[i].Text);
            signals.Add(new Signal(words[i].EndMs + delayMs, string.Join(' ', run), IsFinal: false));
            var runEnds = i == words.Count - 1 || words[i + 1].StartMs - words[i].EndMs >= endpointingMs;
            if (runEnds)
            {
                signals.Add(new Signal(words[i].EndMs + endpointingMs + delayMs, string.Join(' ', run), IsFinal: true));
                run.Clear();
            }
        }

        // Stable: signals due at the same moment keep their order.
        return [.. signals.OrderBy(s => s.AtMs)];
    }
}
