using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using VoiceKit.Testing;

namespace VoiceKit.Tests.Agents;

public sealed class VoiceAgentBuilderTests
{
    private readonly FakeTimeProvider _time = new();

    private VoiceAgentBuilder Complete() => new VoiceAgentBuilder()
        .UseSpeechToText(new FakeSpeechToText(_time))
        .UseLanguageModel(new FakeLanguageModel(_time))
        .UseTextToSpeech(new FakeTextToSpeech(_time));

    [Test]
    public void A_missing_provider_names_the_call_that_adds_it()
    {
        Assert.That(() => new VoiceAgentBuilder().Build(), Throws.InvalidOperationException.With.Message.Contains("UseSpeechToText"));
        Assert.That(() => new VoiceAgentBuilder().UseSpeechToText(new FakeSpeechToText(_time)).Build(), Throws.InvalidOperationException.With.Message.Contains("UseLanguageModel"));
        Assert.That(() => new VoiceAgentBuilder().UseSpeechToText(new FakeSpeechToText(_time)).UseLanguageModel(new FakeLanguageModel(_time)).Build(),
            Throws.InvalidOperationException.With.Message.Contains("UseTextToSpeech"));
    }

    [Test]
    public void Invalid_options_say_what_to_fix()
    {
        Assert.That(() => Complete().WithInstructions(" ").Build(), Throws.ArgumentException.With.Message.Contains("Instructions"));
        Assert.That(() => Complete().Configure(o => o.MaxToolRoundsPerTurn = 0).Build(), Throws.ArgumentException.With.Message.Contains("MaxToolRoundsPerTurn"));
        Assert.That(() => Complete().Configure(o => o.Turns.ShortEndpointDelay = TimeSpan.FromSeconds(5)).Build(), Throws.ArgumentException.With.Message.Contains("TurnEngineOptions"));
    }

    [Test]
    public void Tool_names_must_be_unique_and_not_clash_with_built_in_tools()
    {
        var tool = AIFunctionFactory.Create(() => "ok", "end_call");
        Assert.That(() => Complete().WithTools(tool).Build(), Throws.ArgumentException.With.Message.Contains("end_call"));
    }

    [Test]
    public void Dependency_injection_builds_the_agent_from_registered_providers()
    {
        var services = new ServiceCollection();
        services.AddSingleton<ISpeechToText>(new FakeSpeechToText(_time));
        services.AddSingleton<ILanguageModel>(new FakeLanguageModel(_time));
        services.AddSingleton<ITextToSpeech>(new FakeTextToSpeech(_time));
        services.AddSingleton<TimeProvider>(_time);
        var builder = services.AddVoiceAgent(b => b.WithInstructions("You answer calls for Acme."));
        builder.WithGreeting("Acme, hello.");

        using var provider = services.BuildServiceProvider();
        var agent = provider.GetRequiredService<VoiceAgent>();

        Assert.That(agent.Options.Instructions, Is.EqualTo("You answer calls for Acme."));
        Assert.That(agent.Options.Greeting, Is.EqualTo("Acme, hello."));
        Assert.That(agent.TimeProvider, Is.SameAs(_time));
        Assert.That(provider.GetRequiredService<VoiceAgent>(), Is.SameAs(agent), "one agent serves every call");
    }

    [Test]
    public void Dependency_injection_reports_a_missing_provider_when_resolved()
    {
        var services = new ServiceCollection();
        services.AddVoiceAgent();
        using var provider = services.BuildServiceProvider();
        Assert.That(() => provider.GetRequiredService<VoiceAgent>(), Throws.InvalidOperationException.With.Message.Contains("register an ISpeechToText"));
    }
}
