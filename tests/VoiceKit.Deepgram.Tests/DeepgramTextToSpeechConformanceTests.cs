using VoiceKit.Audio;
using VoiceKit.Conformance;

namespace VoiceKit.Deepgram.Tests;

/// <summary>The text-to-speech port's conformance suite, run against the Aura /v1/speak stand-in with phone audio (mu-law 8 kHz).</summary>
[TestFixture]
public sealed class DeepgramTextToSpeechConformanceTests : DeepgramTextToSpeechConformanceBase;

/// <summary>The same suite with a wideband PCM16 call (linear16 at 16 kHz), where samples span two bytes.</summary>
[TestFixture]
public sealed class DeepgramTextToSpeechWidebandConformanceTests : DeepgramTextToSpeechConformanceBase
{
    protected override AudioFormat CallFormat => AudioFormat.Pcm16Khz;
}

/// <summary>Wires the conformance suite to <see cref="AuraStandIn"/>; the fixtures above pick the call format.</summary>
public abstract class DeepgramTextToSpeechConformanceBase : TextToSpeechConformanceTests
{
    private const string Key = "conformance-key";
#pragma warning disable NUnit1032 // Disposed in StopServerAsync, which the base class's [TearDown] calls.
    private AuraStandIn? _server;
#pragma warning restore NUnit1032

    protected override int OpenServerConnections => _server?.OpenConnections ?? 0;

    protected override ValueTask StartServerAsync()
    {
        _server = new AuraStandIn(Key);
        return ValueTask.CompletedTask;
    }

    protected override async ValueTask StopServerAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
            _server = null;
        }
    }

    protected override ITextToSpeech CreateSynthesizer(bool validCredentials = true) => new DeepgramTextToSpeechOptions
    {
        ApiKey = validCredentials ? Key : "not-a-valid-key-0000",
        Endpoint = Server.Endpoint,
    }.AsDeepgramTextToSpeech();

    protected override void DropConnectionAfter(int audioBytes) => Server.DropAfter(audioBytes);

    protected override void SendMalformedMessageNext() => Server.SendMalformedNext();

    protected override void DelayFirstAudio(TimeSpan delay) => Server.FirstAudioDelay = delay;

    private AuraStandIn Server => _server ?? throw new InvalidOperationException("The stand-in is started in SetUp.");
}
