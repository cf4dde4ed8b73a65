using System.Globalization;

namespace VoiceKit.Samples.Console.Reporting;

/// <summary>
/// Draws a <see cref="CallTranscript"/> as an inline SVG timeline: a lane per speaker with the speech measured from the
/// recording, a lane of tool calls, a lane of turn-latency brackets (caller stopped → agent's first audio), barge-in and
/// hang-up lines across the lanes, and a time axis in seconds. Every marker is a group with a <c>class</c> naming its
/// kind, <c>data-time</c> (and <c>data-end</c> for spans) in seconds, and a <c>&lt;title&gt;</c> tooltip with the details.
/// </summary>
/// <remarks>
/// The scale fits a call of up to a minute and a half to about 1000 pixels and keeps at least <see cref="MinPixelsPerSecond"/> for long ones
/// (the page scrolls sideways), so labels a second apart stay readable. Output is well-formed XML.
/// </remarks>
internal static class TimelineSvg
{
    /// <summary>The fewest pixels a second gets; a long call makes a wide picture rather than an unreadable one.</summary>
    public const double MinPixelsPerSecond = 12;

    private const double MaxPixelsPerSecond = 120;
    private const double FitWidth = 1000; // with the labels and margins, fits the page's timeline card without scrolling

    /// <summary>About how wide a character of an 11-pixel label is, to tell whether a label fits inside its bar.</summary>
    private const double CharacterWidth = 6.5;
    private const double LabelWidth = 84;
    private const double RightMargin = 48; // room for a label centred on a mark at the very end
    private const double MarkerTop = 22;
    private const double CallerTop = 30;
    private const double AgentTop = 68;
    private const double SpeechHeight = 30;
    private const double ToolTop = 108;
    private const double ToolHeight = 20;
    private const double LatencyTop = 136;
    private const double LatencyHeight = 26;
    private const double AxisY = 172;
    private const double Height = 196;

