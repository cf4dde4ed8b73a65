using Microsoft.Extensions.DependencyInjection;

namespace VoiceKit.ElevenLabs.Tests;

public sealed class ElevenLabsOptionsTests
{
    private static ElevenLabsTextToSpeechOptions Valid() => new() { ApiKey = "key" };

    [Test]
    public void Defaults_SuitPhoneCalls()
    {
        var options = new ElevenLabsTextToSpeechOptions();
        Assert.Multiple(() =>
        {
            Assert.That(options.Endpoint, Is.EqualTo(new Uri("wss://api.elevenlabs.io")));
            Assert.That(options.VoiceId, Is.EqualTo("21m00Tcm4TlvDq8ikWAM"));
            Assert.That(options.ModelId, Is.EqualTo("eleven_flash_v2_5"));
            Assert.That(options.LanguageCode, Is.Null);
            Assert.That((options.Stability, options.SimilarityBoost, options.Style, options.UseSpeakerBoost, options.Speed), Is.EqualTo((0.5, 0.75, 0.0, true, 1.0)));
            Assert.That(options.ChunkLengthSchedule, Is.EqualTo(new[] { 50, 120, 160, 250 }));
            Assert.That(options.InactivityTimeout, Is.EqualTo(TimeSpan.FromSeconds(20)));
            Assert.That(options.KeepAliveInterval, Is.EqualTo(TimeSpan.FromSeconds(10)));
            Assert.That(options.WarmConnection, Is.True);
            Assert.That(options.ConnectTimeout, Is.EqualTo(TimeSpan.FromSeconds(10)));
            Assert.That(options.TimeProvider, Is.SameAs(TimeProvider.System));
        });
    }

    [Test]
    public void Validate_SaysHowToFixAMissingKey()
    {
        var thrown = Assert.Throws<InvalidOperationException>(() => new ElevenLabsTextToSpeechOptions { ApiKey = " " }.AsElevenLabsTextToSpeech());
        Assert.That(thrown!.Message, Does.Contain("ELEVENLABS_API_KEY").And.Contain("ApiKey"));
    }

    private static IEnumerable<TestCaseData> InvalidOptions()
    {
        yield return new TestCaseData((Action<ElevenLabsTextToSpeechOptions>)(o => o.Endpoint = new Uri("https://api.elevenlabs.io")), "Endpoint").SetName("Endpoint must be ws or wss");
        yield return new TestCaseData((Action<ElevenLabsTextToSpeechOptions>)(o => o.VoiceId = ""), "VoiceId").SetName("VoiceId is required");
        yield return new TestCaseData((Action<ElevenLabsTextToSpeechOptions>)(o => o.ModelId = " "), "ModelId").SetName("ModelId is required");
        yield return new TestCaseData((Action<ElevenLabsTextToSpeechOptions>)(o => o.LanguageCode = " "), "LanguageCode").SetName("LanguageCode is null or a code");
        yield return new TestCaseData((Action<ElevenLabsTextToSpeechOptions>)(o => o.Stability = 1.5), "Stability").SetName("Stability is 0 to 1");
        yield return new TestCaseData((Action<ElevenLabsTextToSpeechOptions>)(o => o.SimilarityBoost = -0.1), "SimilarityBoost").SetName("SimilarityBoost is 0 to 1");
        yield return new TestCaseData((Action<ElevenLabsTextToSpeechOptions>)(o => o.Style = double.NaN), "Style").SetName("Style is 0 to 1");
        yield return new TestCaseData((Action<ElevenLabsTextToSpeechOptions>)(o => o.Speed = 1.3), "Speed").SetName("Speed is 0.7 to 1.2");
        yield return new TestCaseData((Action<ElevenLabsTextToSpeechOptions>)(o => o.ChunkLengthSchedule.Add(40)), "ChunkLengthSchedule").SetName("Schedule entries are at least 50");
        yield return new TestCaseData((Action<ElevenLabsTextToSpeechOptions>)(o => o.ChunkLengthSchedule.Add(501)), "ChunkLengthSchedule").SetName("Schedule entries are at most 500");
        yield return new TestCaseData((Action<ElevenLabsTextToSpeechOptions>)(o => o.ChunkLengthSchedule.Clear()), "ChunkLengthSchedule").SetName("Schedule is not empty");
        yield return new TestCaseData((Action<ElevenLabsTextToSpeechOptions>)(o => o.InactivityTimeout = TimeSpan.FromSeconds(181)), "InactivityTimeout").SetName("Inactivity timeout is at most 180 s");
        yield return new TestCaseData((Action<ElevenLabsTextToSpeechOptions>)(o => o.InactivityTimeout = TimeSpan.FromMilliseconds(1500)), "InactivityTimeout").SetName("Inactivity timeout is whole seconds");
        yield return new TestCaseData((Action<ElevenLabsTextToSpeechOptions>)(o => o.KeepAliveInterval = TimeSpan.FromSeconds(20)), "KeepAliveInterval").SetName("Keepalives come before the timeout");
        yield return new TestCaseData((Action<ElevenLabsTextToSpeechOptions>)(o => o.ConnectTimeout = TimeSpan.Zero), "ConnectTimeout").SetName("The connect timeout is positive");
        yield return new TestCaseData((Action<ElevenLabsTextToSpeechOptions>)(o => o.TimeProvider = null!), "TimeProvider").SetName("A clock is required");
    }

