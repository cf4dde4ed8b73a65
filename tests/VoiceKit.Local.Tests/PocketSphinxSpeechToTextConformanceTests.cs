using VoiceKit.Audio;
using VoiceKit.Conformance;

namespace VoiceKit.Local.Tests;

/// <summary>
/// The speech-to-text port's conformance suite, run on the offline PocketSphinx recogniser (generic US English model) with
/// phone audio: real speech (Flite's slt voice, through the flite tool, as 8 kHz mu-law) instead of the stand-ins'
/// scripted audio. Finals must be within <see cref="MaxWordErrorRate"/> and hold each phrase's key words in order;
/// nothing about connections, keys or server messages applies; a disposed stream must have freed its native decoder.
/// </summary>
[TestFixture]
public sealed class PocketSphinxSpeechToTextConformanceTests : SpeechToTextConformanceTests
{
    protected override bool HasConnection => false;

    protected override bool HasCredentials => false;

    protected override bool HasServerMessages => false;

    /// <summary>
    /// The suite's phrases were picked among call-centre sentences the generic model hears well on phone audio: measured
    /// 0.00 for each. The bound leaves room for other model or Flite builds (other sentences measured up to 0.6), while
    /// half a phrase lost, or another phrase's words carried in, still fails (with the key words).
    /// </summary>
    protected override double MaxWordErrorRate => 0.5;

    protected override ValueTask StartServerAsync(ScriptedRecognizer recognizer)
    {
        PocketSphinxTestAudio.RequireEngine();
        return ValueTask.CompletedTask;
    }

    protected override ISpeechToText CreateRecognizer(bool validCredentials = true) => new PocketSphinxOptions().AsPocketSphinxSpeechToText();

    protected override Task<byte[]> SpeakPhraseAsync(string text, AudioFormat format, CancellationToken cancellationToken) =>
        PocketSphinxTestAudio.SynthesizeAsync(text, format, cancellationToken);

    protected override void AssertReleased(ISpeechToTextStream stream) => NativeHandles.AssertAllClosed(stream, "PocketSphinx stream");
}
