using System.Text.Json;
using VoiceKit.Audio;
using VoiceKit.Cli.Turns;
using VoiceKit.Turns;

namespace VoiceKit.Cli.Tests;

public sealed class TurnsCommandTests
{
    private static readonly string[] s_events = ["speech_start", "speech_end", "end_of_turn", "interruption", "resume", "idle"];
    private DirectoryInfo _dir = null!;

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("voicekit-turns-");

    [TearDown]
    public void DeleteDirectory() => _dir.Delete(recursive: true);

    private string PathOf(string name) => Path.Combine(_dir.FullName, name);

    /// <summary>The repository's sample call: 7.1 s of synthesised caller speech, 8 kHz mu-law, with a comma pause near 2.3 s.</summary>
    private static string SampleCall()
    {
        var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "VoiceKit.sln")))
        {
            dir = dir.Parent;
        }

        Assert.That(dir, Is.Not.Null, "repository root not found");
        return Path.Combine(dir!.FullName, "samples", "audio", "caller-8k-mulaw.wav");
    }

    private static (int Code, List<JsonElement> Lines, string Raw, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = CliApp.Run(args, stdout, stderr);
        var raw = stdout.ToString();
        var lines = raw.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        return (code, lines, raw, stderr.ToString());
    }

    [Test]
    public void Every_line_is_one_json_object_with_t_ms_then_event()
    {
        var (code, lines, raw, err) = Run("turns", SampleCall());
        Assert.That(code, Is.Zero, err);
        Assert.That(lines, Is.Not.Empty);
        foreach (var line in raw.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.That(line, Does.StartWith("{\"t_ms\":"));
            var props = JsonDocument.Parse(line).RootElement.EnumerateObject().Select(p => p.Name).ToList();
            Assert.That(props.Take(2), Is.EqualTo(new[] { "t_ms", "event" }));
        }

        Assert.That(lines.Select(l => l.GetProperty("event").GetString()).Except(s_events), Is.Empty);
        var times = lines.Select(l => l.GetProperty("t_ms").GetInt32()).ToList();
        Assert.That(times, Is.Ordered, "events come in time order");
    }

    [Test]
    public void On_audio_alone_the_comma_pause_is_bridged_and_the_turn_ends_after_the_default_delay()
    {
        var (_, lines, raw, _) = Run("turns", SampleCall());
        var ends = lines.Where(l => l.GetProperty("event").GetString() == "end_of_turn").ToList();
        Assert.That(ends, Has.Count.EqualTo(1), raw);
        Assert.That(ends[0].GetProperty("reason").GetString(), Is.EqualTo("silence"));
        Assert.That(ends[0].GetProperty("delay_ms").GetInt32(), Is.EqualTo(600 + 125), "the default delay after the detector's end, plus its 125 ms hangover");
        Assert.That(ends[0].GetProperty("t_ms").GetInt32(), Is.InRange(7000, 7800), "speech ends near 6.9 s");
    }

    private const string SampleWords = """
            [{"text":"hi","start_ms":100,"end_ms":300},{"text":"I'm","start_ms":500,"end_ms":700},{"text":"calling","start_ms":700,"end_ms":1100},
             {"text":"about","start_ms":1100,"end_ms":1400},{"text":"my","start_ms":1400,"end_ms":1600},{"text":"order","start_ms":1600,"end_ms":2200},
             {"text":"it","start_ms":2450,"end_ms":2600},{"text":"was","start_ms":2600,"end_ms":2800},{"text":"supposed","start_ms":2800,"end_ms":3300},
             {"text":"to","start_ms":3300,"end_ms":3400},{"text":"arrive","start_ms":3400,"end_ms":3800},{"text":"yesterday","start_ms":3800,"end_ms":4500},
             {"text":"and","start_ms":4600,"end_ms":4800},{"text":"the","start_ms":4800,"end_ms":4900},{"text":"number","start_ms":4900,"end_ms":5300},
             {"text":"is","start_ms":5300,"end_ms":5500},{"text":"four","start_ms":5600,"end_ms":5900},{"text":"one","start_ms":6000,"end_ms":6250},
             {"text":"five","start_ms":6300,"end_ms":6600},{"text":"two","start_ms":6650,"end_ms":6950}]
        """;

    [Test]
    public void With_words_an_unfinished_number_waits_the_long_delay_and_the_turn_carries_its_text()
    {
        var words = PathOf("words.json");
        File.WriteAllText(words, SampleWords);

        var (code, lines, raw, err) = Run("turns", SampleCall(), "--words", words);

        Assert.That(code, Is.Zero, err);
        var end = lines.Single(l => l.GetProperty("event").GetString() == "end_of_turn");
        Assert.That(end.GetProperty("text").GetString(), Does.StartWith("hi I'm calling").And.EndWith("four one five two"));
        Assert.That(end.GetProperty("reason").GetString(), Is.EqualTo("incomplete_timeout"), "\"the number is four one five two\" is too short to be done");
        Assert.That(end.GetProperty("delay_ms").GetInt32(), Is.EqualTo(1600 + 125), raw);
    }

    [Test]
    public void With_words_a_complete_sounding_turn_ends_fast()
    {
        var words = PathOf("words.json");
        var json = JsonDocument.Parse(SampleWords).RootElement.EnumerateArray().Take(12).Select(e => e.GetRawText());
        File.WriteAllText(words, "[" + string.Join(",", json) + "]");

        var (code, lines, raw, err) = Run("turns", SampleCall(), "--words", words);

        Assert.That(code, Is.Zero, err);
        var end = lines.Single(l => l.GetProperty("event").GetString() == "end_of_turn");
        Assert.That(end.GetProperty("reason").GetString(), Is.EqualTo("transcript_complete"), raw);
        Assert.That(end.GetProperty("delay_ms").GetInt32(), Is.LessThanOrEqualTo(320 + 125), "short delay once the transcript lag has passed, plus the detector's hangover");
    }

    [Test]
    public void Caller_speech_over_the_agent_is_an_interruption()
    {
        var agent = PathOf("agent.json");
        File.WriteAllText(agent, """[{"start_ms":0,"end_ms":9000}]""");

        var (code, lines, raw, _) = Run("turns", SampleCall(), "--agent", agent);

        Assert.That(code, Is.Zero);
        var interruption = lines.First(l => l.GetProperty("event").GetString() == "interruption");
        Assert.That(interruption.GetProperty("speech_ms").GetInt32(), Is.EqualTo(1200), "no words given: the sustained-speech rule");
        Assert.That(lines.Count(l => l.GetProperty("event").GetString() == "interruption"), Is.EqualTo(1), raw);
    }

    [Test]
    public void The_runner_prints_exact_events_for_a_scripted_call()
    {
        // 1 s of speech, then silence; the last word's interim lands 150 ms after it ends.
        var samples = new short[3 * 8000];
        samples.AsSpan(0, 8000).Fill(8000);
        TimedWord[] words = [new("I", 0, 100), new("need", 100, 400), new("my", 400, 500), new("order", 500, 800), new("status", 800, 1000)];
        var options = new TurnRunOptions { VoiceActivityDetector = _ => new LevelVad() };

        var lines = TurnRunner.Run(samples, 8000, words, null, options).Select(TurnsCommand.Format).ToList();

        Assert.That(lines, Is.EqualTo(new[]
        {
            """{"t_ms":60,"event":"speech_start"}""",
            """{"t_ms":1120,"event":"speech_end","speech_ms":1000}""",
            """{"t_ms":1260,"event":"end_of_turn","reason":"transcript_complete","delay_ms":260,"text":"I need my order status"}""",
        }));
    }

    [Test]
    public void The_simulated_recogniser_sends_interims_then_a_final_after_the_endpointing_silence()
    {
        TimedWord[] words = [new("hello", 0, 400), new("there", 450, 800), new("how", 1800, 2000)];
        var signals = SimulatedSpeechToText.Schedule(words, delayMs: 150, endpointingMs: 300);
        Assert.That(signals, Is.EqualTo(new[]
        {
            new SimulatedSpeechToText.Signal(550, "hello", false),
            new SimulatedSpeechToText.Signal(950, "hello there", false),
            new SimulatedSpeechToText.Signal(1250, "hello there", true),
            new SimulatedSpeechToText.Signal(2150, "how", false),
            new SimulatedSpeechToText.Signal(2450, "how", true),
        }));
    }

    [TestCase("[{\"text\":\"hi\",\"start_ms\":10}", "not valid JSON")]
    [TestCase("[{\"text\":\"\",\"start_ms\":0,\"end_ms\":5}]", "word 0 needs")]
    [TestCase("[{\"text\":\"b\",\"start_ms\":500,\"end_ms\":600},{\"text\":\"a\",\"start_ms\":100,\"end_ms\":200}]", "time order")]
    public void Bad_words_files_fail_with_one_line(string json, string expected)
    {
        var words = PathOf("words.json");
        File.WriteAllText(words, json);
        var (code, _, _, err) = Run("turns", SampleCall(), "--words", words);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(err, Does.Contain(expected));
        Assert.That(err.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
    }

    [TestCase("--stt-delay-ms", "-5", 2)]
    [TestCase("--stt-endpointing-ms", "abc", 2)]
    [TestCase("--agent", "/nonexistent.json", 1)]
    public void Bad_options_fail(string option, string value, int expectedCode)
    {
        var (code, _, _, err) = Run("turns", SampleCall(), option, value);
        Assert.That(code, Is.EqualTo(expectedCode), err);
        Assert.That(err, Does.StartWith("voicekit: "));
    }

    private sealed class LevelVad : IVoiceActivityDetector
    {
        public int SampleRate => 8000;

        public float Process(ReadOnlySpan<short> frame) => Math.Abs((int)frame[0]) >= 100 ? 0.95f : 0.02f;

        public void Reset()
        {
        }
    }
}
