using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using System.Security.Authentication;
using VoiceKit.Audio;
using VoiceKit.Conformance;

namespace VoiceKit.Deepgram.Tests;

[CancelAfter(15_000)]
public sealed class DeepgramTextToSpeechTests
{
    private const string Key = "dg-tts-test-key-0123456789";
    private const string Flush = """{"type":"Flush"}""";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    private static DeepgramTextToSpeechOptions Options(AuraStandIn server, TimeProvider? time = null) => new()
    {
        ApiKey = Key,
        Endpoint = server.Endpoint,
        TimeProvider = time ?? TimeProvider.System,
    };

    private static Task<List<(byte[] Audio, int Segment)>> ReadAllAsync(ITextToSpeechStream stream) => Task.Run(async () =>
    {
        var chunks = new List<(byte[], int)>();
        using var timeout = new CancellationTokenSource(Wait);
        await foreach (var chunk in stream.ReadAudioAsync(timeout.Token))
        {
            chunks.Add((chunk.Audio.ToArray(), chunk.Segment));
        }

        return chunks;
    });

    private static string Spoken(IEnumerable<(byte[] Audio, int Segment)> chunks, AudioFormat format) =>
        ScriptedVoice.Read(chunks.SelectMany(c => c.Audio).ToArray(), format);

    private static async Task<List<(byte[] Audio, int Segment)>> SpeakAsync(ITextToSpeech tts, AudioFormat format, params string[] segments)
    {
        await using var stream = await tts.StartAsync(format);
        var reading = ReadAllAsync(stream);
        foreach (var segment in segments)
        {
            await stream.SendTextAsync(segment);
        }

        await stream.FlushAsync();
        return await reading.WaitAsync(Wait);
    }

