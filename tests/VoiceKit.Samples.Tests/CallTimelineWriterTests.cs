using System.Diagnostics;
using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using VoiceKit.Samples.Console.Reporting;
using VoiceKit.Turns;

namespace VoiceKit.Samples.Tests;

[CancelAfter(60_000)]
public sealed class CallTimelineWriterTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private static readonly XNamespace Xhtml = "http://www.w3.org/1999/xhtml";

    private string _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("voicekit-timeline-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    public void The_page_is_well_formed_and_needs_nothing_from_elsewhere()
    {
        var (html, page) = Write(ReportTestCall.Create(_directory));

        var links = page.Descendants().Attributes().Where(a => a.Name.LocalName is "src" or "href").ToList();

        Assert.Multiple(() =>
        {
            Assert.That(page.Root!.Name, Is.EqualTo(Xhtml + "html"));
            Assert.That(page.Descendants(Svg + "svg").Count(), Is.EqualTo(1));
            Assert.That(links, Is.Empty, "no linked resources");
            Assert.That(page.Descendants(Xhtml + "script"), Is.Empty);
            Assert.That(html, Does.Not.Contain("url(").And.Not.Contain("@import"));
        });
    }

    [Test]
    public void Recognised_text_is_escaped()
    {
        var (html, page) = Write(ReportTestCall.Create(_directory));

        var transcriptCells = page.Descendants(Xhtml + "table").First().Descendants(Xhtml + "td").Select(td => td.Value);

        Assert.Multiple(() =>
        {
            Assert.That(html, Does.Not.Contain("<script>"));
            Assert.That(html, Does.Contain("&lt;script&gt;"));
            Assert.That(transcriptCells, Has.Some.EqualTo(ReportTestCall.HostileText), "the text reads as it was said");
            Assert.That(page.Descendants(Svg + "title").Select(t => t.Value), Has.Some.Contains(ReportTestCall.HostileText));
        });
    }

    [Test]
    public void Speech_bars_are_drawn_where_the_recording_has_speech()
    {
        var (_, page) = Write(ReportTestCall.Create(_directory));
        var axis = Axis.Of(page);

        var caller = Marks(page, "speech caller").ToList();
        var agent = Marks(page, "speech agent").ToList();

        Assert.That(caller, Has.Count.EqualTo(ReportTestCall.CallerSpeech.Length));
        Assert.That(agent, Has.Count.EqualTo(ReportTestCall.AgentSpeech.Length));
        Assert.Multiple(() =>
        {
            foreach (var (bars, truth) in new[] { (caller, ReportTestCall.CallerSpeech), (agent, ReportTestCall.AgentSpeech) })
            {
                for (var i = 0; i < truth.Length; i++)
                {
                    Assert.That(X(bars[i], "x"), Is.EqualTo(axis.X(truth[i].Start)).Within(axis.PixelsPer(0.04)), "start");
                    Assert.That(X(bars[i], "x") + X(bars[i], "width"), Is.EqualTo(axis.X(truth[i].End)).Within(axis.PixelsPer(0.04)), "end");
                }
            }
        });
    }

    [Test]
    public void Barge_in_tool_latency_and_hang_up_are_marked_at_their_times()
    {
        var record = ReportTestCall.Create(_directory);
        var (_, page) = Write(record);
        var axis = Axis.Of(page);
        var interruption = record.Events.OfType<TurnDecisionEvent>().Single(e => e.Turn.Kind == TurnEventKind.Interruption).Time.TotalSeconds;
        var tool = record.Events.OfType<ToolCalledEvent>().Single();
        var metrics = record.Events.OfType<TurnMetricsEvent>().ToList();
        var end = record.Events.OfType<CallEndedEvent>().Single().Time.TotalSeconds;

        var bargeIn = Marks(page, "barge-in").Single();
        var toolMark = Marks(page, "tool").Single();
        var latencies = Marks(page, "latency").ToList();
        var hangUp = Marks(page, "hang-up").Single();

        Assert.That(latencies, Has.Count.EqualTo(metrics.Count));
        Assert.Multiple(() =>
        {
            Assert.That(X(bargeIn.Element(Svg + "line")!, "x1"), Is.EqualTo(axis.X(interruption)).Within(0.5), "barge-in");
            var toolRect = toolMark.Element(Svg + "rect")!;
            Assert.That(X(toolRect, "x"), Is.EqualTo(axis.X((tool.Time - tool.Elapsed).TotalSeconds)).Within(0.5), "tool start");
            Assert.That(X(toolRect, "x") + X(toolRect, "width"), Is.EqualTo(axis.X(tool.Time.TotalSeconds)).Within(0.5), "tool end");
            Assert.That(toolMark.Element(Svg + "text")!.Value, Is.EqualTo(tool.Name));
            Assert.That(toolMark.Element(Svg + "title")!.Value, Does.Contain(ReportTestCall.ToolResult));
            for (var i = 0; i < metrics.Count; i++)
            {
                var points = latencies[i].Element(Svg + "polyline")!.Attribute("points")!.Value.Split(' ');
                var total = metrics[i].Metrics.TurnLatency!.Value;
                Assert.That(PointX(points[0]), Is.EqualTo(axis.X((metrics[i].Time - total).TotalSeconds)).Within(0.5), $"turn {i + 1} caller stopped");
                Assert.That(PointX(points[^1]), Is.EqualTo(axis.X(metrics[i].Time.TotalSeconds)).Within(0.5), $"turn {i + 1} first audio");
                Assert.That(latencies[i].Element(Svg + "text")!.Value, Is.EqualTo($"{total.TotalMilliseconds:0} ms"));
                Assert.That(latencies[i].Element(Svg + "title")!.Value, Does.Contain($"{metrics[i].Metrics.LanguageModelTimeToFirstToken!.Value.TotalMilliseconds:0} ms"));
            }

            Assert.That(X(hangUp.Element(Svg + "line")!, "x1"), Is.EqualTo(axis.X(end)).Within(0.5), "hang-up");
            Assert.That(hangUp.Element(Svg + "title")!.Value, Does.Contain(nameof(CallEndReason.AgentHungUp)));
        });
    }

    [Test]
    public void The_tables_hold_the_transcript_and_each_turns_latency()
    {
        var record = ReportTestCall.Create(_directory);
        var (_, page) = Write(record);
        var tables = page.Descendants(Xhtml + "table").ToList();

        var transcriptRows = tables[0].Element(Xhtml + "tbody")!.Elements(Xhtml + "tr").ToList();
        var latencyRows = tables[1].Element(Xhtml + "tbody")!.Elements(Xhtml + "tr").Select(tr => tr.Elements(Xhtml + "td").Select(td => td.Value).ToList()).ToList();
        var metrics = record.Events.OfType<TurnMetricsEvent>().Select(e => e.Metrics).ToList();

        Assert.That(latencyRows, Has.Count.EqualTo(metrics.Count));
        Assert.Multiple(() =>
        {
            Assert.That(
                transcriptRows.Select(tr => tr.Attribute("class")!.Value),
                Is.EqualTo(ReportTestCall.ExpectedKinds.Where(k => k != TranscriptEntryKind.Latency)));
            Assert.That(transcriptRows.Single(tr => tr.Value.Contains("cut off", StringComparison.Ordinal)).Value, Does.Contain(ReportTestCall.HeardBeforeBargeIn));
            for (var i = 0; i < metrics.Count; i++)
            {
                Assert.That(latencyRows[i][0], Is.EqualTo(metrics[i].Turn.ToString(CultureInfo.InvariantCulture)));
                Assert.That(latencyRows[i], Does.Contain($"{metrics[i].EndOfUtteranceDelay.TotalMilliseconds:0} ms"));
                Assert.That(latencyRows[i], Does.Contain($"{metrics[i].TurnLatency!.Value.TotalMilliseconds:0} ms"));
                Assert.That(latencyRows[i], Does.Contain(metrics[i].SpeechToTextFinalDelay is { } stt ? $"{stt.TotalMilliseconds:0} ms" : "–"));
            }
        });
    }

    [Test]
    public void The_heard_gap_is_measured_on_the_recording_not_taken_from_the_reported_latency()
    {
        // The caller really stopped 0.8 s before the turn engine saw it (its audio reached the engine late): the
        // recording shows the longer wait, the reported figures cannot.
        var record = ReportTestCall.Create(_directory);
        SpeechInterval[] caller = [new(4.0, 5.2), .. ReportTestCall.CallerSpeech.Skip(1)];
        ReportTestCall.WriteRecording(record.RecordingPath, 8_000, caller, ReportTestCall.AgentSpeech, record.Summary.Duration.TotalSeconds);
        var (_, page) = Write(record);
        (double CallerEnd, double AgentStart)[] waits = [(5.2, 7.4), (13.0, 14.6), (22.5, 23.6)];

        var heard = page.Descendants(Xhtml + "table").Last().Element(Xhtml + "tbody")!.Elements(Xhtml + "tr")
            .Select(tr => tr.Elements(Xhtml + "td").Last().Value)
            .Select(ms => double.Parse(ms.Replace(" ms", string.Empty, StringComparison.Ordinal), CultureInfo.InvariantCulture))
            .ToList();

        Assert.That(heard, Has.Count.EqualTo(waits.Length));
        Assert.Multiple(() =>
        {
            for (var i = 0; i < waits.Length; i++)
            {
                Assert.That(heard[i], Is.EqualTo((waits[i].AgentStart - waits[i].CallerEnd) * 1000).Within(40), $"turn {i + 1}");
            }
        });
    }

    [Test]
    public void A_ten_minute_call_renders_in_well_under_a_second()
    {
        var path = Path.Combine(_directory, "long.wav");
        var turns = Enumerable.Range(0, 60).Select(i => i * 10.0).ToList();
        ReportTestCall.WriteRecording(path, 8_000, turns.Select(t => new SpeechInterval(t + 1, t + 4)), turns.Select(t => new SpeechInterval(t + 5, t + 9)), 600);
        var events = turns.SelectMany(t => new CallEvent[]
        {
            new CallerSpokeEvent(ReportTestCall.Seconds(t + 4.5), "Where is my parcel?"),
            new TurnMetricsEvent(ReportTestCall.Seconds(t + 5), ReportTestCall.Metrics[0]),
            new AgentSpokeEvent(ReportTestCall.Seconds(t + 9), "It is on its way.", Interrupted: false),
        }).ToList();
        var record = ReportTestCall.Create(_directory, events) with { RecordingPath = path, Summary = ReportTestCall.Summary with { Duration = ReportTestCall.Seconds(600) } };
        CallTimelineWriter.Write(record, Path.Combine(_directory, "warm-up.html"));

        var stopwatch = Stopwatch.StartNew();
        CallTimelineWriter.Write(record, Path.Combine(_directory, "long.html"));
        CallTranscriptWriter.Write(record, Path.Combine(_directory, "long.json"));
        stopwatch.Stop();

        Assert.Multiple(() =>
        {
            Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(1)));
            Assert.That(Marks(Load(Path.Combine(_directory, "long.html")), "speech caller").Count(), Is.EqualTo(turns.Count));
        });
    }

    private (string Html, XDocument Page) Write(CallRecord record)
    {
        var path = Path.Combine(_directory, "timeline.html");
        CallTimelineWriter.Write(record, path);
        return (File.ReadAllText(path), Load(path));
    }

    private static XDocument Load(string path)
    {
        using var reader = XmlReader.Create(path, new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore });
        return XDocument.Load(reader);
    }

    /// <summary>The SVG elements whose class is exactly <paramref name="kind"/>.</summary>
    private static IEnumerable<XElement> Marks(XDocument page, string kind) =>
        page.Descendants().Where(e => e.Name.Namespace == Svg && (string?)e.Attribute("class") == kind);

    private static double X(XElement element, string attribute) => double.Parse(element.Attribute(attribute)!.Value, CultureInfo.InvariantCulture);

    private static double PointX(string point) => double.Parse(point.Split(',')[0], CultureInfo.InvariantCulture);

    /// <summary>The time axis as drawn: where its ticks are, so positions are checked against the picture's own scale.</summary>
    private sealed record Axis(double Origin, double PixelsPerSecond)
    {
        public static Axis Of(XDocument page)
        {
            var ticks = Marks(page, "tick")
                .Select(t => (Time: double.Parse(t.Attribute("data-time")!.Value, CultureInfo.InvariantCulture), X: CallTimelineWriterTests.X(t.Element(Svg + "line")!, "x1")))
                .ToList();
            Assert.That(ticks, Has.Count.GreaterThanOrEqualTo(2), "the axis has ticks");
            var (first, last) = (ticks[0], ticks[^1]);
            var scale = (last.X - first.X) / (last.Time - first.Time);
            return new Axis(first.X - (first.Time * scale), scale);
        }

        public double X(double seconds) => Origin + (seconds * PixelsPerSecond);

        public double PixelsPer(double seconds) => seconds * PixelsPerSecond;
    }
}
