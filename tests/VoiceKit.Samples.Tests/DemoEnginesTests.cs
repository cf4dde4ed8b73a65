using VoiceKit.Local;
using VoiceKit.Samples.Console;

namespace VoiceKit.Samples.Tests;

/// <summary>Which engine plays each part of the demo, from the environment (nothing here connects to a service).</summary>
[CancelAfter(30_000)]
public sealed class DemoEnginesTests
{
    [SetUp]
    public void RequireEngines() => OfflineEngines.RequireInstalled();

    [Test]
    public void With_no_keys_every_part_is_offline_and_the_model_is_labelled_rule_based()
    {
        var engines = DemoEngines.FromEnvironment(_ => null);

        Assert.Multiple(() =>
        {
            Assert.That(engines.LanguageModel, Is.InstanceOf<ParcelDeskChatClient>());
            Assert.That(engines.Labels["language model"], Does.Contain("rule-based"));
            Assert.That(engines.Labels["speech-to-text"], Does.Contain("PocketSphinx"));
            Assert.That(engines.Labels["text-to-speech"], Does.Contain("Flite"));
            Assert.That(DemoEngines.OfflineEnginesNeeded(_ => null), Is.EqualTo(LocalEngine.PocketSphinx | LocalEngine.Flite));
        });
    }

    [Test]
    public void Each_key_switches_its_part_to_the_cloud_and_keys_never_appear_in_labels()
    {
        var environment = new Dictionary<string, string>
        {
            ["DEEPGRAM_API_KEY"] = "dg-secret-123",
            ["OPENAI_BASE_URL"] = "http://127.0.0.1:11434/v1",
            ["OPENAI_MODEL"] = "llama3.2",
            ["ELEVENLABS_API_KEY"] = "el-secret-456",
        };

        var engines = DemoEngines.FromEnvironment(name => environment.GetValueOrDefault(name));

        Assert.Multiple(() =>
        {
            Assert.That(engines.Labels["speech-to-text"], Does.StartWith("Deepgram"));
            Assert.That(engines.Labels["language model"], Does.Contain("llama3.2").And.Contain("127.0.0.1"));
            Assert.That(engines.LanguageModel, Is.Not.InstanceOf<ParcelDeskChatClient>());
            Assert.That(engines.Labels["text-to-speech"], Does.StartWith("ElevenLabs"));
            Assert.That(string.Join(' ', engines.Labels.Values), Does.Not.Contain("secret"));
            Assert.That(DemoEngines.OfflineEnginesNeeded(name => environment.GetValueOrDefault(name)), Is.EqualTo(LocalEngine.Flite), "Flite still voices the caller");
        });
    }
}
