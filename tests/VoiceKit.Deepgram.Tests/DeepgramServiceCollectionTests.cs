using Microsoft.Extensions.DependencyInjection;

namespace VoiceKit.Deepgram.Tests;

public sealed class DeepgramServiceCollectionTests
{
    [Test]
    public void AddDeepgramSpeechToText_RegistersTheRecognizerWithTheConfiguredOptions()
    {
        var services = new ServiceCollection();
        services.AddDeepgramSpeechToText(o =>
        {
            o.ApiKey = "di-key";
            o.Model = "nova-2";
        });
        services.Configure<DeepgramSpeechToTextOptions>(o => o.Keyterms.Add("Acme"));
        using var provider = services.BuildServiceProvider();

        var stt = provider.GetRequiredService<ISpeechToText>();

        Assert.That(stt, Is.TypeOf<DeepgramSpeechToText>());
        Assert.That(stt, Is.SameAs(provider.GetRequiredService<ISpeechToText>()), "a singleton");
        var uri = DeepgramSpeechToText.BuildUri(((DeepgramSpeechToText)stt).Options, Audio.AudioFormat.Telephony);
        Assert.That(uri.Query, Does.Contain("model=nova-2").And.Contain("keyterm=Acme"), "both configure callbacks applied");
    }

    [Test]
    public void AddDeepgramSpeechToText_InvalidOptionsFailWhenResolved()
    {
        var services = new ServiceCollection();
        services.AddDeepgramSpeechToText(o => o.ApiKey = " ");
        using var provider = services.BuildServiceProvider();

        Assert.That(() => provider.GetRequiredService<ISpeechToText>(), Throws.InstanceOf<InvalidOperationException>().With.Message.Contains("DEEPGRAM_API_KEY"));
    }

    [Test]
    public async Task AddDeepgramTextToSpeech_RegistersADisposableSynthesizerWithTheConfiguredOptions()
    {
        var services = new ServiceCollection();
        services.AddDeepgramTextToSpeech(o =>
        {
            o.ApiKey = "di-key";
            o.Model = "aura-2-andromeda-en";
        });
        ITextToSpeech tts;
        await using (var provider = services.BuildServiceProvider())
        {
            tts = provider.GetRequiredService<ITextToSpeech>();
            Assert.That(tts, Is.TypeOf<DeepgramTextToSpeech>());
            Assert.That(tts, Is.SameAs(provider.GetRequiredService<ITextToSpeech>()), "a singleton");
            Assert.That(tts.SelectOutputFormat(Audio.AudioFormat.Telephony), Is.EqualTo(Audio.AudioFormat.Telephony));
        }

        Assert.That(async () => await tts.StartAsync(Audio.AudioFormat.Telephony), Throws.InstanceOf<ObjectDisposedException>(), "the container disposed it");
    }
}
