using System.Globalization;
using System.Text;

namespace VoiceKit.TurnEval;

/// <summary>The results of one condition: the detector, the turn engine and the silence-timer baselines.</summary>
internal sealed record ConditionResult(Condition Condition, VadScore Vad, TurnScore Engine, IReadOnlyDictionary<int, TurnScore> Baselines);

/// <summary>Writes the results as Markdown tables.</summary>
internal static class Report
{
    public static string Markdown(IReadOnlyList<ConditionResult> results, int calls, string command)
    {
        var s = new StringBuilder();
        var first = results[0].Engine;
        s.AppendLine(Invariant($"Set: {calls} calls per condition, {first.TurnEnds} turn ends, {first.Pauses} mid-turn pauses ({first.HesitationPauses} at hesitation points, {first.Pauses - first.HesitationPauses} after complete clauses), {first.Interruptions} interruptions, {first.Backchannels} backchannels."));
        s.AppendLine();
        s.AppendLine(Invariant($"Command: `{command}`"));
        s.AppendLine();
        s.AppendLine("### Turn engine (simulated STT words, default options) and VAD");
        s.AppendLine();
        s.AppendLine("| condition | VAD F1 | VAD P / R | EOT median ms | EOT p90 ms | premature cut-offs, mid-turn pauses | ended at complete clauses (by design) | missed turn ends | interruptions missed | false interruptions (backchannel) |");
        s.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in results)
        {
            var e = r.Engine;
            s.AppendLine(Invariant($"| {r.Condition.Name} | {r.Vad.F1:F3} | {r.Vad.Precision:F3} / {r.Vad.Recall:F3} | {Ms(e.MedianDelay)} | {Ms(e.P90Delay)} | {e.HesitationPrematurePercent:F1} % ({e.PrematureHesitations}/{e.HesitationPauses}) | {e.PrematurePauses - e.PrematureHesitations}/{e.Pauses - e.HesitationPauses} | {e.MissedTurnEnds}/{e.TurnEnds} | {e.MissedInterruptions}/{e.Interruptions} | {e.FalseInterruptions} ({e.BackchannelInterruptions}) |"));
        }

        s.AppendLine();
        s.AppendLine("### Silence-timer baseline on the same VAD (EOT median / p90 ms · premature % · missed ends · interruptions missed · false interruptions (backchannel))");
        s.AppendLine();
        var silences = results[0].Baselines.Keys.Order().ToArray();
        s.AppendLine("| condition | " + string.Join(" | ", silences.Select(n => $"timer {n} ms")) + " |");
        s.AppendLine("|---|" + string.Concat(silences.Select(_ => "---|")));
        foreach (var r in results)
        {
            s.Append(Invariant($"| {r.Condition.Name} |"));
            foreach (var n in silences)
            {
                var b = r.Baselines[n];
                s.Append(Invariant($" {Ms(b.MedianDelay)} / {Ms(b.P90Delay)} · {b.PrematurePercent:F0}% · {b.MissedTurnEnds} · {b.MissedInterruptions} · {b.FalseInterruptions} ({b.BackchannelInterruptions}) |"));
            }

            s.AppendLine();
        }

        return s.ToString();
    }

    /// <summary>The figures the acceptance bars are checked against, one object per condition.</summary>
    public static string Json(IReadOnlyList<ConditionResult> results)
    {
        var rows = results.Select(r => new Dictionary<string, object?>
        {
            ["condition"] = r.Condition.Name,
            ["vad_f1"] = Math.Round(r.Vad.F1, 4),
            ["eot_median_ms"] = r.Engine.MedianDelay,
            ["eot_p90_ms"] = r.Engine.P90Delay,
            ["premature_percent"] = Math.Round(r.Engine.HesitationPrematurePercent, 2),
            ["mid_turn_pauses"] = r.Engine.HesitationPauses,
            ["complete_clause_pauses"] = r.Engine.Pauses - r.Engine.HesitationPauses,
            ["complete_clause_pauses_ended"] = r.Engine.PrematurePauses - r.Engine.PrematureHesitations,
            ["turn_ends"] = r.Engine.TurnEnds,
            ["missed_turn_ends"] = r.Engine.MissedTurnEnds,
            ["interruptions"] = r.Engine.Interruptions,
            ["missed_interruptions"] = r.Engine.MissedInterruptions,
            ["false_interruptions"] = r.Engine.FalseInterruptions,
            ["backchannels"] = r.Engine.Backchannels,
            ["backchannel_interruptions"] = r.Engine.BackchannelInterruptions,
        });
        return System.Text.Json.JsonSerializer.Serialize(rows, new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
    }

    private static string Ms(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "–";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
