using VoiceKit.Audio;
using VoiceKit.Testing;
using VoiceKit.Conformance;

namespace VoiceKit.Local.Tests;

/// <summary>
/// Wires the text-to-speech conformance suite to an in-process synthesiser: no connection, key or server messages, and a
/// read-back for a real voice. Each piece of audio judged must be audible (RMS over <see cref="MinimumRms"/>) and last as
/// long as its text takes to say (<see cref="MillisecondsPerCharacter"/>, measured for the suite's sentences), so a
/// lost, missing or leaked clause fails; a voice a recogniser hears well is also recognised back (<see cref="HearAsync"/>).
/// Skips when the engine's library is not installed.
/// </summary>
public abstract class LocalTextToSpeechConformanceBase : TextToSpeechConformanceTests
{
    /// <summary>The floor of an utterance's level: slt and eSpeak speak at 2,600 to 6,000; silence is 0.</summary>
    protected const double MinimumRms = 1_000;

    private ITextToSpeech? _synthesizer;

    protected override bool HasConnection => false;

    protected override bool HasCredentials => false;

    protected override bool HasServerMessages => false;

    /// <summary>The range of audio per character of text the voice produces, in milliseconds.</summary>
    protected abstract (double Least, double Most) MillisecondsPerCharacter { get; }

    /// <summary>Creates the engine; throws <see cref="InvalidOperationException"/> naming the Debian package when its library is missing.</summary>
    /// <returns>The synthesiser.</returns>
    protected abstract ITextToSpeech CreateEngine();

    /// <summary>What a recogniser hears in the audio, or null when the voice is not one it hears well (or it is not installed).</summary>
    /// <param name="audio">The audio.</param>
    /// <param name="format">Its format.</param>
    /// <returns>The transcript, or null.</returns>
    protected virtual Task<string?> HearAsync(byte[] audio, AudioFormat format) => Task.FromResult<string?>(null);

    /// <summary>The word error rate a recognised read-back may have.</summary>
    protected virtual double MaxWordErrorRate => 0.5;

    protected override ValueTask StartServerAsync()
    {
        try
        {
            _synthesizer = CreateEngine();
        }
        catch (InvalidOperationException e) when (e.Message.Contains("install the Debian package", StringComparison.Ordinal))
        {
            Assert.Ignore(e.Message);
        }

        return ValueTask.CompletedTask;
    }

    protected override ITextToSpeech CreateSynthesizer(bool validCredentials = true) =>
        _synthesizer ?? throw new InvalidOperationException("The engine is created in SetUp.");

    protected override async ValueTask AssertSpeaksAsync(byte[] audio, AudioFormat format, string text, string because)
    {
        var duration = AudioMeasures.Duration(audio, format);
        var perCharacter = duration.TotalMilliseconds / text.Length;
        var rms = AudioMeasures.Rms(audio, format);
        var heard = await HearAsync(audio, format);
        var rate = heard is null ? (double?)null : WordErrorRate.Compute(text, heard);
        await TestContext.Out.WriteLineAsync(
            $"'{text}': {duration.TotalSeconds:F2} s ({perCharacter:F0} ms a character), RMS {rms:F0}" + (heard is null ? string.Empty : $", heard '{heard}' (WER {rate:F2})"));

        Assert.That(rms, Is.GreaterThan(MinimumRms), $"{because}: audible speech, not silence");
        Assert.That(perCharacter, Is.InRange(MillisecondsPerCharacter.Least, MillisecondsPerCharacter.Most),
            $"{because}: {duration.TotalSeconds:F2} s is as long as saying {text.Length} characters takes, no more (leaked audio), no less (lost audio)");
        if (rate is not null)
        {
            Assert.That(rate, Is.LessThanOrEqualTo(MaxWordErrorRate), $"{because}: recognised as '{heard}'");
        }
    }
}
