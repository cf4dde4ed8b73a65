using VoiceKit.Conformance;

namespace VoiceKit.ElevenLabs.Tests;

/// <summary>The text-to-speech port's conformance suite, run against the ElevenLabs stream-input stand-in, warm connection on.</summary>
[TestFixture]
public sealed class ElevenLabsTextToSpeechConformanceTests : TextToSpeechConformanceTests
{
    private const string Key = "conformance-key";
#pragma warning disable NUnit1032 // Disposed in StopServerAsync, which the base class's [TearDown] calls.
    private ElevenLabsStandIn? _server;
#pragma warning restore NUnit1032

    protected override int OpenServerConnections => _server?.OpenConnections ?? 0;

    protected override ValueTask StartServerAsync()
    {
        _server = new ElevenLabsStandIn(Key);
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

    protected override ITextToSpeech CreateSynthesizer(bool validCredentials = true) => new ElevenLabsTextToSpeechOptions
    {
        ApiKey = validCredentials ? Key : "not-a-valid-key-0000",
        Endpoint = _server!.Endpoint,
        KeepAliveInterval = TimeSpan.FromSeconds(1),
    }.AsElevenLabsTextToSpeech();

    protected override void DropConnectionAfter(int audioBytes) => _server!.DropAfterAudioBytes = audioBytes;

    protected override void SendMalformedMessageNext() => _server!.MalformedNext = true;

    protected override void DelayFirstAudio(TimeSpan delay) => _server!.FirstAudioDelay = delay;
}

/// <summary>The same suite for a 16 kHz PCM call (pcm_16000, two bytes a sample) with no warm connection.</summary>
[TestFixture]
public sealed class ElevenLabsPcmColdConformanceTests : TextToSpeechConformanceTests
{
    private const string Key = "conformance-key";
#pragma warning disable NUnit1032 // Disposed in StopServerAsync, which the base class's [TearDown] calls.
    private ElevenLabsStandIn? _server;
#pragma warning restore NUnit1032

    protected override Audio.AudioFormat CallFormat => Audio.AudioFormat.Pcm16Khz;

    protected override int OpenServerConnections => _server?.OpenConnections ?? 0;

    protected override ValueTask StartServerAsync()
    {
        _server = new ElevenLabsStandIn(Key) { DropByAbort = true };
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

    protected override ITextToSpeech CreateSynthesizer(bool validCredentials = true) => new ElevenLabsTextToSpeechOptions
    {
        ApiKey = validCredentials ? Key : "not-a-valid-key-0000",
        Endpoint = _server!.Endpoint,
        WarmConnection = false,
    }.AsElevenLabsTextToSpeech();

    protected override void DropConnectionAfter(int audioBytes) => _server!.DropAfterAudioBytes = audioBytes;

    protected override void SendMalformedMessageNext() => _server!.MalformedNext = true;

    protected override void DelayFirstAudio(TimeSpan delay) => _server!.FirstAudioDelay = delay;
}
