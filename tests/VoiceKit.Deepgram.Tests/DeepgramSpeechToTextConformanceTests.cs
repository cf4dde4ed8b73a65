using VoiceKit.Conformance;

namespace VoiceKit.Deepgram.Tests;

/// <summary>The speech-to-text port's conformance suite, run against the Deepgram /v1/listen stand-in.</summary>
[TestFixture]
public sealed class DeepgramSpeechToTextConformanceTests : SpeechToTextConformanceTests
{
    private const string Key = "conformance-key";
#pragma warning disable NUnit1032 // Disposed in StopServerAsync, which the base class's [TearDown] calls.
    private DeepgramStandIn? _server;
#pragma warning restore NUnit1032
    private int _dropAfter;
    private bool _malformed;

    protected override int OpenServerConnections => _server?.OpenConnections ?? 0;

    protected override ValueTask StartServerAsync(ScriptedRecognizer recognizer)
    {
        _dropAfter = 0;
        _malformed = false;
        _server = null;
        Recognizer = recognizer;
        return ValueTask.CompletedTask;
    }

    protected override async ValueTask StopServerAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    protected override ISpeechToText CreateRecognizer(bool validCredentials = true)
    {
        // The stand-in starts lazily so that DropConnectionAfter and SendMalformedMessageNext, called before, configure it.
        _server ??= new DeepgramStandIn(connections: 100, dropAfterAudioBytes: _dropAfter, recognizer: Recognizer, apiKey: Key)
        {
            MalformedNext = _malformed,
        };
        return new DeepgramSpeechToTextOptions
        {
            ApiKey = validCredentials ? Key : "not-a-valid-key-0000",
            Endpoint = _server.Endpoint,
            KeepAliveInterval = TimeSpan.FromSeconds(1),
        }.AsDeepgramSpeechToText();
    }

    protected override void DropConnectionAfter(int audioBytes) => _dropAfter = audioBytes;

    protected override void SendMalformedMessageNext() => _malformed = true;

    private ScriptedRecognizer? Recognizer { get; set; }
}
