using System.Net.WebSockets;
using System.Security.Authentication;
using System.Text.Json.Nodes;
using VoiceKit.Audio;

namespace VoiceKit.Deepgram.Tests;

[CancelAfter(10_000)]
public sealed class DeepgramSpeechToTextTests
{
    private const string Key = "dg-test-key-0123456789";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(3);

    private static DeepgramSpeechToTextOptions Options(DeepgramStandIn server) => new()
    {
        ApiKey = Key,
        Endpoint = server.Endpoint,
        KeepAliveInterval = TimeSpan.FromSeconds(9), // out of the way unless a test shortens it
    };

    private static async Task<List<TranscriptUpdate>> ReadAsync(ISpeechToTextStream stream, int count)
    {
        var updates = new List<TranscriptUpdate>();
        using var timeout = new CancellationTokenSource(Wait);
        await foreach (var update in stream.ReadUpdatesAsync(timeout.Token))
        {
            updates.Add(update);
            if (updates.Count == count)
            {
                break;
            }
        }

        return updates;
    }

    [Test]
    public async Task Connect_SendsExactQueryStringAndTokenAuthorizationHeader()
    {
        await using var server = new DeepgramStandIn();
        var options = Options(server);
        options.Keyterms.Add("VoiceKit");
        options.Keyterms.Add("Acme Parcels");
        var stt = options.AsDeepgramSpeechToText();

        await using (await stt.StartAsync(stt.SelectInputFormat(AudioFormat.Telephony)))
        {
            await server.Connected.WaitAsync(Wait);
        }

        Assert.Multiple(() =>
        {
            Assert.That(server.RawUrl, Is.EqualTo(
                "/v1/listen?model=nova-3&language=en-US&encoding=mulaw&sample_rate=8000&channels=1&interim_results=true"
                + "&endpointing=300&utterance_end_ms=1000&vad_events=true&smart_format=true&keyterm=VoiceKit&keyterm=Acme%20Parcels"));
            Assert.That(server.Headers["Authorization"], Is.EqualTo("Token " + Key));
        });
    }

    [Test]
    public void Query_MapsEncodingsAndDisabledFeatures()
    {
        var options = new DeepgramSpeechToTextOptions
        {
            ApiKey = Key,
            Endpoint = new Uri("wss://api.eu.deepgram.com/"),
            InterimResults = false,
            EndpointingMs = null,
            UtteranceEndMs = null,
            VadEvents = false,
            SmartFormat = false,
        };

        Assert.Multiple(() =>
        {
            Assert.That(DeepgramSpeechToText.BuildUri(options, AudioFormat.TelephonyALaw).AbsoluteUri, Is.EqualTo(
                "wss://api.eu.deepgram.com/v1/listen?model=nova-3&language=en-US&encoding=alaw&sample_rate=8000&channels=1"
                + "&interim_results=false&endpointing=false&vad_events=false&smart_format=false"));
            Assert.That(DeepgramSpeechToText.BuildUri(options, AudioFormat.Pcm16Khz).Query, Does.Contain("encoding=linear16&sample_rate=16000&channels=1"));
        });
    }

    [Test]
    public void SelectInputFormat_KeepsPhoneAndPcmMonoAudioAsIs()
    {
        var stt = new DeepgramSpeechToTextOptions { ApiKey = Key }.AsDeepgramSpeechToText();
        Assert.Multiple(() =>
        {
            Assert.That(stt.SelectInputFormat(AudioFormat.Telephony), Is.EqualTo(AudioFormat.Telephony));
            Assert.That(stt.SelectInputFormat(AudioFormat.TelephonyALaw), Is.EqualTo(AudioFormat.TelephonyALaw));
            Assert.That(stt.SelectInputFormat(AudioFormat.Pcm16Khz), Is.EqualTo(AudioFormat.Pcm16Khz));
            Assert.That(stt.SelectInputFormat(new AudioFormat(AudioEncoding.Pcm16, 48_000, 2)), Is.EqualTo(AudioFormat.Pcm48Khz));
        });
    }

