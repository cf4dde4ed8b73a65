using System.Globalization;
using System.Text;

namespace VoiceKit.Samples.Console.Reporting;

/// <summary>
/// Writes a call as one self-contained HTML page (no scripts, fonts or style sheets from elsewhere; opens offline): the
/// call's facts, a timeline of who spoke when with barge-ins, tool calls, turn latencies and the hang-up
/// (<see cref="TimelineSvg"/>), the transcript, and the latency of each turn. All text is escaped, and the page is
/// well-formed XML as well as HTML.
/// </summary>
internal static class CallTimelineWriter
{
    private const string Style =
        """
        :root { --caller: #2563eb; --agent: #059669; --tool: #7c3aed; --barge: #dc2626; --latency: #b45309; --end: #374151; --muted: #6b7280; --line: #e5e7eb; }
        * { box-sizing: border-box; }
        body { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111827; margin: 0; background: #f9fafb; }
        main { max-width: 1240px; margin: 0 auto; padding: 24px; }
        h1 { font-size: 22px; margin: 0 0 4px; }
        h2 { font-size: 16px; margin: 28px 0 8px; }
        .meta, .note { color: var(--muted); margin: 0 0 8px; }
        .engines { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 8px 0 0; }
        .engines dt { font-weight: 600; } .engines dd { margin: 0; }
        .card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; }
        .scroll { overflow-x: auto; }
        .legend { display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 0 0 8px; font-size: 13px; color: #374151; }
        .legend span::before { content: ""; display: inline-block; width: 14px; height: 10px; margin-right: 6px; border-radius: 2px; vertical-align: -1px; background: currentColor; }
        .legend .caller::before { background: var(--caller); } .legend .agent::before { background: var(--agent); }
        .legend .tool::before { background: var(--tool); } .legend .latency::before { background: none; border: 2px solid var(--latency); border-top: 0; }
        .legend .barge-in::before { width: 3px; background: var(--barge); } .legend .hang-up::before { width: 3px; background: var(--end); }
        svg.timeline { font: 11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; display: block; }
        svg .lane { fill: #f3f4f6; }
        svg .lane-label { font-size: 12px; font-weight: 600; fill: #374151; }
        svg .grid { stroke: #e5e7eb; }
        svg .axis line { stroke: #9ca3af; } svg .axis text { fill: var(--muted); }
        svg .speech.caller { fill: var(--caller); } svg .speech.agent { fill: var(--agent); }
        svg .said { fill: #fff; stroke-width: 2; } svg .said.caller { stroke: var(--caller); } svg .said.agent { stroke: var(--agent); } svg .said.cut { stroke: var(--barge); }
        svg .tool rect { fill: var(--tool); opacity: .85; } svg .tool text { font-weight: 600; } svg .tool text.inside { fill: #fff; } svg .tool text.outside { fill: var(--tool); }
        svg .tool.failed rect { fill: var(--barge); }
        svg .latency polyline { fill: none; stroke: var(--latency); stroke-width: 2; } svg .latency text { fill: var(--latency); font-weight: 600; }
        svg .barge-in line { stroke: var(--barge); stroke-width: 2; stroke-dasharray: 4 3; } svg .barge-in text { fill: var(--barge); font-weight: 600; }
        svg .false-alarm line { stroke-opacity: .4; }
        svg .hang-up line { stroke: var(--end); stroke-width: 2; } svg .hang-up text { fill: var(--end); font-weight: 600; }
        svg .error polygon { fill: var(--barge); } svg .dtmf text { fill: var(--caller); font-weight: 600; }
        table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); border-radius: 8px; }
        th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { font-weight: 600; background: #f3f4f6; font-size: 13px; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        td.who { font-weight: 600; white-space: nowrap; }
        tr.caller td.who { color: var(--caller); } tr.agent td.who { color: var(--agent); } tr.tool td.who { color: var(--tool); }
        tr.barge-in td, tr.error td { color: var(--barge); } tr.hang-up td { color: var(--end); font-weight: 600; }
        .badge { display: inline-block; margin-left: 6px; padding: 0 6px; border-radius: 9px; font-size: 12px; background: #fee2e2; color: var(--barge); }
        code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f3f4f6; padding: 1px 4px; border-radius: 4px; }
        footer { color: var(--muted); font-size: 12px; margin-top: 24px; }
        """;

