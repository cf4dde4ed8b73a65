using VoiceKit.Audio;

namespace VoiceKit.Local.Tests;

/// <summary>The text-to-speech port's conformance suite on the offline Flite synthesiser (voice slt, 16 kHz PCM16) for a phone call.</summary>
[TestFixture]
public sealed class FliteTextToSpeechConformanceTests : FliteTextToSpeechConformanceBase;

/// <summary>The same suite for a wideband call (PCM16 at 16 kHz).</summary>
[TestFixture]
public sealed class FliteWidebandTextToSpeechConformanceTests : FliteTextToSpeechConformanceBase
{
    protected override AudioFormat CallFormat => AudioFormat.Pcm16Khz;
}

/// <summary>
/// Wires the suite to Flite's slt voice. slt is a voice PocketSphinx hears well at 16 kHz, so its audio is also
/// recognised back and the word error rate bounded (when PocketSphinx is installed); the fixtures above pick the call format.
/// </summary>
public abstract class FliteTextToSpeechConformanceBase : LocalTextToSpeechConformanceBase
{
    /// <summary>Measured 64 to 81 ms a character on the suite's sentences (short ones longer: the pauses weigh more).</summary>
    protected override (double Least, double Most) MillisecondsPerCharacter => (55, 95);

    protected override ITextToSpeech CreateEngine() => new FliteTextToSpeechOptions { Voice = "slt" }.AsFliteTextToSpeech();

    protected override Task<string?> HearAsync(byte[] audio, AudioFormat format) =>
        PocketSphinxTestAudio.TryRecognizeAsync(audio, format, SpokenTexts, TestContext.CurrentContext.CancellationToken);
}