    [Test]
    public void Validate_SaysHowToFixAMissingKeyWithoutEchoingAnything()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => new DeepgramSpeechToTextOptions { ApiKey = " " }.AsDeepgramSpeechToText());
        Assert.That(ex!.Message, Does.Contain("DEEPGRAM_API_KEY"));
        Assert.Throws<InvalidOperationException>(() => new DeepgramSpeechToTextOptions { ApiKey = Key, InterimResults = false }.Validate());
        Assert.Throws<InvalidOperationException>(() => new DeepgramSpeechToTextOptions { ApiKey = Key, Endpoint = new Uri("https://api.deepgram.com") }.Validate());
        Assert.Throws<InvalidOperationException>(() => new DeepgramSpeechToTextOptions { ApiKey = Key, KeepAliveInterval = TimeSpan.FromSeconds(12) }.Validate());
    }

    [Test]
    public async Task Audio_ArrivesUnchangedAsBinaryFrames_AndEmptyChunksAreNotSent()
    {
        await using var server = new DeepgramStandIn();
        var stt = Options(server).AsDeepgramSpeechToText();
        var chunks = Enumerable.Range(0, 3).Select(i => Enumerable.Range(0, 160).Select(b => (byte)(b * 7 + i)).ToArray()).ToArray();

        await using (var stream = await stt.StartAsync(AudioFormat.Telephony))
        {
            await stream.SendAudioAsync(chunks[0]);
            await stream.SendAudioAsync(ReadOnlyMemory<byte>.Empty);
            await stream.SendAudioAsync(chunks[1]);
            await stream.SendAudioAsync(chunks[2]);
            for (var i = 0; i < chunks.Length; i++)
            {
                var frame = await server.NextFrameAsync();
                Assert.That(frame.Type, Is.EqualTo(WebSocketMessageType.Binary));
                Assert.That(frame.Data, Is.EqualTo(chunks[i]));
            }
        }

        Assert.That(server.AllFrames.Where(f => f.Type == WebSocketMessageType.Binary).Select(f => f.Data.Length), Is.EqualTo(new[] { 160, 160, 160 }));
    }

    [Test]
    public async Task RecordedResults_MapToInterimFinalSpeechStartedAndUtteranceEnd()
    {
        var testing = Fixtures.Read("python-sdk_listen-v1_last-result_nova-3_testing.json");
        var preamble = Fixtures.Read("python-sdk_listen-v1_last-result_nova-3_preamble.json");
        var empty = Fixtures.Read("python-sdk_listen-v1_last-result_default-model_empty.json");

        // Derived from the recorded final: the same message as an interim that has not settled yet.
        var interim = JsonNode.Parse(testing)!;
        interim["is_final"] = false;
        interim["speech_final"] = false;
        interim["channel"]!["alternatives"]![0]!["transcript"] = "Testing. 123.";

        // A final that is not the end of speech (one turn can have several finals, only the last speech_final).
        var midTurnFinal = JsonNode.Parse(preamble)!;
        midTurnFinal["speech_final"] = false;

        await using var server = new DeepgramStandIn();
        var stt = Options(server).AsDeepgramSpeechToText();
        await using var stream = await stt.StartAsync(AudioFormat.Telephony);
        await server.SendTextAsync("""{"type":"SpeechStarted","channel":[0],"timestamp":0.5}"""); // protocols.md §1.4 example
        await server.SendTextAsync(interim.ToJsonString());
        await server.SendTextAsync(testing);
        await server.SendTextAsync("""{"type":"Metadata","transaction_key":"deprecated","request_id":"x","sha256":"e3b0c442","created":"2024-08-29T22:37:55.202Z","duration":0.0,"channels":0}""");
        await server.SendTextAsync("""{"type":"SomethingNew","channel":[0]}""");
        await server.SendTextAsync(midTurnFinal.ToJsonString());
        await server.SendTextAsync("""{"type":"UtteranceEnd","channel":[0,1],"last_word_end":2.08}"""); // protocols.md §1.4 example
        await server.SendTextAsync(empty);

        var updates = await ReadAsync(stream, 6);

        Assert.That(updates.Select(u => (u.Kind, u.Text, u.IsEndpoint)), Is.EqualTo(new[]
        {
            (TranscriptUpdateKind.SpeechStarted, "", false),
            (TranscriptUpdateKind.Interim, "Testing. 123.", false),
            (TranscriptUpdateKind.Final, "Testing. 123. Testing. 123.", true),
            (TranscriptUpdateKind.Final, "For the United States of America.", false),
            (TranscriptUpdateKind.UtteranceEnd, "", false),
            (TranscriptUpdateKind.Final, "", true),
        }));
        Assert.Multiple(() =>
        {
            Assert.That(updates[0].Start, Is.EqualTo(TimeSpan.FromSeconds(0.5)));
            Assert.That(updates[2].Start, Is.EqualTo(TimeSpan.FromSeconds(0.74)));
            Assert.That(updates[2].Duration, Is.EqualTo(TimeSpan.FromSeconds(3.08)));
            Assert.That(updates[2].Confidence, Is.EqualTo(0.987885).Within(1e-9));
        });
    }

    [Test]
    public async Task MalformedJson_BecomesAnErrorUpdate_AndTheStreamGoesOn()
    {
        await using var server = new DeepgramStandIn();
        var stt = Options(server).AsDeepgramSpeechToText();
        await using var stream = await stt.StartAsync(AudioFormat.Telephony);
        await server.SendTextAsync("""{"type":"Results","channel":{"alternatives":[{"transcript":"cut off""");
        await server.SendTextAsync("""{"type":"Results","is_final":"yes"}""");
        await server.SendTextAsync("""{"type":"Results","start":0.0,"duration":1.0,"is_final":true,"speech_final":true,"channel":{"alternatives":[{"transcript":"still here","confidence":0.9}]}}""");

        var updates = await ReadAsync(stream, 3);

        Assert.That(updates.Select(u => u.Kind), Is.EqualTo(new[] { TranscriptUpdateKind.Error, TranscriptUpdateKind.Error, TranscriptUpdateKind.Final }));
        Assert.Multiple(() =>
        {
            Assert.That(updates[0].RawRepresentation, Is.InstanceOf<Exception>());
            Assert.That(updates[2].Text, Is.EqualTo("still here"));
        });
    }

    [Test]
    public async Task Finalize_AndDispose_SendExactControlMessages_AndCloseCleanly()
    {
        await using var server = new DeepgramStandIn();
        var stt = Options(server).AsDeepgramSpeechToText();
        var stream = await stt.StartAsync(AudioFormat.Telephony);

        await stream.FinalizeAsync();
        var finalize = await server.NextFrameAsync();
        var started = DateTime.UtcNow;
        await stream.DisposeAsync();
        var disposeTime = DateTime.UtcNow - started;
        var closeStream = await server.NextFrameAsync();

        Assert.Multiple(() =>
        {
            Assert.That((finalize.Type, finalize.Text), Is.EqualTo((WebSocketMessageType.Text, """{"type":"Finalize"}""")));
            Assert.That((closeStream.Type, closeStream.Text), Is.EqualTo((WebSocketMessageType.Text, """{"type":"CloseStream"}""")));
            Assert.That(disposeTime, Is.LessThan(TimeSpan.FromSeconds(1)), "the server closed, so dispose should not wait for the timeout");
        });
        Assert.That(async () => await stream.FinalizeAsync(), Throws.InstanceOf<ObjectDisposedException>());
    }

    [Test]
    public async Task Dispose_AbortsWhenTheServerNeverCloses()
    {
        await using var server = new DeepgramStandIn(closeOnCloseStream: false);
        var stt = Options(server).AsDeepgramSpeechToText();
        var stream = (DeepgramSpeechToTextStream)await stt.StartAsync(AudioFormat.Telephony);
        stream.CloseTimeout = TimeSpan.FromMilliseconds(200);

        var started = DateTime.UtcNow;
        await stream.DisposeAsync().AsTask().WaitAsync(Wait);

        Assert.That(DateTime.UtcNow - started, Is.LessThan(TimeSpan.FromSeconds(2)));
        Assert.That((await server.NextFrameAsync()).Text, Is.EqualTo("""{"type":"CloseStream"}"""));
    }

    [Test]
    public async Task KeepAlive_IsSentAsTextDuringSilence()
    {
        await using var server = new DeepgramStandIn();
        var options = Options(server);
        options.KeepAliveInterval = TimeSpan.FromMilliseconds(150);
        var stt = options.AsDeepgramSpeechToText();
        await using var stream = await stt.StartAsync(AudioFormat.Telephony);

        await stream.SendAudioAsync(new byte[160]);
        while ((await server.NextFrameAsync()).Type != WebSocketMessageType.Binary)
        {
            // A KeepAlive may precede the audio on a slow machine; the silence after the audio is what counts.
        }

        var first = await server.NextFrameAsync(TimeSpan.FromSeconds(2));
        var second = await server.NextFrameAsync(TimeSpan.FromSeconds(2));

        Assert.Multiple(() =>
        {
            Assert.That((first.Type, first.Text), Is.EqualTo((WebSocketMessageType.Text, """{"type":"KeepAlive"}""")));
            Assert.That((second.Type, second.Text), Is.EqualTo((WebSocketMessageType.Text, """{"type":"KeepAlive"}""")));
        });
    }

    [Test]
    public async Task KeepAlive_HoldsASilentStreamOpenPastDeepgramsIdleTimeout()
    {
        await using var server = new DeepgramStandIn(connections: 5) { IdleTimeout = TimeSpan.FromMilliseconds(600) };
        var options = Options(server);
        options.KeepAliveInterval = TimeSpan.FromMilliseconds(200);
        await using var stream = (DeepgramSpeechToTextStream)await options.AsDeepgramSpeechToText().StartAsync(AudioFormat.Telephony);

        await Task.Delay(2000);

        Assert.That((server.IdleCloses, server.UpgradeRequests, stream.Reconnects), Is.EqualTo((0, 1, 0)), "no idle close, no reconnect");
    }

    [Test]
    public async Task Without_KeepAlive_DeepgramClosesTheIdleStream_AndTheAdapterReconnects()
    {
        await using var server = new DeepgramStandIn(connections: 5) { IdleTimeout = TimeSpan.FromMilliseconds(300) };
        await using var stream = (DeepgramSpeechToTextStream)await Options(server).AsDeepgramSpeechToText().StartAsync(AudioFormat.Telephony);

        var deadline = DateTime.UtcNow + Wait;
        while (stream.Reconnects == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.That(server.IdleCloses, Is.GreaterThanOrEqualTo(1), "the stand-in enforced the idle close");
        Assert.That(stream.Reconnects, Is.GreaterThanOrEqualTo(1), "a 1011 NET-0001 is a drop: the adapter reconnects");
    }

    [Test]
    public async Task KeepAlive_IsNotSentWhileAudioFlows()
    {
        await using var server = new DeepgramStandIn();
        var options = Options(server);
        options.KeepAliveInterval = TimeSpan.FromMilliseconds(300);
        var stt = options.AsDeepgramSpeechToText();
        await using (var stream = await stt.StartAsync(AudioFormat.Telephony))
        {
            for (var i = 0; i < 30; i++)
            {
                await stream.SendAudioAsync(new byte[160]);
                await Task.Delay(20);
            }

            await server.NextFrameAsync(); // at least one frame arrived before checking
        }

        Assert.That(server.AllFrames.Where(f => f.Type == WebSocketMessageType.Text).Select(f => f.Text), Is.EqualTo(new[] { """{"type":"CloseStream"}""" }));
    }

    [Test]
    public async Task Unauthorized_ThrowsAClearCredentialsErrorWithoutTheKey()
    {
        await using var server = new DeepgramStandIn(rejectWithStatus: 401);
        var stt = Options(server).AsDeepgramSpeechToText();

        var ex = Assert.ThrowsAsync<AuthenticationException>(async () => await stt.StartAsync(AudioFormat.Telephony));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Message, Does.Contain("credentials").And.Contain("401").And.Contain("DEEPGRAM_API_KEY"));
            Assert.That(ex.Message, Does.Not.Contain(Key));
            Assert.That(server.Headers["Authorization"], Is.EqualTo("Token " + Key));
        });
    }

    [Test]
    public async Task UnexpectedClose_EndsReadingWithAnErrorNamingTheCloseCode()
    {
        await using var server = new DeepgramStandIn();
        var stt = Options(server).AsDeepgramSpeechToText();
        await using var stream = await stt.StartAsync(AudioFormat.Telephony);
        var socket = await server.Connected.WaitAsync(Wait);
        await socket.CloseOutputAsync(WebSocketCloseStatus.InternalServerError, "NET-0001", CancellationToken.None);

        var ex = Assert.ThrowsAsync<VoiceProviderException>(async () => await ReadAsync(stream, 1));
        Assert.That(ex!.Message, Does.Contain("1011").And.Contain("NET-0001"));
        Assert.That((ex.Provider, ex.ErrorCode, ex.IsTransient), Is.EqualTo(("deepgram", "1011", true)));
    }
}
