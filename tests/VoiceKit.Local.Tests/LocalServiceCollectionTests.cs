using Microsoft.Extensions.DependencyInjection;
using VoiceKit.Audio;

namespace VoiceKit.Local.Tests;

[CancelAfter(30_000)]
public sealed class LocalServiceCollectionTests
{
    [Test]
    public void Flite_is_registered_as_the_synthesiser_with_its_configured_voice(CancellationToken cancellationToken)
    {
        RequireInstalled(LocalEngine.Flite);
        using var provider = new ServiceCollection().AddFliteTextToSpeech(o => o.Voice = "kal").BuildServiceProvider();

        var tts = provider.GetRequiredService<ITextToSpeech>();

        Assert.Multiple(() =>
        {
            Assert.That(tts.SelectOutputFormat(AudioFormat.Telephony), Is.EqualTo(AudioFormat.Pcm16(8_000)), "kal is Flite's 8 kHz voice");
            Assert.That(provider.GetRequiredService<ITextToSpeech>(), Is.SameAs(tts));
        });
    }

    [Test]
    public void A_bad_flite_voice_fails_when_resolved_with_a_message_that_says_what_to_fix(CancellationToken cancellationToken)
    {
        using var provider = new ServiceCollection().AddFliteTextToSpeech(o => o.Voice = "hal9000").BuildServiceProvider();

        Assert.That(() => provider.GetRequiredService<ITextToSpeech>(), Throws.InvalidOperationException.With.Message.Contains("slt, rms, awb, kal16, kal"));
    }

    [Test]
    public void Espeak_is_registered_as_the_synthesiser(CancellationToken cancellationToken)
    {
        RequireInstalled(LocalEngine.Espeak);
        using var provider = new ServiceCollection().AddEspeakTextToSpeech().BuildServiceProvider();

        Assert.That(provider.GetRequiredService<ITextToSpeech>().SelectOutputFormat(AudioFormat.Telephony), Is.EqualTo(AudioFormat.Pcm16(22_050)));
    }

    [Test]
    public void PocketSphinx_is_registered_with_its_domain_phrases(CancellationToken cancellationToken)
    {
        RequireInstalled(LocalEngine.PocketSphinx);
        using var provider = new ServiceCollection()
            .AddPocketSphinxSpeechToText(o => o.DomainPhrases.Add("where is my zorblax"))
            .BuildServiceProvider();

        // The phrases reach the recogniser: a word outside the dictionary fails its creation.
        Assert.That(() => provider.GetRequiredService<ISpeechToText>(), Throws.InvalidOperationException.With.Message.Contains("zorblax"));
    }

    private static void RequireInstalled(LocalEngine engine)
    {
        var missing = LocalEngines.MissingDebianPackages(engine);
        if (missing.Count > 0)
        {
            Assert.Ignore($"Not installed: {string.Join(' ', missing)}.");
        }
    }
}
