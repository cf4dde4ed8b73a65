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
}
