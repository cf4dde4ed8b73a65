using VoiceKit.Conformance;

namespace VoiceKit.OpenAI.Tests;

/// <summary>The text-to-speech port's conformance suite, run against the /v1/audio/speech stand-in.</summary>
[TestFixture]
public sealed class OpenAITextToSpeechConformanceTests : TextToSpeechConformanceTests
{
#pragma warning disable NUnit1032 // Disposed in StopServerAsync, which the base class's [TearDown] calls.
    private OpenAIStandIn? _server;
#pragma warning restore NUnit1032

    protected override int OpenServerConnections => _server?.OpenRequests ?? 0;

    protected override ValueTask StartServerAsync()
    {
        _server = new OpenAIStandIn();
        return ValueTask.CompletedTask;
    }

    protected override async ValueTask StopServerAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    protected override ITextToSpeech CreateSynthesizer(bool validCredentials = true) => new OpenAIVoiceOptions
    {
        ApiKey = validCredentials ? OpenAIStandIn.Key : "not-a-valid-key-0000",
        Endpoint = _server!.Endpoint,
    }.AsOpenAITextToSpeech();

    protected override void DropConnectionAfter(int audioBytes) => _server!.DropAfterAudioBytes = audioBytes;

    protected override void SendMalformedMessageNext() => _server!.MalformedNext = true;

    protected override void DelayFirstAudio(TimeSpan delay) => _server!.SpeechFirstByteDelay = delay;
}