    [TestCaseSource(nameof(InvalidOptions))]
    public void Validate_NamesTheOptionToFix(Action<ElevenLabsTextToSpeechOptions> breakIt, string option)
    {
        var options = Valid();
        breakIt(options);
        Assert.That(() => options.Validate(), Throws.InvalidOperationException.With.Message.Contains(option));
    }

    [Test]
    public void AsElevenLabsTextToSpeech_CopiesTheOptions()
    {
        var options = Valid();
        options.VoiceId = "voice-a";
        var tts = (ElevenLabsTextToSpeech)options.AsElevenLabsTextToSpeech();
        options.VoiceId = "voice-b";
        options.ChunkLengthSchedule.Add(300);

        Assert.That(tts.Options.VoiceId, Is.EqualTo("voice-a"));
        Assert.That(tts.Options.ChunkLengthSchedule, Is.EqualTo(new[] { 50, 120, 160, 250 }));
        Assert.That(tts.Options, Is.Not.SameAs(options));
    }

    [Test]
    public void Clone_SharesNothingMutable()
    {
        var options = Valid();
        options.LanguageCode = "fr";
        var copy = options.Clone();
        copy.ChunkLengthSchedule[0] = 100;

        Assert.That(copy.LanguageCode, Is.EqualTo("fr"));
        Assert.That(options.ChunkLengthSchedule[0], Is.EqualTo(50));
    }

    [Test]
    public void AddElevenLabsTextToSpeech_RegistersADisposableSingletonFromTheConfiguredOptions()
    {
        var services = new ServiceCollection();
        services.AddElevenLabsTextToSpeech(o =>
        {
            o.ApiKey = "di-key";
            o.VoiceId = "di-voice";
            o.WarmConnection = false;
        });
        services.Configure<ElevenLabsTextToSpeechOptions>(o => o.LanguageCode = "es");
        ITextToSpeech tts;
        using (var provider = services.BuildServiceProvider())
        {
            tts = provider.GetRequiredService<ITextToSpeech>();
            Assert.That(tts, Is.TypeOf<ElevenLabsTextToSpeech>());
            Assert.That(tts, Is.SameAs(provider.GetRequiredService<ITextToSpeech>()), "a singleton");
            var uri = ElevenLabsTextToSpeech.BuildUri(((ElevenLabsTextToSpeech)tts).Options, Audio.AudioFormat.Telephony);
            Assert.That(uri.AbsolutePath, Is.EqualTo("/v1/text-to-speech/di-voice/stream-input"));
            Assert.That(uri.Query, Does.EndWith("&language_code=es"), "both configure callbacks applied");
        }

        Assert.That(async () => await tts.StartAsync(Audio.AudioFormat.Telephony), Throws.InstanceOf<ObjectDisposedException>(), "the container disposed it, synchronously");
    }

    [Test]
    public void AddElevenLabsTextToSpeech_InvalidOptionsFailWhenResolved()
    {
        var services = new ServiceCollection();
        services.AddElevenLabsTextToSpeech(o => o.ApiKey = "");
        using var provider = services.BuildServiceProvider();

        Assert.That(() => provider.GetRequiredService<ITextToSpeech>(), Throws.InvalidOperationException.With.Message.Contains("ELEVENLABS_API_KEY"));
    }
}
