using VoiceKit.Audio;
using VoiceKit.Local;
using VoiceKit.Samples.Console;
using VoiceKit.Testing;

namespace VoiceKit.Samples.Tests;

/// <summary>
/// Word error rate of the offline recogniser on the demo caller's lines, as the caller sends them (Flite voice rms,
/// 8 kHz mu-law, the pause inside the order number included), with the general US English model and with the demo's
/// domain model. The figures in docs/offline.md come from this test:
/// <c>dotnet test tests/VoiceKit.Samples.Tests --filter CallerScriptRecognitionTests --logger "console;verbosity=detailed"</c>.
/// </summary>
[CancelAfter(120_000)]
public sealed class CallerScriptRecognitionTests
{
    [SetUp]
    public void RequireEngines() => OfflineEngines.RequireInstalled();

    [TestCase("rms", true, 0.1)]     // the demo's caller voice and model (measured 0.024)
    [TestCase("slt", true, 0.1)]     // other voices: the model is not tuned to one speaker (0.071, 0.000, 0.000)
    [TestCase("awb", true, 0.1)]
    [TestCase("kal16", true, 0.1)]
    [TestCase("rms", false, 0.7)]    // the general model: reported for comparison, loosely bounded (0.26-0.50)
    [TestCase("slt", false, 0.7)]
    [TestCase("awb", false, 0.7)]
    [TestCase("kal16", false, 0.8)]
    public async Task Recognises_the_callers_lines(string voice, bool domainModel, double maxWordErrorRate, CancellationToken cancellationToken)
    {
        var options = new PocketSphinxOptions();
        if (domainModel)
        {
            foreach (var phrase in ParcelPhrases.All)
            {
                options.DomainPhrases.Add(phrase);
            }
        }

        var recogniser = options.AsPocketSphinxSpeechToText();
        var transport = new InMemoryTransport(TimeProvider.System);
        var caller = new VoicedCaller(transport, CallerScript.Lines, new FliteTextToSpeechOptions { Voice = voice }.AsFliteTextToSpeech());
        var lines = await caller.SynthesizeLinesAsync(cancellationToken);

        int words = 0, errors = 0;
        for (var i = 0; i < lines.Count; i++)
        {
            var said = CallerScript.Words(CallerScript.Lines[i]);
            var heard = await RecogniseAsync(recogniser, lines[i], cancellationToken);
            words += WordErrorRate.Words(said).Length;
            errors += WordErrorRate.Errors(said, heard);
            await TestContext.Out.WriteLineAsync($"{voice}, {(domainModel ? "domain" : "general")} model: '{said}' -> '{heard}' (WER {WordErrorRate.Compute(said, heard):0.00})");
        }

        var wer = (double)errors / words;
        await TestContext.Out.WriteLineAsync($"{voice}, {(domainModel ? "domain" : "general")} model: WER {wer:0.000} over {words} words");
        Assert.That(wer, Is.LessThanOrEqualTo(maxWordErrorRate));
    }

    private static async Task<string> RecogniseAsync(ISpeechToText recogniser, byte[] muLaw, CancellationToken cancellationToken)
    {
        await using var stream = await recogniser.StartAsync(AudioFormat.Telephony, cancellationToken);
        var frame = AudioFormat.Telephony.BytesPer(20);
        var trailingSilence = new byte[AudioFormat.Telephony.BytesPer(300)];
        trailingSilence.AsSpan().Fill(0xFF);
        byte[] audio = [.. muLaw, .. trailingSilence];
        for (var offset = 0; offset + frame <= audio.Length; offset += frame)
        {
            await stream.SendAudioAsync(audio.AsMemory(offset, frame), cancellationToken);
        }

        await stream.FinalizeAsync(cancellationToken);
        await foreach (var update in stream.ReadUpdatesAsync(cancellationToken))
        {
            if (update.Kind == TranscriptUpdateKind.Final)
            {
                return update.Text;
            }
        }

        return "";
    }
}
