using System.Text.Json;
using VoiceKit.Samples.Console.Reporting;
using VoiceKit.Turns;

namespace VoiceKit.Samples.Tests;

[CancelAfter(30_000)]
public sealed class CallTranscriptWriterTests
{
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("voicekit-transcript-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    public void Every_entry_is_written_in_order_with_its_kind()
    {
        using var json = Write(ReportTestCall.Create(_directory));

        var entries = json.RootElement.GetProperty("entries").EnumerateArray().ToList();

        Assert.Multiple(() =>
        {
            Assert.That(entries.Select(e => e.GetProperty("kind").GetString()), Is.EqualTo(ReportTestCall.ExpectedKinds));
            Assert.That(entries.Select(e => e.GetProperty("time").GetDouble()), Is.Ordered, "times");
            Assert.That(entries.Select(e => e.EnumerateObject().First().Name), Is.All.EqualTo("kind"), "the kind comes first");
        });
    }

    [Test]
    public void The_call_its_engines_and_its_totals_head_the_file()
    {
        var record = ReportTestCall.Create(_directory);
        using var json = Write(record);
        var root = json.RootElement;

        Assert.Multiple(() =>
        {
            Assert.That(root.GetProperty("callId").GetString(), Is.EqualTo(record.Summary.CallId));
            Assert.That(root.GetProperty("title").GetString(), Is.EqualTo(record.Title));
            Assert.That(root.GetProperty("engines").GetProperty("speech-to-text").GetString(), Is.EqualTo(record.Engines["speech-to-text"]));
            Assert.That(root.GetProperty("startedAt").GetDateTimeOffset(), Is.EqualTo(record.StartedAt));
            Assert.That(root.GetProperty("duration").GetDouble(), Is.EqualTo(record.Summary.Duration.TotalSeconds).Within(0.001));
            Assert.That(root.GetProperty("endReason").GetString(), Is.EqualTo(nameof(CallEndReason.AgentHungUp)));
            var counts = root.GetProperty("counts");
            Assert.That(counts.GetProperty("turns").GetInt32(), Is.EqualTo(record.Summary.Turns));
            Assert.That(counts.GetProperty("interruptions").GetInt32(), Is.EqualTo(record.Summary.Interruptions));
            Assert.That(counts.GetProperty("toolCalls").GetInt32(), Is.EqualTo(record.Summary.ToolCalls));
        });
    }

    [Test]
    public void The_tool_call_holds_its_answer_and_when_it_ran()
    {
        var record = ReportTestCall.Create(_directory);
        var called = record.Events.OfType<ToolCalledEvent>().Single();
        using var json = Write(record);

        var tool = Entries(json, "tool").Single();

        Assert.Multiple(() =>
        {
            Assert.That(tool.GetProperty("name").GetString(), Is.EqualTo(called.Name));
            Assert.That(tool.GetProperty("arguments").GetString(), Is.EqualTo(called.Arguments));
            Assert.That(tool.GetProperty("result").GetString(), Is.EqualTo(ReportTestCall.ToolResult));
            Assert.That(tool.GetProperty("elapsedMs").GetInt32(), Is.EqualTo((int)called.Elapsed.TotalMilliseconds));
            Assert.That(tool.GetProperty("failed").GetBoolean(), Is.False);
            Assert.That(tool.GetProperty("time").GetDouble(), Is.EqualTo(called.Time.TotalSeconds).Within(0.001));
            Assert.That(tool.GetProperty("start").GetDouble(), Is.EqualTo((called.Time - called.Elapsed).TotalSeconds).Within(0.001));
        });
    }

    [Test]
    public void The_barge_in_and_what_the_caller_heard_before_it_are_written()
    {
        var record = ReportTestCall.Create(_directory);
        var interruption = record.Events.OfType<TurnDecisionEvent>().Single(e => e.Turn.Kind == TurnEventKind.Interruption);
        using var json = Write(record);

        var bargeIn = Entries(json, "barge-in").Single();
        var cut = Entries(json, "agent").Single(e => e.GetProperty("interrupted").GetBoolean());

        Assert.Multiple(() =>
        {
            Assert.That(bargeIn.GetProperty("time").GetDouble(), Is.EqualTo(interruption.Time.TotalSeconds).Within(0.001));
            Assert.That(bargeIn.GetProperty("callerSpeechMs").GetInt32(), Is.EqualTo((int)interruption.Turn.SpeechDuration.TotalMilliseconds));
            Assert.That(bargeIn.GetProperty("falseAlarm").GetBoolean(), Is.False);
            Assert.That(cut.GetProperty("text").GetString(), Is.EqualTo(ReportTestCall.HeardBeforeBargeIn));
            Assert.That(Entries(json, "agent").Count(e => !e.GetProperty("interrupted").GetBoolean()), Is.EqualTo(record.Events.OfType<AgentSpokeEvent>().Count(a => !a.Interrupted)), "the other replies were heard whole");
        });
    }

    [Test]
    public void A_barge_in_the_turn_engine_takes_back_is_marked_a_false_alarm()
    {
        var events = ReportTestCall.Events.ToList();
        var at = events.FindIndex(e => e is TurnDecisionEvent { Turn.Kind: TurnEventKind.Interruption });
        events.Insert(at + 1, new TurnDecisionEvent(ReportTestCall.Seconds(10.9), ReportTestCall.Turn(TurnEventKind.Resume, 10.9)));
        using var json = Write(ReportTestCall.Create(_directory, events));

        var bargeIn = Entries(json, "barge-in").Single();

        Assert.That(bargeIn.GetProperty("falseAlarm").GetBoolean(), Is.True);
    }

    [Test]
    public void Each_turn_latency_is_broken_down_in_milliseconds()
    {
        var record = ReportTestCall.Create(_directory);
        var published = record.Events.OfType<TurnMetricsEvent>().ToList();
        using var json = Write(record);

        var latencies = Entries(json, "latency").ToList();

        Assert.That(latencies, Has.Count.EqualTo(published.Count));
        Assert.Multiple(() =>
        {
            for (var i = 0; i < latencies.Count; i++)
            {
                var (entry, m) = (latencies[i], published[i].Metrics);
                Assert.That(entry.GetProperty("turn").GetInt32(), Is.EqualTo(m.Turn));
                Assert.That(entry.GetProperty("endpointingMs").GetInt32(), Is.EqualTo((int)m.EndOfUtteranceDelay.TotalMilliseconds));
                Assert.That(OptionalInt(entry, "speechToTextMs"), Is.EqualTo((int?)m.SpeechToTextFinalDelay?.TotalMilliseconds));
                Assert.That(entry.GetProperty("languageModelMs").GetInt32(), Is.EqualTo((int)m.LanguageModelTimeToFirstToken!.Value.TotalMilliseconds));
                Assert.That(entry.GetProperty("textToSpeechMs").GetInt32(), Is.EqualTo((int)m.TextToSpeechTimeToFirstByte!.Value.TotalMilliseconds));
                Assert.That(entry.GetProperty("totalMs").GetInt32(), Is.EqualTo((int)m.TurnLatency!.Value.TotalMilliseconds));
                Assert.That(entry.GetProperty("callerStopped").GetDouble(), Is.EqualTo((published[i].Time - m.TurnLatency!.Value).TotalSeconds).Within(0.001));
            }
        });
    }

    [Test]
    public void The_hang_up_ends_the_transcript_with_the_end_reason()
    {
        using var json = Write(ReportTestCall.Create(_directory));

        var last = json.RootElement.GetProperty("entries").EnumerateArray().Last();

        Assert.Multiple(() =>
        {
            Assert.That(last.GetProperty("kind").GetString(), Is.EqualTo("hang-up"));
            Assert.That(last.GetProperty("reason").GetString(), Is.EqualTo(nameof(CallEndReason.AgentHungUp)));
            Assert.That(last.GetProperty("time").GetDouble(), Is.EqualTo(ReportTestCall.Summary.Duration.TotalSeconds).Within(0.001));
        });
    }

    [Test]
    public void A_record_without_the_end_event_still_ends_with_a_hang_up_from_the_summary()
    {
        var events = ReportTestCall.Events.Where(e => e is not CallEndedEvent).ToList();
        using var json = Write(ReportTestCall.Create(_directory, events));

        var last = json.RootElement.GetProperty("entries").EnumerateArray().Last();

        Assert.Multiple(() =>
        {
            Assert.That(last.GetProperty("kind").GetString(), Is.EqualTo("hang-up"));
            Assert.That(last.GetProperty("time").GetDouble(), Is.EqualTo(ReportTestCall.Summary.Duration.TotalSeconds).Within(0.001));
        });
    }

    [Test]
    public void Errors_keys_and_caller_lines_are_written_as_they_were()
    {
        var record = ReportTestCall.Create(_directory);
        using var json = Write(record);

        var error = Entries(json, "error").Single();
        var callerLines = Entries(json, "caller").Select(e => e.GetProperty("text").GetString());

        Assert.Multiple(() =>
        {
            Assert.That(error.GetProperty("type").GetString(), Is.EqualTo(nameof(InvalidOperationException)));
            Assert.That(error.GetProperty("message").GetString(), Is.EqualTo(record.Events.OfType<ProviderErrorEvent>().Single().Error.Message));
            Assert.That(Entries(json, "dtmf").Single().GetProperty("digits").GetString(), Is.EqualTo("12#"));
            Assert.That(callerLines, Is.EqualTo(record.Events.OfType<CallerSpokeEvent>().Select(e => e.Text)));
        });
    }

    [Test]
    public void Speech_measured_on_each_channel_is_in_the_file()
    {
        using var json = Write(ReportTestCall.Create(_directory));
        var speech = json.RootElement.GetProperty("speech");

        Assert.Multiple(() =>
        {
            AssertIntervals(speech.GetProperty("caller"), ReportTestCall.CallerSpeech);
            AssertIntervals(speech.GetProperty("agent"), ReportTestCall.AgentSpeech);
            Assert.That(speech.GetProperty("duration").GetDouble(), Is.EqualTo(ReportTestCall.Summary.Duration.TotalSeconds).Within(0.001));
        });
    }

    [Test]
    public void Without_a_recording_the_transcript_is_still_written_with_no_speech()
    {
        var record = ReportTestCall.Create(_directory) with { RecordingPath = Path.Combine(_directory, "missing.wav") };
        using var json = Write(record);

        Assert.Multiple(() =>
        {
            Assert.That(json.RootElement.GetProperty("speech").GetProperty("caller").GetArrayLength(), Is.Zero);
            Assert.That(json.RootElement.GetProperty("entries").GetArrayLength(), Is.EqualTo(ReportTestCall.ExpectedKinds.Length));
        });
    }

    [Test]
    public void Text_is_readable_in_the_file_and_the_transcript_reads_back_as_written()
    {
        var record = ReportTestCall.Create(_directory);
        var path = Path.Combine(_directory, "out", "transcript.json");
        CallTranscriptWriter.Write(record, path);
        var text = File.ReadAllText(path);

        CallTranscript read;
        using (var stream = File.OpenRead(path))
        {
            read = CallTranscriptWriter.Read(stream);
        }

        var written = CallTranscript.Create(record);
        Assert.Multiple(() =>
        {
            Assert.That(text, Does.Contain("hasn't arrived"), "apostrophes are not escaped");
            Assert.That(text, Does.Contain(ReportTestCall.ToolResult));
            Assert.That(read.Entries, Is.EqualTo(written.Entries));
            Assert.That(read.Speech.Caller, Is.EqualTo(written.Speech.Caller));
            Assert.That(read.Counts, Is.EqualTo(written.Counts));
        });
    }

    private JsonDocument Write(CallRecord record)
    {
        var path = Path.Combine(_directory, "transcript.json");
        CallTranscriptWriter.Write(record, path);
        return JsonDocument.Parse(File.ReadAllBytes(path));
    }

    private static IEnumerable<JsonElement> Entries(JsonDocument json, string kind) =>
        json.RootElement.GetProperty("entries").EnumerateArray().Where(e => e.GetProperty("kind").GetString() == kind);

    private static int? OptionalInt(JsonElement entry, string name) => entry.TryGetProperty(name, out var value) ? value.GetInt32() : null;

    private static void AssertIntervals(JsonElement measured, SpeechInterval[] truth)
    {
        var intervals = measured.EnumerateArray().Select(i => (Start: i.GetProperty("start").GetDouble(), End: i.GetProperty("end").GetDouble())).ToList();
        Assert.That(intervals, Has.Count.EqualTo(truth.Length));
        for (var i = 0; i < Math.Min(intervals.Count, truth.Length); i++)
        {
            Assert.That(intervals[i].Start, Is.EqualTo(truth[i].Start).Within(0.04));
            Assert.That(intervals[i].End, Is.EqualTo(truth[i].End).Within(0.04));
        }
    }
}
