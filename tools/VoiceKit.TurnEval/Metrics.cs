using VoiceKit.Cli.Turns;

namespace VoiceKit.TurnEval;

/// <summary>Frame-level VAD counts, pooled over calls.</summary>
internal sealed class VadScore
{
    public long TruePositives { get; set; }

    public long FalsePositives { get; set; }

    public long FalseNegatives { get; set; }

    public double Precision => TruePositives / (double)Math.Max(1, TruePositives + FalsePositives);

    public double Recall => TruePositives / (double)Math.Max(1, TruePositives + FalseNegatives);

    public double F1 => 2 * Precision * Recall / Math.Max(1e-9, Precision + Recall);

    /// <summary>
    /// Scores 20 ms frames: reference speech when the frame's centre lies in a reference segment; frames within 20 ms
    /// of a segment boundary are not scored; the detector says speech when p ≥ 0.5.
    /// </summary>
    public void Add(float[] probabilities, int frameMs, IReadOnlyList<SpeechSegment> segments)
    {
        var boundaries = segments.SelectMany(s => new[] { s.StartMs, s.EndMs }).Order().ToArray();
        var next = 0;
        for (var f = 0; f < probabilities.Length; f++)
        {
            var start = f * frameMs;
            while (next < boundaries.Length && boundaries[next] <= start - 20)
            {
                next++;
            }

            if (next < boundaries.Length && boundaries[next] < start + frameMs + 20)
            {
                continue;
            }

            var centre = start + (frameMs / 2);
            var truth = segments.Any(s => centre >= s.StartMs && centre < s.EndMs);
            var said = probabilities[f] >= 0.5f;
            if (said && truth)
            {
                TruePositives++;
            }
            else if (said)
            {
                FalsePositives++;
            }
            else if (truth)
            {
                FalseNegatives++;
            }
        }
    }
}

/// <summary>Turn-taking outcomes of one system on one condition, pooled over calls.</summary>
internal sealed class TurnScore
{
    /// <summary>An end of turn counts for a true end when it comes no earlier than this before it.</summary>
    public const int EarlyToleranceMs = 200;

    /// <summary>An interruption event counts for a real interruption when it comes within this after its start.</summary>
    public const int InterruptionWindowMs = 1500;

    public List<int> EndDelays { get; } = [];

    public List<int> InterruptionLatencies { get; } = [];

    public int TurnEnds { get; set; }

    public int MissedTurnEnds { get; set; }

    public int Pauses { get; set; }

    public int PrematurePauses { get; set; }

    public int HesitationPauses { get; set; }

    public int PrematureHesitations { get; set; }

    public int Interruptions { get; set; }

    public int MissedInterruptions { get; set; }

    public int FalseInterruptions { get; set; }

    public int BackchannelInterruptions { get; set; }

    public int Backchannels { get; set; }

    public double PrematurePercent => 100.0 * PrematurePauses / Math.Max(1, Pauses);

    /// <summary>Premature cut-offs among the pauses that must not end the turn: those where the words so far are unfinished.</summary>
    public double HesitationPrematurePercent => 100.0 * PrematureHesitations / Math.Max(1, HesitationPauses);

    public int? MedianDelay => Percentile(EndDelays, 0.5);

    public int? P90Delay => Percentile(EndDelays, 0.9);

    public static int? Percentile(List<int> values, double p)
    {
        if (values.Count == 0)
        {
            return null;
        }

        var sorted = values.Order().ToArray();
        return sorted[(int)Math.Clamp(Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    /// <summary>Matches a system's events against the labels of one call.</summary>
    public void Add(IReadOnlyList<TurnEventRecord> events, CallLabels labels)
    {
        var ends = events.Where(e => e.Event == "end_of_turn").Select(e => e.TimeMs).ToArray();
        var interruptions = events.Where(e => e.Event == "interruption").Select(e => e.TimeMs).ToArray();

        foreach (var pause in labels.MidTurnPauses)
        {
            Pauses++;
            var premature = ends.Any(t => t >= pause.StartMs && t < pause.EndMs + EarlyToleranceMs);
            PrematurePauses += premature ? 1 : 0;
            if (pause.Kind == "hesitation")
            {
                HesitationPauses++;
                PrematureHesitations += premature ? 1 : 0;
            }
        }

        foreach (var end in labels.TurnEnds)
        {
            TurnEnds++;
            var nextSpeech = labels.Speech.Where(s => s.StartMs > end.AtMs + 100).Select(s => s.StartMs).DefaultIfEmpty(end.AtMs + 5000).Min();
            var hit = ends.Where(t => t >= end.AtMs - EarlyToleranceMs && t < nextSpeech).Select(t => (int?)t).FirstOrDefault();
            if (hit is { } at)
            {
                EndDelays.Add(at - end.AtMs);
            }
            else
            {
                MissedTurnEnds++;
            }
        }

        foreach (var real in labels.Interruptions)
        {
            Interruptions++;
            var hit = interruptions.Where(t => t >= real.StartMs && t < real.StartMs + InterruptionWindowMs).Select(t => (int?)t).FirstOrDefault();
            if (hit is { } at)
            {
                InterruptionLatencies.Add(at - real.StartMs);
            }
            else
            {
                MissedInterruptions++;
            }
        }

        Backchannels += labels.Backchannels.Count;
        foreach (var t in interruptions)
        {
            if (labels.Interruptions.Any(r => t >= r.StartMs && t < r.StartMs + InterruptionWindowMs))
            {
                continue;
            }

            FalseInterruptions++;
            if (labels.Backchannels.Any(b => t >= b.StartMs && t < b.EndMs + 1000))
            {
                BackchannelInterruptions++;
            }
        }
    }
}