    /// <summary>Writes the timeline of <paramref name="record"/> to <paramref name="path"/>, replacing any file there.</summary>
    /// <param name="record">The call; its recording is read to measure who spoke when (a missing recording draws no speech).</param>
    /// <param name="path">The file to write; its directory is created if missing.</param>
    public static void Write(CallRecord record, string path) => Write(CallTranscript.Create(record), path);

    /// <summary>Writes the timeline of <paramref name="transcript"/> to <paramref name="path"/>, replacing any file there.</summary>
    public static void Write(CallTranscript transcript, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ReportFile.EnsureDirectory(path);
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        Write(transcript, writer);
    }

    /// <summary>Writes the page for <paramref name="transcript"/> to <paramref name="writer"/>, which stays open.</summary>
    public static void Write(CallTranscript transcript, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n");
        writer.Write("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n<title>");
        HtmlText.Write(writer, transcript.Title);
        writer.Write("</title>\n<style>\n");
        writer.Write(Style);
        writer.Write("\n</style>\n</head>\n<body>\n<main>\n");
        WriteHeader(writer, transcript);

        writer.Write("<h2>Timeline</h2>\n<div class=\"card\">\n<div class=\"legend\"><span class=\"caller\">caller speaking</span><span class=\"agent\">agent speaking</span>");
        writer.Write("<span class=\"tool\">tool call</span><span class=\"latency\">caller stopped → agent's first audio</span><span class=\"barge-in\">barge-in</span><span class=\"hang-up\">hang-up</span></div>\n");
        writer.Write("<div class=\"scroll\">\n");
        TimelineSvg.Write(writer, transcript);
        writer.Write("</div>\n<p class=\"note\">Speech is measured from the stereo recording (energy in 20 ms windows); dots mark where each line of the transcript ended. Hover over any mark for details.</p>\n</div>\n");

        WriteTranscript(writer, transcript);
        WriteLatencies(writer, transcript);
        writer.Write("<footer>Written by the VoiceKit demo. Times are seconds from the start of the call.</footer>\n</main>\n</body>\n</html>\n");
    }

    private static void WriteHeader(TextWriter w, CallTranscript t)
    {
        w.Write("<header>\n<h1>");
        HtmlText.Write(w, t.Title);
        w.Write("</h1>\n<p class=\"meta\">");
        var counts = t.Counts;
        HtmlText.Write(
            w,
            $"Call {t.CallId} · started {t.StartedAt.ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture)} · {ReportFormat.Number(t.Duration)} s · " +
            $"ended: {t.EndReason} · {Count(counts.Turns, "turn")} · {Count(counts.Interruptions, "barge-in")} · {Count(counts.ToolCalls, "tool call")}" +
            (counts.ToolFailures > 0 ? $" ({Count(counts.ToolFailures, "failure")})" : string.Empty));
        w.Write("</p>\n<dl class=\"engines\">");
        foreach (var (part, engine) in t.Engines)
        {
            w.Write("<dt>");
            HtmlText.Write(w, part);
            w.Write("</dt><dd>");
            HtmlText.Write(w, engine);
            w.Write("</dd>");
        }

        w.Write("</dl>\n</header>\n");
    }

