using System.Runtime.InteropServices;
using VoiceKit.Audio;
using VoiceKit.Samples.Console.Reporting;

namespace VoiceKit.Samples.Tests;

[CancelAfter(30_000)]
public sealed class SpeechIntervalsTests
{
    /// <summary>A start or end may land on either side of the window it falls in.</summary>
    private static readonly double Tolerance = 2 * SpeechIntervals.Window.TotalSeconds;

    private string _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("voicekit-speech-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    [TestCase(8_000, true)]
    [TestCase(8_000, false)]
    [TestCase(16_000, true)]
    public void Speech_on_each_channel_is_found_within_a_window_of_the_truth(int sampleRate, bool noise)
    {
        var path = Path.Combine(_directory, "call.wav");
        ReportTestCall.WriteRecording(path, sampleRate, ReportTestCall.CallerSpeech, ReportTestCall.AgentSpeech, 26, noise);

        var speech = SpeechIntervals.MeasureFile(path);

        Assert.Multiple(() =>
        {
            AssertNear(speech.Caller, ReportTestCall.CallerSpeech, "caller");
            AssertNear(speech.Agent, ReportTestCall.AgentSpeech, "agent");
            Assert.That(speech.Duration, Is.EqualTo(26).Within(0.001));
        });
    }

    [Test]
    public void A_pause_shorter_than_the_merge_gap_does_not_split_speech_but_a_longer_one_does()
    {
        var shortGap = SpeechIntervals.MergeGap.TotalSeconds - 0.1;
        var longGap = SpeechIntervals.MergeGap.TotalSeconds + 0.2;
        SpeechInterval[] said = [new(1, 2), new(2 + shortGap, 3), new(3 + longGap, 4)];

        var caller = Measure(said, [], 6).Caller;

        AssertNear(caller, [new(1, 3), new(3 + longGap, 4)], "caller");
    }

    [Test]
    public void A_click_shorter_than_minimum_speech_is_not_speech()
    {
        var click = SpeechIntervals.MinimumSpeech.TotalSeconds / 3;
        SpeechInterval[] said = [new(1, 1 + click), new(3, 4)];

        var caller = Measure(said, [], 5).Caller;

        AssertNear(caller, [new(3, 4)], "caller");
    }

    [Test]
    public void A_silent_channel_has_no_speech_and_a_mono_recording_is_all_caller()
    {
        var stereo = Measure([new(1, 2)], [], 3);
        var monoPath = Path.Combine(_directory, "mono.wav");
        var mono = new short[3 * 8_000];
        for (var i = 8_000; i < 16_000; i++)
        {
            mono[i] = (short)(8000 * Math.Sin(2 * Math.PI * 440 * i / 8_000));
        }

        WavFile.WriteFile(monoPath, AudioFormat.Pcm16(8_000), MemoryMarshal.AsBytes(mono.AsSpan()));
        var fromMono = SpeechIntervals.MeasureFile(monoPath);

        Assert.Multiple(() =>
        {
            Assert.That(stereo.Agent, Is.Empty);
            AssertNear(fromMono.Caller, [new(1, 2)], "mono caller");
            Assert.That(fromMono.Agent, Is.Empty);
        });
    }

    [Test]
    public void A_mu_law_recording_measures_like_its_pcm()
    {
        var pcmPath = Path.Combine(_directory, "pcm.wav");
        ReportTestCall.WriteRecording(pcmPath, 8_000, ReportTestCall.CallerSpeech, ReportTestCall.AgentSpeech, 26);
        var pcm = WavFile.ReadFile(pcmPath);
        var samples = MemoryMarshal.Cast<byte, short>(pcm.Data.Span);
        var codes = new byte[samples.Length];
        MuLaw.Encode(samples, codes);

        var speech = SpeechIntervals.Measure(new WavAudio(new AudioFormat(AudioEncoding.MuLaw, 8_000, channels: 2), codes));

        Assert.Multiple(() =>
        {
            AssertNear(speech.Caller, ReportTestCall.CallerSpeech, "caller");
            AssertNear(speech.Agent, ReportTestCall.AgentSpeech, "agent");
        });
    }

    [Test]
    public void A_missing_recording_has_no_speech()
    {
        var speech = SpeechIntervals.MeasureFile(Path.Combine(_directory, "never-written.wav"));

        Assert.That(speech, Is.SameAs(RecordedSpeech.None));
    }

    [Test]
    public void The_threshold_follows_a_noisy_line_but_stays_within_its_bounds()
    {
        var quiet = SpeechIntervals.Threshold(Enumerable.Repeat(-120f, 100).ToArray());
        var hissy = SpeechIntervals.Threshold(Enumerable.Repeat(-55f, 100).ToArray());
        var loud = SpeechIntervals.Threshold(Enumerable.Repeat(-10f, 100).ToArray());

        Assert.Multiple(() =>
        {
            Assert.That(hissy, Is.GreaterThan(-55), "above the hiss");
            Assert.That(quiet, Is.LessThan(hissy), "a clean line keeps the lowest threshold");
            Assert.That(loud, Is.LessThan(-10), "a line that is all speech still shows it");
        });
    }

    private RecordedSpeech Measure(SpeechInterval[] caller, SpeechInterval[] agent, double seconds)
    {
        var path = Path.Combine(_directory, $"{Guid.NewGuid():N}.wav");
        ReportTestCall.WriteRecording(path, 8_000, caller, agent, seconds);
        return SpeechIntervals.MeasureFile(path);
    }

    private static void AssertNear(IReadOnlyList<SpeechInterval> measured, IReadOnlyList<SpeechInterval> truth, string channel)
    {
        Assert.That(measured, Has.Count.EqualTo(truth.Count), $"{channel}: {string.Join(", ", measured)}");
        for (var i = 0; i < Math.Min(measured.Count, truth.Count); i++)
        {
            Assert.That(measured[i].Start, Is.EqualTo(truth[i].Start).Within(Tolerance), $"{channel} #{i} start");
            Assert.That(measured[i].End, Is.EqualTo(truth[i].End).Within(Tolerance), $"{channel} #{i} end");
        }
    }
}