    private static async Task EventuallyAsync(Func<bool> condition, string because)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("Timed out waiting: " + because);
            }

            await Task.Delay(10);
        }
    }

    [Test]
    public async Task Connect_SendsExactUrlAndTokenAuthorizationHeader()
    {
        await using var server = new AuraStandIn(Key);
        var options = Options(server);
        options.Model = "aura-2-andromeda-en";
        options.Speed = 1.25;
        var tts = (DeepgramTextToSpeech)options.AsDeepgramTextToSpeech();
        await using (tts)
        {
            await SpeakAsync(tts, AudioFormat.Telephony, "Hello.");
            await SpeakAsync(tts, AudioFormat.Pcm24Khz, "Hello.");
        }

        Assert.Multiple(() =>
        {
            Assert.That(server.RawUrls, Is.EqualTo(new[]
            {
                "/v1/speak?model=aura-2-andromeda-en&encoding=mulaw&sample_rate=8000&speed=1.25",
                "/v1/speak?model=aura-2-andromeda-en&encoding=linear16&sample_rate=24000&speed=1.25",
            }));
            Assert.That(server.Authorizations, Is.All.EqualTo("Token " + Key));
        });
    }

    [Test]
    public void Uri_HasNoSpeedByDefault_AndKeepsTheEndpointPath()
    {
        var options = new DeepgramTextToSpeechOptions { ApiKey = Key, Endpoint = new Uri("wss://api.eu.deepgram.com/") };
        var proxied = new DeepgramTextToSpeechOptions { ApiKey = Key, Endpoint = new Uri("wss://proxy.example.com/deepgram/"), Speed = 0.9 };
        Assert.Multiple(() =>
        {
            Assert.That(DeepgramTextToSpeech.BuildUri(options, AudioFormat.TelephonyALaw).AbsoluteUri,
                Is.EqualTo("wss://api.eu.deepgram.com/v1/speak?model=aura-2-thalia-en&encoding=alaw&sample_rate=8000"));
            Assert.That(DeepgramTextToSpeech.BuildUri(proxied, AudioFormat.Pcm16Khz).AbsoluteUri,
                Is.EqualTo("wss://proxy.example.com/deepgram/v1/speak?model=aura-2-thalia-en&encoding=linear16&sample_rate=16000&speed=0.9"));
        });
    }

    [Test]
    public void SelectOutputFormat_KeepsPhoneAudioAndAuraRates_ElsePcm24Khz()
    {
        var tts = new DeepgramTextToSpeechOptions { ApiKey = Key }.AsDeepgramTextToSpeech();
        Assert.Multiple(() =>
        {
            Assert.That(tts.SelectOutputFormat(AudioFormat.Telephony), Is.EqualTo(AudioFormat.Telephony));
            Assert.That(tts.SelectOutputFormat(AudioFormat.TelephonyALaw), Is.EqualTo(AudioFormat.TelephonyALaw));
            foreach (var rate in new[] { 8_000, 16_000, 24_000, 32_000, 48_000 })
            {
                Assert.That(tts.SelectOutputFormat(AudioFormat.Pcm16(rate)), Is.EqualTo(AudioFormat.Pcm16(rate)));
            }

            Assert.That(tts.SelectOutputFormat(new AudioFormat(AudioEncoding.Pcm16, 48_000, 2)), Is.EqualTo(AudioFormat.Pcm48Khz));
            Assert.That(tts.SelectOutputFormat(AudioFormat.Pcm16(44_100)), Is.EqualTo(AudioFormat.Pcm24Khz));
            Assert.That(tts.SelectOutputFormat(AudioFormat.Pcm16(22_050)), Is.EqualTo(AudioFormat.Pcm24Khz));
            Assert.That(tts.SelectOutputFormat(new AudioFormat(AudioEncoding.MuLaw, 16_000)), Is.EqualTo(AudioFormat.Pcm24Khz));
            Assert.Throws<ArgumentException>(() => tts.SelectOutputFormat(default));
            Assert.ThrowsAsync<ArgumentException>(async () => await tts.StartAsync(AudioFormat.Pcm16(22_050)));
            Assert.ThrowsAsync<ArgumentException>(async () => await tts.StartAsync(new AudioFormat(AudioEncoding.Pcm16, 16_000, 2)));
        });
    }

    [Test]
    public async Task EachSegment_IsSentAsExactSpeakThenFlushJson_AndNoFinalFlushIsNeeded()
    {
        await using var server = new AuraStandIn(Key);
        await using var tts = (DeepgramTextToSpeech)Options(server).AsDeepgramTextToSpeech();

        var chunks = await SpeakAsync(tts, AudioFormat.Telephony, "Let's see: \"quoted\" \\ and café. ", "Done.");

        Assert.Multiple(() =>
        {
            Assert.That(server.TextFrames(), Is.EqualTo(new[]
            {
                """{"type":"Speak","text":"Let's see: \"quoted\" \\ and café. "}""",
                Flush,
                """{"type":"Speak","text":"Done."}""",
                Flush,
            }));
            Assert.That(server.AllFrames.Where(f => f.Type == WebSocketMessageType.Binary), Is.Empty, "the adapter never sends binary frames");
            Assert.That(Spoken(chunks, AudioFormat.Telephony), Is.EqualTo("Let's see: \"quoted\" \\ and caf?. Done."));
        });
    }

    [Test]
    public async Task AudioIsTaggedWithTheSegmentWhoseFlushedItPrecedes_InWholeSamples()
    {
        await using var server = new AuraStandIn(Key) { OddSplits = true, FramesPerFlush = 4 };
        await using var tts = (DeepgramTextToSpeech)Options(server).AsDeepgramTextToSpeech();
        var format = AudioFormat.Pcm16Khz;

        var chunks = await SpeakAsync(tts, format, "One, ", "   ", "two, ", "three.");

        Assert.Multiple(() =>
        {
            Assert.That(chunks.Select(c => c.Segment).Distinct(), Is.EqualTo(new[] { 0, 2, 3 }), "the blank segment 1 is numbered but has no audio");
            Assert.That(ScriptedVoice.Read(chunks.Where(c => c.Segment == 0).SelectMany(c => c.Audio).ToArray(), format), Is.EqualTo("One, "));
            Assert.That(ScriptedVoice.Read(chunks.Where(c => c.Segment == 2).SelectMany(c => c.Audio).ToArray(), format), Is.EqualTo("two, "));
            Assert.That(ScriptedVoice.Read(chunks.Where(c => c.Segment == 3).SelectMany(c => c.Audio).ToArray(), format), Is.EqualTo("three."));
            Assert.That(chunks.Select(c => c.Audio.Length % 2), Is.All.Zero, "PCM16 chunks hold whole samples although the frames split samples");
            Assert.That(server.TextFrames().Count(f => f == Flush), Is.EqualTo(3));
        });
    }

    [Test]
    public async Task AStrayHalfSampleBeforeFlushed_IsDropped_AndDoesNotShiftTheNextSegmentOrReply()
    {
        await using var server = new AuraStandIn(Key);
        await using var tts = (DeepgramTextToSpeech)Options(server).AsDeepgramTextToSpeech();
        var format = AudioFormat.Pcm16Khz;
        server.AppendStrayByteNext();

        var chunks = await SpeakAsync(tts, format, "One, ", "two.");
        var next = await SpeakAsync(tts, format, "Three.");

        Assert.Multiple(() =>
        {
            Assert.That(ScriptedVoice.Read(chunks.Where(c => c.Segment == 0).SelectMany(c => c.Audio).ToArray(), format), Is.EqualTo("One, "));
            Assert.That(ScriptedVoice.Read(chunks.Where(c => c.Segment == 1).SelectMany(c => c.Audio).ToArray(), format), Is.EqualTo("two."), "sample-aligned after the stray byte");
            Assert.That(Spoken(next, format), Is.EqualTo("Three."), "the pooled socket's next reply is aligned too");
            Assert.That(server.AcceptedConnections, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task FlushBudget_LeavesTheFinalFlushSpare_AndTheFinalFlushSpeaksTheRest()
    {
        await using var server = new AuraStandIn(Key);
        await using var tts = (DeepgramTextToSpeech)Options(server).AsDeepgramTextToSpeech();
        var segments = Enumerable.Range(0, 25).Select(i => $"Part {(char)('a' + i)}. ").ToArray();

        var chunks = await SpeakAsync(tts, AudioFormat.Telephony, segments);

        var frames = server.TextFrames();
        Assert.Multiple(() =>
        {
            Assert.That(frames.Count(f => f == Flush), Is.EqualTo(20), "19 clause flushes and the final one: Deepgram's 20 per minute");
            Assert.That(frames.Take(38), Is.EqualTo(segments.Take(19).SelectMany(s => new[] { $$"""{"type":"Speak","text":"{{s}}"}""", Flush })));
            Assert.That(frames.Skip(38).Take(6).All(f => f.StartsWith("""{"type":"Speak",""", StringComparison.Ordinal)), "beyond the budget: Speak only");
            Assert.That(frames[^1], Is.EqualTo(Flush), "FlushAsync sends the final Flush");
            Assert.That(server.WarningsSent, Is.Zero, "Deepgram's limit is never exceeded");
            for (var s = 0; s < 19; s++)
            {
                Assert.That(ScriptedVoice.Read(chunks.Where(c => c.Segment == s).SelectMany(c => c.Audio).ToArray(), AudioFormat.Telephony), Is.EqualTo(segments[s]));
            }

            Assert.That(ScriptedVoice.Read(chunks.Where(c => c.Segment == 24).SelectMany(c => c.Audio).ToArray(), AudioFormat.Telephony),
                Is.EqualTo(string.Concat(segments.Skip(19))), "the final flush's audio is tagged with the last segment it speaks");
            Assert.That(chunks.Select(c => c.Segment).Distinct().Count(), Is.EqualTo(20));
        });
    }

    [Test]
    public async Task FlushBudget_IsPerSocketAndFreesUpAfterTheWindow()
    {
        var clock = new ManualClock();
        await using var server = new AuraStandIn(Key, clock);
        var options = Options(server, clock);
        options.MaxFlushesPerMinute = 3;
        await using var tts = (DeepgramTextToSpeech)options.AsDeepgramTextToSpeech();

        await SpeakAsync(tts, AudioFormat.Telephony, "A. ", "B. ", "C. ", "D.");
        var firstReply = server.TextFrames();
        Assert.That(firstReply.Count(f => f == Flush), Is.EqualTo(3), "two clause flushes, one kept for the final");

        // The socket's budget is spent: the next reply goes to a fresh socket (its own budget) rather than overrun it.
        await SpeakAsync(tts, AudioFormat.Telephony, "E. ", "F.");
        Assert.That(server.AcceptedConnections, Is.EqualTo(2));

        // A minute later both sockets have budget again: the idle one is reused and flushes every clause.
        clock.Advance(TimeSpan.FromSeconds(61));
        await SpeakAsync(tts, AudioFormat.Telephony, "G. ", "H.");
        Assert.Multiple(() =>
        {
            Assert.That(server.AcceptedConnections, Is.EqualTo(2), "no third handshake");
            Assert.That(server.TextFrames().Skip(firstReply.Length + 4), Is.EqualTo(new[]
            {
                """{"type":"Speak","text":"G. "}""", Flush, """{"type":"Speak","text":"H."}""", Flush,
            }));
            Assert.That(server.WarningsSent, Is.Zero);
        });
    }

    [Test]
    public async Task AWarning_IsCountedAndTheReplyCompletes()
    {
        await using var server = new AuraStandIn(Key);
        await using var tts = (DeepgramTextToSpeech)Options(server).AsDeepgramTextToSpeech();
        server.SendWarningNext();

        await using var stream = await tts.StartAsync(AudioFormat.Telephony);
        var reading = ReadAllAsync(stream);
        await stream.SendTextAsync("Still here.");
        await stream.FlushAsync();
        var chunks = await reading.WaitAsync(Wait);

        Assert.Multiple(() =>
        {
            Assert.That(Spoken(chunks, AudioFormat.Telephony), Is.EqualTo("Still here."));
            Assert.That(((DeepgramTextToSpeechStream)stream).Warnings, Is.EqualTo(1));
            Assert.That(((DeepgramTextToSpeechStream)stream).Connection.Warnings, Is.EqualTo(1));
            Assert.That(((DeepgramTextToSpeechStream)stream).Connection.RequestId, Is.Not.Null, "the Metadata message was read");
        });
    }

    [Test]
    public async Task BargeIn_ReturnsAtOnce_SendsClear_AndTheNextReplyReusesTheSocketWithoutAHandshake()
    {
        await using var server = new AuraStandIn(Key) { FrameDelay = TimeSpan.FromMilliseconds(15), FramesPerFlush = 8 };
        await using var tts = (DeepgramTextToSpeech)Options(server).AsDeepgramTextToSpeech();

        var first = await tts.StartAsync(AudioFormat.Telephony);
        for (var i = 0; i < 4; i++)
        {
            await first.SendTextAsync($"A long answer, part {i}, that nobody waits for. ");
        }

        await using (var audio = first.ReadAudioAsync().GetAsyncEnumerator())
        {
            Assert.That(await audio.MoveNextAsync().AsTask().WaitAsync(Wait), Is.True);
        }

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        await first.DisposeAsync();
        Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromMilliseconds(200)), "disposing does not wait for Cleared");

        await server.WaitForTextAsync("""{"type":"Clear"}""", Wait);
        await EventuallyAsync(() => tts.IdleConnections == 1, "the cleared socket returns to the pool");

        var chunks = await SpeakAsync(tts, AudioFormat.Telephony, "Go ahead.");
        Assert.Multiple(() =>
        {
            Assert.That(Spoken(chunks, AudioFormat.Telephony), Is.EqualTo("Go ahead."), "nothing of the abandoned reply");
            Assert.That(server.AcceptedConnections, Is.EqualTo(1), "the next reply skipped the handshake");
            Assert.That(server.RawUrls, Has.Count.EqualTo(1));
        });
    }

    [Test]
    public async Task ACompletedReply_ReturnsItsSocketToThePool_AndDisposeSendsCloseToIdleSockets()
    {
        await using var server = new AuraStandIn(Key);
        var tts = (DeepgramTextToSpeech)Options(server).AsDeepgramTextToSpeech();

        await SpeakAsync(tts, AudioFormat.Telephony, "One.");
        await SpeakAsync(tts, AudioFormat.Telephony, "Two.");
        Assert.That(tts.IdleConnections, Is.EqualTo(1));
        Assert.That(server.AcceptedConnections, Is.EqualTo(1));

        await tts.DisposeAsync();
        await tts.DisposeAsync(); // idempotent

        Assert.Multiple(() =>
        {
            Assert.That(server.TextFrames()[^1], Is.EqualTo("""{"type":"Close"}"""));
            Assert.That(tts.IdleConnections, Is.Zero);
            Assert.ThrowsAsync<ObjectDisposedException>(async () => await tts.StartAsync(AudioFormat.Telephony));
        });
        await EventuallyAsync(() => server.OpenConnections == 0, "the stand-in sees the socket closed");
    }

    [Test]
    public async Task AnIdleSocketTheServerClosed_IsNotReused()
    {
        await using var server = new AuraStandIn(Key);
        await using var tts = (DeepgramTextToSpeech)Options(server).AsDeepgramTextToSpeech();
        await SpeakAsync(tts, AudioFormat.Telephony, "One.");

        await server.CloseOpenConnectionsAsync();
        await EventuallyAsync(() => server.OpenConnections == 0, "the idle socket's close handshake completes");

        var chunks = await SpeakAsync(tts, AudioFormat.Telephony, "Two.");
        Assert.Multiple(() =>
        {
            Assert.That(Spoken(chunks, AudioFormat.Telephony), Is.EqualTo("Two."));
            Assert.That(server.AcceptedConnections, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task ASocketForAnotherFormat_IsNotReused()
    {
        await using var server = new AuraStandIn(Key);
        await using var tts = (DeepgramTextToSpeech)Options(server).AsDeepgramTextToSpeech();
        await SpeakAsync(tts, AudioFormat.Telephony, "One.");
        var chunks = await SpeakAsync(tts, AudioFormat.Pcm16Khz, "Two.");

        Assert.Multiple(() =>
        {
            Assert.That(ScriptedVoice.Read(chunks.SelectMany(c => c.Audio).ToArray(), AudioFormat.Pcm16Khz), Is.EqualTo("Two."));
            Assert.That(server.AcceptedConnections, Is.EqualTo(2));
            Assert.That(tts.IdleConnections, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task BadKey_FailsAtStartWithAuthenticationException_NamingTheOptionAndDgError()
    {
        await using var server = new AuraStandIn(Key);
        var options = Options(server);
        options.ApiKey = "wrong-key-abcdef";
        await using var tts = (DeepgramTextToSpeech)options.AsDeepgramTextToSpeech();

        var thrown = Assert.ThrowsAsync<AuthenticationException>(async () => await tts.StartAsync(AudioFormat.Telephony));
        Assert.Multiple(() =>
        {
            Assert.That(thrown!.Message, Does.Contain("HTTP 401").And.Contain("dg-error: Invalid credentials.").And.Contain("DEEPGRAM_API_KEY").And.Contain("DeepgramTextToSpeechOptions.ApiKey"));
            Assert.That(thrown.Message, Does.Not.Contain("wrong-key-abcdef"));
            Assert.That(server.Authorizations, Is.EqualTo(new[] { "Token wrong-key-abcdef" }));
        });
    }

    [Test]
    public async Task AServerErrorAtTheHandshake_IsATransientProviderErrorWithTheStatus()
    {
        await using var server = new AuraStandIn(Key) { RejectWithStatus = 503 };
        await using var tts = (DeepgramTextToSpeech)Options(server).AsDeepgramTextToSpeech();

        var thrown = Assert.ThrowsAsync<VoiceProviderException>(async () => await tts.StartAsync(AudioFormat.Telephony));
        Assert.Multiple(() =>
        {
            Assert.That(thrown!.ErrorCode, Is.EqualTo("503"));
            Assert.That(thrown.IsTransient, Is.True);
            Assert.That(thrown.Provider, Is.EqualTo("deepgram"));
            Assert.That(thrown.Message, Does.Contain("dg-error: Service unavailable."));
        });
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task ADropMidReply_FailsTheReplyWithATransientError_AndTheSocketIsNotReused(bool abort)
    {
        await using var server = new AuraStandIn(Key) { DropByAbort = abort };
        await using var tts = (DeepgramTextToSpeech)Options(server).AsDeepgramTextToSpeech();
        server.DropAfter(ScriptedVoice.LengthOf("Hello", AudioFormat.Telephony));

        await using (var stream = await tts.StartAsync(AudioFormat.Telephony))
        {
            var received = new List<byte>();
            var reading = Task.Run(async () =>
            {
                await foreach (var chunk in stream.ReadAudioAsync())
                {
                    received.AddRange(chunk.Audio.ToArray());
                }
            });
            await stream.SendTextAsync("Hello there.");
            var thrown = Assert.ThrowsAsync<VoiceProviderException>(async () => await reading.WaitAsync(Wait));
            Assert.Multiple(() =>
            {
                Assert.That(thrown!.IsTransient, Is.True);
                Assert.That(thrown.ErrorCode, abort ? Is.Null : Is.EqualTo("1011"));
                Assert.That(ScriptedVoice.Read(received.ToArray(), AudioFormat.Telephony), Is.EqualTo("Hello"), "the audio before the drop is delivered first");
            });
            Assert.ThrowsAsync<VoiceProviderException>(async () => await stream.SendTextAsync("More."), "sending on a dropped reply fails");
        }

        Assert.That(tts.IdleConnections, Is.Zero);
        var chunks = await SpeakAsync(tts, AudioFormat.Telephony, "Again.");
        Assert.Multiple(() =>
        {
            Assert.That(Spoken(chunks, AudioFormat.Telephony), Is.EqualTo("Again."));
            Assert.That(server.AcceptedConnections, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task ACloseWithAnErrorCode_IsAProviderErrorCarryingTheCodeAndReason()
    {
        await using var server = new AuraStandIn(Key) { DropCloseStatus = WebSocketCloseStatus.PolicyViolation, DropCloseReason = "stand-in policy" };
        await using var tts = (DeepgramTextToSpeech)Options(server).AsDeepgramTextToSpeech();
        server.DropAfter(1);

        await using var stream = await tts.StartAsync(AudioFormat.Telephony);
        var reading = ReadAllAsync(stream);
        await stream.SendTextAsync("Hello.");
        var thrown = Assert.ThrowsAsync<VoiceProviderException>(async () => await reading.WaitAsync(Wait));
        Assert.Multiple(() =>
        {
            Assert.That(thrown!.ErrorCode, Is.EqualTo("1008"));
            Assert.That(thrown.IsTransient, Is.False, "a policy violation is not worth retrying");
            Assert.That(thrown.Message, Does.Contain("1008 stand-in policy"));
        });
    }

    [Test]
    public async Task AFlushedThatNeverComes_FailsTheReplyWithATransientError_AndTheSocketIsNotReused()
    {
        await using var server = new AuraStandIn(Key);
        var options = Options(server);
        options.SilenceTimeout = TimeSpan.FromMilliseconds(300);
        await using var tts = (DeepgramTextToSpeech)options.AsDeepgramTextToSpeech();
        server.IgnoreNextFlush();

        await using (var stream = await tts.StartAsync(AudioFormat.Telephony))
        {
            var reading = ReadAllAsync(stream);
            await stream.SendTextAsync("Hello.");
            await stream.FlushAsync();
            var thrown = Assert.ThrowsAsync<VoiceProviderException>(async () => await reading.WaitAsync(Wait));
            Assert.Multiple(() =>
            {
                Assert.That(thrown!.IsTransient, Is.True);
                Assert.That(thrown.Provider, Is.EqualTo("deepgram"));
            });
        }

        var chunks = await SpeakAsync(tts, AudioFormat.Telephony, "Again.");
        Assert.Multiple(() =>
        {
            Assert.That(Spoken(chunks, AudioFormat.Telephony), Is.EqualTo("Again."));
            Assert.That(server.AcceptedConnections, Is.EqualTo(2), "the abandoned socket was not pooled");
        });
    }

    [Test]
    public async Task AReaderSlowerThanTheSilenceTimeout_IsNotMistakenForASilentServer()
    {
        // More frames than the stream buffers: the receive loop waits on the reader, which pauses longer than the timeout.
        await using var server = new AuraStandIn(Key) { FramesPerFlush = 150 };
        var options = Options(server);
        options.SilenceTimeout = TimeSpan.FromMilliseconds(200);
        await using var tts = (DeepgramTextToSpeech)options.AsDeepgramTextToSpeech();
        var format = AudioFormat.Pcm16Khz;

        await using var stream = await tts.StartAsync(format);
        await stream.SendTextAsync("A fairly long sentence, read slowly.");
        await stream.FlushAsync();
        var received = new List<byte>();
        var first = true;
        await foreach (var chunk in stream.ReadAudioAsync().WithCancellation(new CancellationTokenSource(Wait).Token))
        {
            received.AddRange(chunk.Audio.ToArray());
            if (first)
            {
                first = false;
                await Task.Delay(TimeSpan.FromMilliseconds(700)); // the slow reader being modelled, not an assertion
            }
        }

        Assert.That(ScriptedVoice.Read(received.ToArray(), format), Is.EqualTo("A fairly long sentence, read slowly."));
    }

    [Test]
    public async Task AMalformedTextFrame_FailsTheReply_AndTheSocketIsNotReused()
    {
        await using var server = new AuraStandIn(Key);
        await using var tts = (DeepgramTextToSpeech)Options(server).AsDeepgramTextToSpeech();
        server.SendMalformedNext();

        await using (var stream = await tts.StartAsync(AudioFormat.Telephony))
        {
            var reading = ReadAllAsync(stream);
            await stream.SendTextAsync("Hello.");
            var thrown = Assert.ThrowsAsync<VoiceProviderException>(async () => await reading.WaitAsync(Wait));
            Assert.That(thrown!.InnerException, Is.InstanceOf<System.Text.Json.JsonException>());
        }

        await SpeakAsync(tts, AudioFormat.Telephony, "Again.");
        Assert.That(server.AcceptedConnections, Is.EqualTo(2));
    }

    [Test]
    public async Task FlushAsync_IsIdempotent_SendingAfterItThrows_AndAnEmptyReplyEndsAtOnce()
    {
        await using var server = new AuraStandIn(Key);
        await using var tts = (DeepgramTextToSpeech)Options(server).AsDeepgramTextToSpeech();

        await using var stream = await tts.StartAsync(AudioFormat.Telephony);
        await stream.FlushAsync();
        await stream.FlushAsync();
        var chunks = await ReadAllAsync(stream).WaitAsync(Wait);

        Assert.Multiple(() =>
        {
            Assert.That(chunks, Is.Empty);
            Assert.That(server.TextFrames(), Is.Empty, "nothing to flush: no Flush sent");
            Assert.ThrowsAsync<InvalidOperationException>(async () => await stream.SendTextAsync("Late."));
        });
    }

    [Test]
    public async Task Metrics_RecordConnectAndTimeToFirstByteForDeepgramTts()
    {
        var recorded = new List<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "VoiceKit.Deepgram" && instrument.Name.StartsWith("voicekit.provider.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            var provider = tags.ToArray().FirstOrDefault(t => t.Key == "voicekit.provider").Value as string;
            var port = tags.ToArray().FirstOrDefault(t => t.Key == "voicekit.port").Value as string;
            if (provider == "deepgram" && port == "tts" && value >= 0)
            {
                lock (recorded)
                {
                    recorded.Add(instrument.Name);
                }
            }
        });
        listener.Start();

        await using var server = new AuraStandIn(Key);
        await using var tts = (DeepgramTextToSpeech)Options(server).AsDeepgramTextToSpeech();
        await SpeakAsync(tts, AudioFormat.Telephony, "Hello.");

        lock (recorded)
        {
            Assert.That(recorded, Is.EquivalentTo(new[] { "voicekit.provider.connect.duration", "voicekit.provider.time_to_first_result" }));
        }
    }

    [Test]
    public void Validate_SaysWhatToFix()
    {
        Assert.Multiple(() =>
        {
            var missing = Assert.Throws<InvalidOperationException>(() => new DeepgramTextToSpeechOptions { ApiKey = " " }.AsDeepgramTextToSpeech());
            Assert.That(missing!.Message, Does.Contain("DEEPGRAM_API_KEY"));
            Assert.Throws<InvalidOperationException>(() => new DeepgramTextToSpeechOptions { ApiKey = Key, Endpoint = new Uri("https://api.deepgram.com") }.Validate());
            Assert.Throws<InvalidOperationException>(() => new DeepgramTextToSpeechOptions { ApiKey = Key, Model = "" }.Validate());
            Assert.Throws<InvalidOperationException>(() => new DeepgramTextToSpeechOptions { ApiKey = Key, Speed = 0 }.Validate());
            Assert.Throws<InvalidOperationException>(() => new DeepgramTextToSpeechOptions { ApiKey = Key, Speed = double.NaN }.Validate());
            Assert.Throws<InvalidOperationException>(() => new DeepgramTextToSpeechOptions { ApiKey = Key, MaxFlushesPerMinute = 0 }.Validate());
            Assert.Throws<InvalidOperationException>(() => new DeepgramTextToSpeechOptions { ApiKey = Key, TimeProvider = null! }.Validate());
            Assert.DoesNotThrow(() => new DeepgramTextToSpeechOptions { ApiKey = Key, Speed = 1.2 }.Validate());
        });
    }

    [Test]
    public void Options_HavePhoneCallDefaults_AndAreCopied()
    {
        var options = new DeepgramTextToSpeechOptions { ApiKey = Key };
        Assert.Multiple(() =>
        {
            Assert.That(options.Endpoint, Is.EqualTo(new Uri("wss://api.deepgram.com")));
            Assert.That(options.Model, Is.EqualTo("aura-2-thalia-en"));
            Assert.That(options.Speed, Is.Null);
            Assert.That(options.MaxFlushesPerMinute, Is.EqualTo(20));
            Assert.That(options.TimeProvider, Is.SameAs(TimeProvider.System));
        });

        var tts = (DeepgramTextToSpeech)options.AsDeepgramTextToSpeech();
        options.Model = "aura-2-changed-en";
        Assert.That(tts.Options.Model, Is.EqualTo("aura-2-thalia-en"));
    }

    /// <summary>A clock whose timestamps move only when told; its timers are real, so timeouts still fire.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private long _ticks = TimeSpan.FromHours(1).Ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Read(ref _ticks);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }
}
