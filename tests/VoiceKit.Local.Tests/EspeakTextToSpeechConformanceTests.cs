namespace VoiceKit.Local.Tests;

/// <summary>
/// The text-to-speech port's conformance suite on the offline eSpeak NG synthesiser (en-us, 160 words a minute, 22,050 Hz
/// PCM16) for a phone call. PocketSphinx hears eSpeak's formant voice poorly (word error rate 0.5 to 1.2 on the suite's
/// sentences), so its audio is judged by level and duration only.
/// </summary>
[TestFixture]
public sealed class EspeakTextToSpeechConformanceTests : LocalTextToSpeechConformanceBase
{
    /// <summary>Measured 51 to 79 ms a character on the suite's sentences.</summary>
    protected override (double Least, double Most) MillisecondsPerCharacter => (43, 92);

    protected override ITextToSpeech CreateEngine() => new EspeakTextToSpeechOptions().AsEspeakTextToSpeech();
}
