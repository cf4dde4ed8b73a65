using System.Globalization;
using VoiceKit.Testing;

namespace VoiceKit.Benchmarks.Load;

/// <summary>Turns what the driver and the calls recorded into the load test's numbers.</summary>
internal sealed class LoadReport
{
    private readonly LoadOptions _options;
    private readonly CallerDriver _driver;
    private readonly LoadCall[] _calls;
    private readonly TimeSpan _configuredProviders;

    public LoadReport(LoadOptions options, CallerDriver driver, LoadCall[] calls, TimeSpan configuredProviders)
    {
        _options = options;
        _driver = driver;
        _calls = calls;
        _configuredProviders = configuredProviders;
    }

    public long BaselineHeap { get; init; }

    public long BaselineWorkingSet { get; init; }

    public long HeapSize { get; init; }

    public long WorkingSet { get; init; }

    public long LiveHeap { get; init; }

    public void Print(TextWriter output)
    {
        var start = _driver.WindowStart;
        var end = _driver.WindowEnd;
        var windowSeconds = CallerDriver.Milliseconds(end.Timestamp - start.Timestamp) / 1000;
        var callSeconds = _calls.Length * windowSeconds;

        // Turns whose caller speech ended inside the measurement window.
        var overhead = new List<double>();
        var overheadConfigured = new List<double>();
        var external = new List<double>();
        var externalOverhead = new List<double>();
        var turnLatency = new List<double>();
        var eou = new List<double>();
        var ttft = new List<double>();
        var ttfb = new List<double>();
        int spoken = 0, answered = 0, answeredInWindow = 0, interruptions = 0, completed = 0;
        var endReasons = new Dictionary<string, int>();
        foreach (var call in _calls)
        {
            spoken += call.Segments;
            if (call.Call is not { Completion.IsCompletedSuccessfully: true } running)
            {
                continue;
            }

            completed++;
            var summary = running.Completion.Result;
            interruptions += summary.Interruptions;
            var reason = summary.EndReason.ToString();
            endReasons[reason] = endReasons.GetValueOrDefault(reason) + 1;
            var playbackStarts = call.Transport.Log.Where(e => e.Kind == TransportLogKind.PlaybackStarted).Select(e => call.ToTimestamp(e.Time)).ToArray();
            foreach (var m in summary.TurnMetrics)
            {
                if (m.TurnLatency is not { } latency)
                {
                    continue;
                }

                answered++;
                if (m.Turn < 1 || m.Turn > call.Segments)
                {
                    continue;
                }

                var spokenEnd = call.SpeechEnds[m.Turn - 1];
                if (spokenEnd < start.Timestamp || spokenEnd >= end.Timestamp)
                {
                    continue;
                }

                answeredInWindow++;
                turnLatency.Add(latency.TotalMilliseconds);
                eou.Add(m.EndOfUtteranceDelay.TotalMilliseconds);
                ttft.Add(m.LanguageModelTimeToFirstToken?.TotalMilliseconds ?? double.NaN);
                ttfb.Add(m.TextToSpeechTimeToFirstByte?.TotalMilliseconds ?? double.NaN);
                if (m.LanguageModelTimeToFirstToken is { } f && m.TextToSpeechTimeToFirstByte is { } b)
                {
                    overhead.Add((latency - m.EndOfUtteranceDelay - f - b).TotalMilliseconds);
                }

                overheadConfigured.Add((latency - m.EndOfUtteranceDelay - _configuredProviders).TotalMilliseconds);

                // Independent of the session's own clocks: the first agent audio the transport received after the
                // driver handed it the caller's last speech frame.
                var firstAudio = Array.Find(playbackStarts, t => t > spokenEnd);
                if (firstAudio != 0)
                {
                    var e2e = CallerDriver.Milliseconds(firstAudio - spokenEnd);
                    external.Add(e2e);
                    externalOverhead.Add(e2e - m.EndOfUtteranceDelay.TotalMilliseconds - _configuredProviders.TotalMilliseconds);
                }
            }
        }

        var mode = _options.Listen ? "listen-only" : "conversation";
        output.WriteLine();
        output.WriteLine(Invariant($"## {_calls.Length} calls, {mode}, window {windowSeconds:0.0} s (after {_options.Stagger:0} s stagger + {_options.Warmup:0} s warm-up)"));
        output.WriteLine();
        output.WriteLine(Invariant($"calls started / completed: {_driver.CallsStarted} / {completed}   end reasons: {string.Join(", ", endReasons.Select(p => $"{p.Key} {p.Value}"))}"));
        output.WriteLine(Invariant($"caller turns spoken: {spoken}; answered (first agent audio): {answered}; answered in window: {answeredInWindow}; interruptions: {interruptions}"));
        output.WriteLine();
        output.WriteLine("| per turn, ms (window)                                        | n      | p50     | p90     | p99     | max     |");
        output.WriteLine("|--------------------------------------------------------------|--------|---------|---------|---------|---------|");
        Row(output, "own overhead = TurnLatency - EOU - measured TTFT - TTFB", overhead);
        Row(output, "own overhead vs configured (TurnLatency - EOU - 300 - 150)", overheadConfigured);
        Row(output, "external: driver's last speech frame -> first audio at transport", external);
        Row(output, "external - EOU - 300 - 150 (adds input queueing + VAD tail)", externalOverhead);
        Row(output, "TurnLatency (caller stop -> first audio queued)", turnLatency);
        Row(output, "EndOfUtteranceDelay", eou);
        Row(output, "LLM time to first token (configured 300)", ttft);
        Row(output, "TTS time to first byte (configured 150)", ttfb);
        output.WriteLine();

        var cpu = (end.Cpu - start.Cpu).TotalMilliseconds;
        var allocated = end.Allocated - start.Allocated;
        var driverAllocated = end.DriverAllocated - start.DriverAllocated;
        var frames = end.Frames - start.Frames;
        output.WriteLine("| resource (window)                              | value |");
        output.WriteLine("|------------------------------------------------|-------|");
        output.WriteLine(Invariant($"| CPU per call-second                            | {cpu / callSeconds:0.000} ms ({cpu / windowSeconds / 10 / Environment.ProcessorCount:0.0}% of {Environment.ProcessorCount} cores) |"));
        output.WriteLine(Invariant($"| allocated per call-second, total               | {allocated / callSeconds:N0} B |"));
        output.WriteLine(Invariant($"|   of which the driver thread (fake caller + InMemoryTransport.SendCallerAudio) | {driverAllocated / callSeconds:N0} B |"));
        output.WriteLine(Invariant($"|   everything else (session, fakes' timers/streams) | {(allocated - driverAllocated) / callSeconds:N0} B |"));
        output.WriteLine(Invariant($"| allocated per caller frame, total / excluding driver | {(double)allocated / frames:0.0} B / {(double)(allocated - driverAllocated) / frames:0.0} B |"));
        output.WriteLine(Invariant($"| frames sent in window / late (> 20 ms)         | {frames:N0} / {_driver.LateFrames:N0} ({100.0 * _driver.LateFrames / Math.Max(1, frames):0.000}%) |"));
        output.WriteLine(Invariant($"| driver tick start lateness p50 / p99 / max     | {Percentile(_driver.TickLateness, 0.5):0.00} / {Percentile(_driver.TickLateness, 0.99):0.00} / {Max(_driver.TickLateness):0.00} ms; worst frame {_driver.MaxFrameLateness:0.0} ms |"));
        output.WriteLine(Invariant($"| GCs gen0 / gen1 / gen2, total pause           | {end.Gen0 - start.Gen0} / {end.Gen1 - start.Gen1} / {end.Gen2 - start.Gen2}, {(end.GcPause - start.GcPause).TotalMilliseconds:0} ms |"));
        output.WriteLine(Invariant($"| working set per call (end - baseline)          | {(WorkingSet - BaselineWorkingSet) / 1024.0 / _calls.Length:0.0} KiB (total {WorkingSet / 1048576.0:0} MiB) |"));
        output.WriteLine(Invariant($"| GC heap per call: size / live after full GC    | {(HeapSize - BaselineHeap) / 1024.0 / _calls.Length:0.0} KiB / {(LiveHeap - BaselineHeap) / 1024.0 / _calls.Length:0.0} KiB |"));
    }

    private static void Row(TextWriter output, string name, List<double> values)
    {
        var v = values.Where(x => !double.IsNaN(x)).ToList();
        output.WriteLine(Invariant($"| {name,-60} | {v.Count,6} | {Percentile(v, 0.5),7:0.0} | {Percentile(v, 0.9),7:0.0} | {Percentile(v, 0.99),7:0.0} | {Max(v),7:0.0} |"));
    }

    private static double Percentile(IReadOnlyList<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(p * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }

    private static double Max(IReadOnlyList<double> values) => values.Count == 0 ? double.NaN : values.Max();

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