    private static readonly double[] TickSteps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600];

    /// <summary>Writes the <c>&lt;svg&gt;</c> element for <paramref name="transcript"/>.</summary>
    public static void Write(TextWriter w, CallTranscript transcript)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(transcript);
        var duration = Extent(transcript);
        var scale = Math.Clamp(FitWidth / duration, MinPixelsPerSecond, MaxPixelsPerSecond);
        var width = LabelWidth + (duration * scale) + RightMargin;
        double X(double seconds) => LabelWidth + (Math.Clamp(seconds, 0, duration) * scale);

        w.Write($"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" width=\"{N(width)}\" height=\"{N(Height)}\" viewBox=\"0 0 {N(width)} {N(Height)}\" role=\"img\" aria-label=\"Who spoke when\">\n");
        WriteLanes(w, width);
        WriteAxis(w, duration, scale, X);
        WriteSpeech(w, transcript.Speech.Caller, "caller", "Caller", CallerTop, X);
        WriteSpeech(w, transcript.Speech.Agent, "agent", "Agent", AgentTop, X);
        foreach (var entry in transcript.Entries)
        {
            WriteEntry(w, entry, transcript.Speech, X);
        }

        w.Write("</svg>\n");
    }

    /// <summary>The seconds the picture spans: the call, the recording and every entry, whichever is longest.</summary>
    private static double Extent(CallTranscript transcript)
    {
        var end = Math.Max(transcript.Duration, transcript.Speech.Duration);
        foreach (var entry in transcript.Entries)
        {
            end = Math.Max(end, entry.Time);
        }

        return Math.Max(1, Math.Ceiling(end * 2) / 2);
    }

    private static void WriteLanes(TextWriter w, double width)
    {
        var laneWidth = N(width - LabelWidth - RightMargin + 8);
        var x = N(LabelWidth - 4);
        foreach (var (top, height, name) in new[] { (CallerTop, SpeechHeight, "Caller"), (AgentTop, SpeechHeight, "Agent"), (ToolTop, ToolHeight, "Tools"), (LatencyTop, LatencyHeight, "Latency") })
        {
            w.Write($"<rect class=\"lane\" x=\"{x}\" y=\"{N(top)}\" width=\"{laneWidth}\" height=\"{N(height)}\" rx=\"4\" />\n");
            w.Write($"<text class=\"lane-label\" x=\"{N(LabelWidth - 12)}\" y=\"{N(top + (height / 2) + 4)}\" text-anchor=\"end\">{name}</text>\n");
        }
    }

    private static void WriteAxis(TextWriter w, double duration, double scale, Func<double, double> x)
    {
        var step = TickSteps.FirstOrDefault(s => s * scale >= 56, TickSteps[^1]);
        w.Write("<g class=\"axis\">\n");
        w.Write($"<line class=\"axis-line\" x1=\"{N(x(0))}\" y1=\"{N(AxisY)}\" x2=\"{N(x(duration))}\" y2=\"{N(AxisY)}\" />\n");
        for (var t = 0.0; t <= duration + 1e-9; t += step)
        {
            var tx = N(x(t));
            w.Write($"<g class=\"tick\" data-time=\"{N(t, 3)}\"><line class=\"grid\" x1=\"{tx}\" y1=\"{N(MarkerTop)}\" x2=\"{tx}\" y2=\"{N(AxisY)}\" />");
            w.Write($"<line x1=\"{tx}\" y1=\"{N(AxisY)}\" x2=\"{tx}\" y2=\"{N(AxisY + 5)}\" />");
            w.Write($"<text x=\"{tx}\" y=\"{N(AxisY + 18)}\" text-anchor=\"middle\">{TimeLabel(t, duration)}</text></g>\n");
        }

        w.Write("</g>\n");
    }

    private static void WriteSpeech(TextWriter w, IReadOnlyList<SpeechInterval> intervals, string kind, string who, double top, Func<double, double> x)
    {
        foreach (var interval in intervals)
        {
            var left = x(interval.Start);
            var right = Math.Max(x(interval.End), left + 1);
            w.Write($"<rect class=\"speech {kind}\" data-time=\"{N(interval.Start, 3)}\" data-end=\"{N(interval.End, 3)}\" x=\"{N(left)}\" y=\"{N(top + 3)}\" width=\"{N(right - left)}\" height=\"{N(SpeechHeight - 6)}\" rx=\"3\">");
            w.Write($"<title>{who} speaking {N(interval.Start, 2)}–{N(interval.End, 2)} s ({N(interval.Duration, 1)} s)</title></rect>\n");
        }
    }

    private static void WriteEntry(TextWriter w, TranscriptEntry entry, RecordedSpeech speech, Func<double, double> x)
    {
        switch (entry)
        {
            case TranscriptEntry.CallerLine line:
                WriteSaid(w, "caller", CallerTop, line.Time, line.Text, "Caller", x);
                break;
            case TranscriptEntry.AgentLine line:
                WriteSaid(w, line.Interrupted ? "agent cut" : "agent", AgentTop, line.Time, line.Text, line.Interrupted ? "Agent (cut off)" : "Agent", x);
                break;
            case TranscriptEntry.BargeIn bargeIn:
                WriteVerticalMarker(w, bargeIn.FalseAlarm ? "barge-in false-alarm" : "barge-in", bargeIn.Time, bargeIn.FalseAlarm ? "barge-in?" : "barge-in", x);
                w.Write($"<title>Barge-in at {N(bargeIn.Time, 2)} s, after {I(bargeIn.CallerSpeechMs)} ms of caller speech{(bargeIn.FalseAlarm ? " (a false alarm: the agent carried on)" : ": the agent stopped")}</title></g>\n");
                break;
            case TranscriptEntry.ToolCall tool:
                WriteTool(w, tool, x);
                break;
            case TranscriptEntry.TurnLatency latency when latency is { CallerStopped: { } stopped, TotalMs: { } total }:
                WriteLatency(w, latency, stopped, total, HeardGap.Before(speech, latency), x);
                break;
            case TranscriptEntry.KeyPresses keys:
                w.Write($"<g class=\"dtmf\" data-time=\"{N(keys.Time, 3)}\"><text x=\"{N(x(keys.Time))}\" y=\"{N(CallerTop - 2)}\" text-anchor=\"middle\">keys ");
                HtmlText.Write(w, keys.Digits);
                w.Write("</text><title>Keys pressed: ");
                HtmlText.Write(w, keys.Digits);
                w.Write("</title></g>\n");
                break;
            case TranscriptEntry.ProviderError error:
                var ex = x(error.Time);
                w.Write($"<g class=\"error\" data-time=\"{N(error.Time, 3)}\"><polygon points=\"{N(ex)},{N(ToolTop + 2)} {N(ex - 7)},{N(ToolTop + ToolHeight - 2)} {N(ex + 7)},{N(ToolTop + ToolHeight - 2)}\" /><title>");
                HtmlText.Write(w, $"{N(error.Time, 2)} s: {error.Type}: {error.Message}");
                w.Write("</title></g>\n");
                break;
            case TranscriptEntry.HangUp hangUp:
                WriteVerticalMarker(w, "hang-up", hangUp.Time, "hang-up", x);
                w.Write("<title>");
                HtmlText.Write(w, $"Call ended at {N(hangUp.Time, 2)} s: {hangUp.Reason}{(hangUp.TransferredTo is { } to ? $" to {to}" : "")}");
                w.Write("</title></g>\n");
                break;
        }
    }

    /// <summary>A dot where a caller or agent line ended, with its text as the tooltip.</summary>
    private static void WriteSaid(TextWriter w, string kind, double top, double time, string text, string who, Func<double, double> x)
    {
        w.Write($"<circle class=\"said {kind}\" data-time=\"{N(time, 3)}\" cx=\"{N(x(time))}\" cy=\"{N(top + SpeechHeight)}\" r=\"4\"><title>");
        HtmlText.Write(w, $"{N(time, 2)} s · {who}: {text}");
        w.Write("</title></circle>\n");
    }

    /// <summary>Opens a group with a vertical line across the lanes and a label on top; the caller adds a title and closes it.</summary>
    private static void WriteVerticalMarker(TextWriter w, string kind, double time, string label, Func<double, double> x)
    {
        var lx = N(x(time));
        w.Write($"<g class=\"{kind}\" data-time=\"{N(time, 3)}\"><line x1=\"{lx}\" y1=\"{N(MarkerTop)}\" x2=\"{lx}\" y2=\"{N(LatencyTop + LatencyHeight)}\" />");
        w.Write($"<text x=\"{lx}\" y=\"{N(MarkerTop - 6)}\" text-anchor=\"middle\">{label}</text>");
    }

    private static void WriteTool(TextWriter w, TranscriptEntry.ToolCall tool, Func<double, double> x)
    {
        var left = x(tool.Start);
        var right = Math.Max(x(tool.Time), left + 2);
        w.Write($"<g class=\"tool{(tool.Failed ? " failed" : "")}\" data-time=\"{N(tool.Start, 3)}\" data-end=\"{N(tool.Time, 3)}\">");
        w.Write($"<rect x=\"{N(left)}\" y=\"{N(ToolTop + 2)}\" width=\"{N(right - left)}\" height=\"{N(ToolHeight - 4)}\" rx=\"3\" />");
        // A name too long for its bar goes after it, in the bar's colour rather than white on the lane.
        var inside = (tool.Name.Length * CharacterWidth) + 8 <= right - left;
        w.Write($"<text class=\"{(inside ? "inside" : "outside")}\" x=\"{N(inside ? left + 4 : right + 4)}\" y=\"{N(ToolTop + 14)}\">");
        HtmlText.Write(w, tool.Name);
        w.Write("</text><title>");
        HtmlText.Write(w, $"{tool.Name}({tool.Arguments}) {(tool.Failed ? "failed" : "returned")} after {I(tool.ElapsedMs)} ms: {tool.Result}");
        w.Write("</title></g>\n");
    }

    private static void WriteLatency(TextWriter w, TranscriptEntry.TurnLatency latency, double stopped, int total, SpeechInterval? heard, Func<double, double> x)
    {
        var left = x(stopped);
        var right = Math.Max(x(latency.Time), left + 1);
        var (top, bottom) = (N(LatencyTop + 4), N(LatencyTop + 10));
        w.Write($"<g class=\"latency\" data-time=\"{N(stopped, 3)}\" data-end=\"{N(latency.Time, 3)}\">");
        w.Write($"<polyline points=\"{N(left)},{top} {N(left)},{bottom} {N(right)},{bottom} {N(right)},{top}\" />");
        w.Write($"<text x=\"{N((left + right) / 2)}\" y=\"{N(LatencyTop + 22)}\" text-anchor=\"middle\">{I(total)} ms</text>");
        w.Write($"<title>Turn {I(latency.Turn)}: caller stopped at {N(stopped, 2)} s, agent's first audio {I(total)} ms later. ");
        w.Write($"Endpointing {Ms(latency.EndpointingMs)}, speech-to-text final {Ms(latency.SpeechToTextMs)}, ");
        w.Write($"language model first token {Ms(latency.LanguageModelMs)}, text-to-speech first byte {Ms(latency.TextToSpeechMs)}.");
        if (heard is { } gap)
        {
            w.Write($" On the recording: the caller stopped at {N(gap.Start, 2)} s and the agent started at {N(gap.End, 2)} s, {I(GapMs(gap))} ms of silence.");
        }

        w.Write("</title></g>\n");
    }

    private static string TimeLabel(double seconds, double duration)
    {
        if (duration < 120)
        {
            return $"{N(seconds)} s";
        }

        var whole = (int)Math.Round(seconds);
        return $"{(whole / 60).ToString(CultureInfo.InvariantCulture)}:{(whole % 60).ToString("00", CultureInfo.InvariantCulture)}";
    }

    /// <summary>A heard gap in whole milliseconds.</summary>
    public static int GapMs(SpeechInterval gap) => (int)Math.Round(gap.Duration * 1000);

    private static string Ms(int? milliseconds) => ReportFormat.Milliseconds(milliseconds);

    private static string I(int value) => ReportFormat.Whole(value);

    private static string N(double value, int decimals = 1) => ReportFormat.Number(value, decimals);
}