    private static void WriteTranscript(TextWriter w, CallTranscript t)
    {
        w.Write("<h2>Transcript</h2>\n<table class=\"transcript\">\n<thead><tr><th class=\"num\">Time (s)</th><th>Who</th><th>What</th></tr></thead>\n<tbody>\n");
        foreach (var entry in t.Entries)
        {
            if (entry is TranscriptEntry.TurnLatency)
            {
                continue; // in its own table below
            }

            var kind = TranscriptEntryKind.Of(entry);
            w.Write($"<tr class=\"{kind}\"><td class=\"num\">{ReportFormat.Seconds(entry.Time)}</td><td class=\"who\">");
            switch (entry)
            {
                case TranscriptEntry.CallerLine line:
                    w.Write("Caller</td><td>");
                    HtmlText.Write(w, line.Text);
                    break;
                case TranscriptEntry.AgentLine line:
                    w.Write("Agent</td><td>");
                    if (line.Text.Length == 0)
                    {
                        w.Write("<em>(nothing heard)</em>");
                    }

                    HtmlText.Write(w, line.Text);
                    if (line.Interrupted)
                    {
                        w.Write("<span class=\"badge\">cut off by the caller</span>");
                    }

                    break;
                case TranscriptEntry.BargeIn bargeIn:
                    w.Write($"Barge-in</td><td>The caller talked over the agent ({ReportFormat.Whole(bargeIn.CallerSpeechMs)} ms of speech); ");
                    w.Write(bargeIn.FalseAlarm ? "it was noise or a backchannel, and the agent carried on." : "the agent stopped and its unplayed audio was dropped.");
                    break;
                case TranscriptEntry.ToolCall tool:
                    w.Write("Tool</td><td><code>");
                    HtmlText.Write(w, $"{tool.Name}({tool.Arguments})");
                    var elapsed = tool.ElapsedMs < 1000 ? ReportFormat.Milliseconds(tool.ElapsedMs) : $"{ReportFormat.Number(tool.ElapsedMs / 1000.0, 2)} s";
                    w.Write($"</code> {(tool.Failed ? "failed" : "returned")} after {elapsed}: ");
                    HtmlText.Write(w, tool.Result);
                    break;
                case TranscriptEntry.KeyPresses keys:
                    w.Write("Keys</td><td>");
                    HtmlText.Write(w, keys.Digits);
                    break;
                case TranscriptEntry.ProviderError error:
                    w.Write("Error</td><td>");
                    HtmlText.Write(w, $"{error.Type}: {error.Message}");
                    break;
                case TranscriptEntry.HangUp hangUp:
                    w.Write("Hang-up</td><td>");
                    HtmlText.Write(w, $"The call ended: {hangUp.Reason}{(hangUp.TransferredTo is { } to ? $" (transferred to {to})" : string.Empty)}.");
                    break;
            }

            w.Write("</td></tr>\n");
        }

        w.Write("</tbody>\n</table>\n");
    }

    private static void WriteLatencies(TextWriter w, CallTranscript t)
    {
        w.Write("<h2>Latency per turn</h2>\n<p class=\"note\">From the caller's last speech to the agent's first audio, and where the time went. Endpointing is how long the turn engine waited to be sure the caller had finished. The heard gap is measured on the recording, from the end of the caller's speech to the start of the agent's: what the caller lived through, including delays the other figures cannot see (caller audio reaching the turn engine late, agent audio waiting to play).</p>\n");
        w.Write("<table class=\"latencies\">\n<thead><tr><th class=\"num\">Turn</th><th class=\"num\">Caller stopped (s)</th><th class=\"num\">Endpointing</th><th class=\"num\">Speech-to-text final</th>");
        w.Write("<th class=\"num\">LLM first token</th><th class=\"num\">TTS first byte</th><th class=\"num\">Total</th><th class=\"num\">Heard gap</th></tr></thead>\n<tbody>\n");
        foreach (var latency in t.Entries.OfType<TranscriptEntry.TurnLatency>())
        {
            var stopped = latency.CallerStopped is { } s ? ReportFormat.Seconds(s) : "–";
            w.Write($"<tr><td class=\"num\">{ReportFormat.Whole(latency.Turn)}</td><td class=\"num\">{stopped}</td><td class=\"num\">{ReportFormat.Milliseconds(latency.EndpointingMs)}</td>");
            w.Write($"<td class=\"num\">{ReportFormat.Milliseconds(latency.SpeechToTextMs)}</td><td class=\"num\">{ReportFormat.Milliseconds(latency.LanguageModelMs)}</td>");
            w.Write($"<td class=\"num\">{ReportFormat.Milliseconds(latency.TextToSpeechMs)}</td><td class=\"num\"><b>{ReportFormat.Milliseconds(latency.TotalMs)}</b></td>");
            var heard = HeardGap.Before(t.Speech, latency) is { } gap ? ReportFormat.Milliseconds(TimelineSvg.GapMs(gap)) : "–";
            w.Write($"<td class=\"num\">{heard}</td></tr>\n");
        }

        w.Write("</tbody>\n</table>\n");
    }

    private static string Count(int count, string noun) => $"{ReportFormat.Whole(count)} {noun}{(count == 1 ? string.Empty : "s")}";
}
