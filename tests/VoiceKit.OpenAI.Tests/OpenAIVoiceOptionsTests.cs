using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace VoiceKit.OpenAI.Tests;

/// <summary>Options validation, copying, the shared connection pool and the DI registrations.</summary>
[TestFixture]
[CancelAfter(10_000)]
public sealed class OpenAIVoiceOptionsTests
{
    [Test]
    public void The_defaults_suit_phone_calls()
    {
        var options = new OpenAIVoiceOptions();
        Assert.That((options.ChatModel, options.TranscriptionModel, options.SpeechModel, options.Voice, options.VerifyCredentialsOnStart),
            Is.EqualTo(("gpt-4o-mini", "gpt-4o-transcribe", "gpt-4o-mini-tts", "alloy", true)));
        if (Environment.GetEnvironmentVariable("OPENAI_BASE_URL") is null)
        {
            Assert.That(options.Endpoint, Is.EqualTo(new Uri("https://api.openai.com/v1")));
        }
    }

    [Test]
    public void A_missing_key_for_api_openai_com_says_what_to_set()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => new OpenAIVoiceOptions { ApiKey = " ", Endpoint = OpenAIVoiceOptions.DefaultEndpoint }.AsOpenAISpeechToText());
        Assert.That(ex!.Message, Does.Contain("OpenAIVoiceOptions.ApiKey").And.Contain("OPENAI_API_KEY"));
    }

    [Test]
    public void A_local_server_needs_no_key()
    {
        var options = new OpenAIVoiceOptions { ApiKey = null, Endpoint = new Uri("http://localhost:11434/v1") };
        Assert.That(() => options.AsOpenAILanguageModel(), Throws.Nothing);
    }

    [TestCase(0.1)]
    [TestCase(4.5)]
    [TestCase(double.NaN)]
    public void Speed_out_of_range_is_rejected(double speed) =>
        Assert.That(() => new OpenAIVoiceOptions { ApiKey = "sk-x", SpeechSpeed = speed }.Validate(), Throws.InvalidOperationException.With.Message.Contains("SpeechSpeed"));

    [Test]
    public void Bad_endpoint_and_language_are_rejected()
    {
        Assert.That(() => new OpenAIVoiceOptions { ApiKey = "sk-x", Endpoint = new Uri("ws://localhost/v1") }.Validate(), Throws.InvalidOperationException.With.Message.Contains("Endpoint"));
        Assert.That(() => new OpenAIVoiceOptions { ApiKey = "sk-x", TranscriptionLanguage = "en-US" }.Validate(), Throws.InvalidOperationException.With.Message.Contains("TranscriptionLanguage"));
        Assert.That(() => new OpenAIVoiceOptions { ApiKey = "sk-x", Voice = "" }.Validate(), Throws.InvalidOperationException.With.Message.Contains("Voice"));
    }

    [Test]
    public void Clone_copies_every_setting_but_not_the_connection_pool()
    {
        var options = new OpenAIVoiceOptions
        {
            ApiKey = "sk-x", Endpoint = new Uri("http://localhost:8000/v1"), Organization = "org", Project = "proj",
            ChatModel = "llama3", TranscriptionModel = "gpt-4o-mini-transcribe", TranscriptionLanguage = "de", TranscriptionPrompt = "p",
            SpeechModel = "tts-1", Voice = "nova", SpeechInstructions = "i", SpeechSpeed = 1.5, VerifyCredentialsOnStart = false,
            TimeProvider = TimeProvider.System,
        };
        var copy = options.Clone();
        foreach (var property in typeof(OpenAIVoiceOptions).GetProperties().Where(p => p.CanWrite))
        {
            Assert.That(property.GetValue(copy), Is.EqualTo(property.GetValue(options)), property.Name);
        }

        Assert.That(copy.SharedHttpClient, Is.Not.SameAs(options.SharedHttpClient));
        var first = options.SharedHttpClient;
        Assert.That(options.SharedHttpClient, Is.SameAs(first), "one pool per options instance");
    }

    [Test]
    public void DI_registers_all_three_ports_on_one_options_instance()
    {
        var services = new ServiceCollection();
        services.AddOpenAILanguageModel(o => o.ApiKey = "sk-x")
            .AddOpenAISpeechToText(o => o.TranscriptionLanguage = "en")
            .AddOpenAITextToSpeech(o => o.Voice = "coral");
        using var provider = services.BuildServiceProvider();

        Assert.That(provider.GetService<ILanguageModel>(), Is.Not.Null);
        Assert.That(provider.GetService<ISpeechToText>(), Is.Not.Null);
        Assert.That(provider.GetService<ITextToSpeech>(), Is.Not.Null);
        var options = provider.GetRequiredService<IOptions<OpenAIVoiceOptions>>().Value;
        Assert.That((options.ApiKey, options.TranscriptionLanguage, options.Voice), Is.EqualTo(("sk-x", "en", "coral")), "every configure applies to the shared options");
        var model = provider.GetService<ILanguageModel>();
        Assert.That(provider.GetService<ILanguageModel>(), Is.SameAs(model), "singleton");
    }
}
