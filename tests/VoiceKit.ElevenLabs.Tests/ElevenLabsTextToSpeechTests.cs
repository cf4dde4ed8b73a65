using System.Net.WebSockets;
using System.Security.Authentication;
using System.Text;
using System.Text.Json.Nodes;
using VoiceKit.Audio;
using VoiceKit.Conformance;

namespace VoiceKit.ElevenLabs.Tests;

[CancelAfter(15_000)]
public sealed class ElevenLabsTextToSpeechTests
{
    private const string Key = "el-test-key-0123456789";
    private const string KeepAlive = """{"text":" "}""";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    private static ElevenLabsTextToSpeechOptions Options(ElevenLabsStandIn server, bool warm = false) => new()
    {
        ApiKey = Key,
        Endpoint = server.Endpoint,
        VoiceId = "voice-123",
        WarmConnection = warm,
    };

    private static async Task<List<(byte[] Audio, int Segment)>> ReadAllAsync(ITextToSpeechStream stream)
    {
        var chunks = new List<(byte[], int)>();
        await foreach (var chunk in stream.ReadAudioAsync().WithCancellation(new CancellationTokenSource(Wait).Token))
        {
            chunks.Add((chunk.Audio.ToArray(), chunk.Segment));
        }

        return chunks;
    }

    private static string Spoken(IEnumerable<(byte[] Audio, int Segment)> chunks, AudioFormat format) =>
        ScriptedVoice.Read([.. chunks.SelectMany(c => c.Audio)], format);

    [Test]
    public async Task Connect_SendsTheExactPathQueryAndApiKeyHeader()
    {
        await using var server = new ElevenLabsStandIn(Key);
        var tts = Options(server).AsElevenLabsTextToSpeech();
        await using (await tts.StartAsync(tts.SelectOutputFormat(AudioFormat.Telephony)))
        {
        }

        var options = Options(server);
        options.ModelId = "eleven_turbo_v2_5";
        options.LanguageCode = "de";
        options.InactivityTimeout = TimeSpan.FromSeconds(60);
        var german = options.AsElevenLabsTextToSpeech();
        await using (await german.StartAsync(german.SelectOutputFormat(AudioFormat.TelephonyALaw)))
        {
        }

        var upgrades = server.Upgrades.ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(upgrades.Select(u => u.RawUrl), Is.EqualTo(new[]
            {
                "/v1/text-to-speech/voice-123/stream-input?model_id=eleven_flash_v2_5&output_format=ulaw_8000&inactivity_timeout=20",
                "/v1/text-to-speech/voice-123/stream-input?model_id=eleven_turbo_v2_5&output_format=alaw_8000&inactivity_timeout=60&language_code=de",
            }));
            Assert.That(upgrades.Select(u => u.Headers["xi-api-key"]), Is.All.EqualTo(Key));
        });
    }

    [Test]
    public async Task Frames_AreTheExactInitTextAndEndOfInputJson()
    {
        await using var server = new ElevenLabsStandIn(Key);
        var options = Options(server);
        options.Stability = 0.4;
        options.Speed = 1.1;
        var tts = options.AsElevenLabsTextToSpeech();
        await using var stream = await tts.StartAsync(AudioFormat.Telephony);
        var reading = ReadAllAsync(stream);
        await stream.SendTextAsync("Hello there. ");
        await stream.SendTextAsync("It's \"café\" time");
        await stream.SendTextAsync("  \n");
        await stream.SendTextAsync("Bye.\n");
        await stream.FlushAsync();
        await reading;

        Assert.That(server.FramesOf(0), Is.EqualTo(new[]
        {
            """{"text":" ","voice_settings":{"stability":0.4,"similarity_boost":0.75,"style":0,"use_speaker_boost":true,"speed":1.1},"generation_config":{"chunk_length_schedule":[50,120,160,250]}}""",
            """{"text":"Hello there. ","flush":true}""",
            """{"text":"It's \"café\" time "}""",
            """{"text":"Bye. "}""",
            """{"text":""}""",
        }));
    }

    [Test]
    public async Task Reply_EndsOnIsFinal_AndSpeaksEverySegmentInTheRequestedPcmFormat()
    {
        await using var server = new ElevenLabsStandIn(Key);
        var tts = Options(server).AsElevenLabsTextToSpeech();
        var format = tts.SelectOutputFormat(AudioFormat.Pcm16(22_050));
        Assert.That(format, Is.EqualTo(AudioFormat.Pcm16(22_050)));
        await using var stream = await tts.StartAsync(format);
        var reading = ReadAllAsync(stream);
        await stream.SendTextAsync("One. ");
        await stream.SendTextAsync("Two three.");
        await stream.FlushAsync();
        var chunks = await reading;

        Assert.That(Spoken(chunks, format), Is.EqualTo("One. Two three. "));
        Assert.That(server.Upgrades.Single().RawUrl, Does.Contain("output_format=pcm_22050"));
        Assert.That(async () => await stream.SendTextAsync("More."), Throws.InvalidOperationException, "the reply's text ended with FlushAsync");
    }

    [Test]
    public void SelectOutputFormat_PassesPhoneAudioThroughAndFallsBackTo24kPcm()
    {
        var tts = new ElevenLabsTextToSpeechOptions { ApiKey = Key, WarmConnection = false }.AsElevenLabsTextToSpeech();
        Assert.Multiple(() =>
        {
            Assert.That(tts.SelectOutputFormat(AudioFormat.Telephony), Is.EqualTo(AudioFormat.Telephony));
            Assert.That(tts.SelectOutputFormat(AudioFormat.TelephonyALaw), Is.EqualTo(AudioFormat.TelephonyALaw));
            foreach (var rate in new[] { 8_000, 16_000, 22_050, 24_000, 44_100 })
            {
                Assert.That(tts.SelectOutputFormat(AudioFormat.Pcm16(rate)), Is.EqualTo(AudioFormat.Pcm16(rate)));
                Assert.That(ElevenLabsTextToSpeech.OutputFormatName(AudioFormat.Pcm16(rate)), Is.EqualTo($"pcm_{rate}"));
            }

            Assert.That(tts.SelectOutputFormat(AudioFormat.Pcm48Khz), Is.EqualTo(AudioFormat.Pcm24Khz));
            Assert.That(tts.SelectOutputFormat(new AudioFormat(AudioEncoding.MuLaw, 16_000)), Is.EqualTo(AudioFormat.Pcm24Khz));
            Assert.That(tts.SelectOutputFormat(new AudioFormat(AudioEncoding.Pcm16, 16_000, 2)), Is.EqualTo(AudioFormat.Pcm16Khz));
            Assert.That(ElevenLabsTextToSpeech.OutputFormatName(AudioFormat.Telephony), Is.EqualTo("ulaw_8000"));
            Assert.That(ElevenLabsTextToSpeech.OutputFormatName(AudioFormat.TelephonyALaw), Is.EqualTo("alaw_8000"));
            Assert.That(async () => await tts.StartAsync(AudioFormat.Pcm48Khz), Throws.ArgumentException);
        });
    }

    [Test]
    public async Task Alignment_SplitsAMessageThatSpansSegmentsAtTheNextSegmentsFirstCharacter()
    {
        // One audio message for everything after the first segment, so the adapter must cut it by alignment.
        await using var server = new ElevenLabsStandIn(Key) { CharactersPerAudioMessage = 1000 };
        var format = AudioFormat.Pcm16Khz;
        var tts = Options(server).AsElevenLabsTextToSpeech();
        await using var stream = await tts.StartAsync(format);
        var reading = ReadAllAsync(stream);
        await stream.SendTextAsync("Hi. ");
        await stream.SendTextAsync(" ");
        await stream.SendTextAsync("One two. ");
        await stream.SendTextAsync("Three, four.");
        await stream.FlushAsync();
        var chunks = await reading;

        Assert.That(server.AudioMessages, Is.EqualTo(2), "\"Hi. \" is flushed at once; the rest waits for the end of input");
        Assert.That(chunks.Select(c => c.Segment), Is.EqualTo(new[] { 0, 2, 3 }), "the whitespace-only segment 1 has no audio");
        Assert.Multiple(() =>
        {
            Assert.That(Spoken(chunks.Where(c => c.Segment == 0), format), Is.EqualTo("Hi. "));
            Assert.That(Spoken(chunks.Where(c => c.Segment == 2), format), Is.EqualTo("One two. "));
            Assert.That(Spoken(chunks.Where(c => c.Segment == 3), format), Is.EqualTo("Three, four. "));
        });
    }

    [Test]
    public async Task Alignment_Null_ReportsUnknownSegments()
    {
        await using var server = new ElevenLabsStandIn(Key) { SendAlignment = false };
        var tts = Options(server).AsElevenLabsTextToSpeech();
        await using var stream = await tts.StartAsync(AudioFormat.Telephony);
        var reading = ReadAllAsync(stream);
        await stream.SendTextAsync("Hello. ");
        await stream.SendTextAsync("Goodbye.");
        await stream.FlushAsync();
        var chunks = await reading;

        Assert.That(chunks.Select(c => c.Segment), Is.All.EqualTo(-1));
        Assert.That(Spoken(chunks, AudioFormat.Telephony), Is.EqualTo("Hello. Goodbye. "));
    }

    [Test]
    public async Task Alignment_MissingOnOneMessage_LaterAudioIsNotCreditedToEarlierSegments()
    {
        // "Hi. " comes without alignment, so its three characters are never counted; counting on from there would credit
        // "Bye" to segment 0.
        await using var server = new ElevenLabsStandIn(Key) { CharactersPerAudioMessage = 4, OmitAlignmentOnMessage = 0 };
        var tts = Options(server).AsElevenLabsTextToSpeech();
        await using var stream = await tts.StartAsync(AudioFormat.Telephony);
        var reading = ReadAllAsync(stream);
        await stream.SendTextAsync("Hi. ");
        await stream.SendTextAsync("Bye now.");
        await stream.FlushAsync();
        var chunks = await reading;

        Assert.Multiple(() =>
        {
            Assert.That(Spoken(chunks, AudioFormat.Telephony), Is.EqualTo("Hi. Bye now. "));
            Assert.That(chunks.Where(c => c.Segment == 0), Is.Empty, "segment 0's audio had no alignment, and no later audio is segment 0's");
            Assert.That(chunks.Select(c => c.Segment), Is.All.EqualTo(-1), "once a message's characters are unknown, so are the segments after it");
        });
    }

    [Test]
    public async Task Alignment_AMessageSpanningThreeSegments_IsCutAtEachSegmentsFirstCharacter_InPcm16()
    {
        await using var server = new ElevenLabsStandIn(Key) { CharactersPerAudioMessage = 1000 };
        var format = AudioFormat.Pcm16(22_050); // 176.4 samples a character: cuts must land on whole samples
        var tts = Options(server).AsElevenLabsTextToSpeech();
        await using var stream = await tts.StartAsync(format);
        var reading = ReadAllAsync(stream);
        await stream.SendTextAsync("Ok. ");
        await stream.SendTextAsync("A b. ");
        await stream.SendTextAsync("C. ");
        await stream.SendTextAsync("Dee.");
        await stream.FlushAsync();
        var chunks = await reading;

        Assert.That(chunks.Select(c => c.Segment), Is.EqualTo(new[] { 0, 1, 2, 3 }));
        Assert.Multiple(() =>
        {
            Assert.That(chunks.Select(c => c.Audio.Length % 2), Is.All.Zero, "whole PCM16 samples");
            Assert.That(Spoken(chunks.Where(c => c.Segment == 1), format), Is.EqualTo("A b. "));
            Assert.That(Spoken(chunks.Where(c => c.Segment == 2), format), Is.EqualTo("C. "));
            Assert.That(Spoken(chunks.Where(c => c.Segment == 3), format), Is.EqualTo("Dee. "));
        });
    }

    [Test]
    public async Task KeepAlive_IsSentDuringAPauseInTheText_AndKeepsTheSocketOpenPastTheTimeout()
    {
        await using var server = new ElevenLabsStandIn(Key) { InactivityTimeout = TimeSpan.FromMilliseconds(600) };
        var options = Options(server);
        options.InactivityTimeout = TimeSpan.FromSeconds(1);
        options.KeepAliveInterval = TimeSpan.FromMilliseconds(80);
        var tts = options.AsElevenLabsTextToSpeech();
        await using var stream = await tts.StartAsync(AudioFormat.Telephony);
        var reading = ReadAllAsync(stream);
        await stream.SendTextAsync("Let me look that up. ");

        // The language model "thinks" (a tool call) for longer than the server's timeout: keepalives bridge the gap.
        await ElevenLabsStandIn.WaitUntilAsync(() => server.FramesOf(0).SkipWhile(f => !f.Contains("look", StringComparison.Ordinal)).Count(f => f == KeepAlive) >= 9);
        await stream.SendTextAsync("Found it.");
        await stream.FlushAsync();
        var chunks = await reading;

        // The stand-in speaks the keepalives' spaces too (as buffered text), so compare words.
        Assert.That(ScriptedSpeech.Normalize(Spoken(chunks, AudioFormat.Telephony)), Is.EqualTo("let me look that up found it"));
        Assert.That(server.FramesOf(0)[^1], Is.EqualTo("""{"text":""}"""), "no keepalive after the end of input");
    }

    [Test]
    public async Task InactivityTimeout_FailsTheReplyWithTheServersErrorCode()
    {
        await using var server = new ElevenLabsStandIn(Key) { InactivityTimeout = TimeSpan.FromMilliseconds(200) };
        var tts = Options(server).AsElevenLabsTextToSpeech();
        await using var stream = await tts.StartAsync(AudioFormat.Telephony);
        var reading = ReadAllAsync(stream);
        await stream.SendTextAsync("Hold on. ");

        var thrown = Assert.ThrowsAsync<VoiceProviderException>(async () => await reading);
        Assert.Multiple(() =>
        {
            Assert.That(thrown!.ErrorCode, Is.EqualTo("input_timeout_exceeded"));
            Assert.That(thrown.Provider, Is.EqualTo("elevenlabs"));
            Assert.That(thrown.IsTransient, Is.False);
            Assert.That(thrown.Message, Does.Contain("Have not received a new text input"));
        });
    }

    [Test]
    public async Task DroppedConnection_WithoutACloseFrame_IsATransientProviderError()
    {
        await using var server = new ElevenLabsStandIn(Key) { DropByAbort = true, DropAfterAudioBytes = 1 };
        var tts = Options(server).AsElevenLabsTextToSpeech();
        await using var stream = await tts.StartAsync(AudioFormat.Telephony);
        var reading = ReadAllAsync(stream);
        await stream.SendTextAsync("Hello there. ");

        var thrown = Assert.ThrowsAsync<VoiceProviderException>(async () => await reading);
        Assert.That(thrown!.IsTransient, Is.True);
        Assert.That(async () => await stream.SendTextAsync("Anyone?"), Throws.InstanceOf<VoiceProviderException>().With.Property(nameof(VoiceProviderException.IsTransient)).True);
    }

    [Test]
    public async Task WarmConnection_TheNextReplyUsesTheSocketOpenedAheadOfIt()
    {
        await using var server = new ElevenLabsStandIn(Key);
        var tts = Options(server, warm: true).AsElevenLabsTextToSpeech();
        var warmable = (ElevenLabsTextToSpeech)tts;
        try
        {
            var format = tts.SelectOutputFormat(AudioFormat.Telephony); // the call starts: a socket is warmed for its first reply
            await ElevenLabsStandIn.WaitUntilAsync(() => warmable.HasWarmConnection);
            Assert.That(server.AcceptedConnections, Is.EqualTo(1));
            Assert.That(server.FramesOf(0), Has.Length.EqualTo(1).And.Some.StartsWith("""{"text":" ","voice_settings":"""), "initialised when opened");

            await using (var first = await tts.StartAsync(format))
            {
                var reading = ReadAllAsync(first);
                await first.SendTextAsync("First reply.");
                await first.FlushAsync();
                Assert.That(Spoken(await reading, format), Is.EqualTo("First reply. "));
            }

            await ElevenLabsStandIn.WaitUntilAsync(() => warmable.HasWarmConnection);
            var acceptedBefore = server.AcceptedConnections;
            await using (var second = await tts.StartAsync(format))
            {
                var reading = ReadAllAsync(second);
                await second.SendTextAsync("Second reply.");
                await second.FlushAsync();
                Assert.That(Spoken(await reading, format), Is.EqualTo("Second reply. "));
            }

            Assert.Multiple(() =>
            {
                Assert.That(acceptedBefore, Is.EqualTo(2), "one warm socket per reply, opened ahead of it");
                Assert.That(server.FramesOf(0), Does.Contain("""{"text":"First reply. ","flush":true}"""));
                Assert.That(server.FramesOf(1), Does.Contain("""{"text":"Second reply. ","flush":true}"""), "the second reply went over the socket warmed while the first spoke");
                Assert.That(server.FramesOf(1).Count(f => f.Contains("voice_settings", StringComparison.Ordinal)), Is.EqualTo(1));
            });
        }
        finally
        {
            await ((IAsyncDisposable)tts).DisposeAsync();
        }

        await ElevenLabsStandIn.WaitUntilAsync(() => server.OpenConnections == 0);
    }

    [Test]
    public async Task WarmConnection_IsKeptAliveWhileIdle()
    {
        await using var server = new ElevenLabsStandIn(Key) { InactivityTimeout = TimeSpan.FromMilliseconds(500) };
        var options = Options(server, warm: true);
        options.InactivityTimeout = TimeSpan.FromSeconds(1);
        options.KeepAliveInterval = TimeSpan.FromMilliseconds(60);
        var tts = options.AsElevenLabsTextToSpeech();
        try
        {
            var format = tts.SelectOutputFormat(AudioFormat.Telephony);
            await ElevenLabsStandIn.WaitUntilAsync(() => server.FramesOf(0).Count(f => f == KeepAlive) >= 10); // well past the 500 ms timeout
            await using var stream = await tts.StartAsync(format);
            var reading = ReadAllAsync(stream);
            await stream.SendTextAsync("Still here.");
            await stream.FlushAsync();

            Assert.That(ScriptedSpeech.Normalize(Spoken(await reading, format)), Is.EqualTo("still here"), "the keepalives' spaces are spoken too");
            Assert.That(server.FramesOf(0), Does.Contain("""{"text":"Still here. ","flush":true}"""));
        }
        finally
        {
            await ((IAsyncDisposable)tts).DisposeAsync();
        }
    }

    [Test]
    public async Task WarmConnection_ThatTheServerClosedIsDiscarded_AndTheReplyConnectsAfresh()
    {
        await using var server = new ElevenLabsStandIn(Key) { InactivityTimeout = TimeSpan.FromMilliseconds(150) };
        var tts = Options(server, warm: true).AsElevenLabsTextToSpeech(); // keepalives every 10 s: the stand-in times out first
        var warmable = (ElevenLabsTextToSpeech)tts;
        try
        {
            var format = tts.SelectOutputFormat(AudioFormat.Telephony);
            await ElevenLabsStandIn.WaitUntilAsync(() => server.AcceptedConnections == 1 && server.OpenConnections == 0 && !warmable.HasWarmConnection);

            await using var stream = await tts.StartAsync(format);
            var reading = ReadAllAsync(stream);
            await stream.SendTextAsync("Fresh start.");
            await stream.FlushAsync();

            Assert.That(Spoken(await reading, format), Is.EqualTo("Fresh start. "));
            Assert.That(server.FramesOf(1), Does.Contain("""{"text":"Fresh start. ","flush":true}"""));
        }
        finally
        {
            await ((IAsyncDisposable)tts).DisposeAsync();
        }
    }

    [Test]
    public async Task WarmConnection_OlderThanTheSafeAgeIsReplaced()
    {
        await using var server = new ElevenLabsStandIn(Key);
        var options = Options(server, warm: true);
        options.WarmConnectionMaxAge = TimeSpan.FromMilliseconds(150);
        var tts = options.AsElevenLabsTextToSpeech();
        try
        {
            tts.SelectOutputFormat(AudioFormat.Telephony);
            await ElevenLabsStandIn.WaitUntilAsync(() => server.AcceptedConnections >= 3 && ((ElevenLabsTextToSpeech)tts).HasWarmConnection);
            await ElevenLabsStandIn.WaitUntilAsync(() => server.OpenConnections == 1); // each old socket is closed as it is replaced
            Assert.That(server.FramesOf(0), Has.Length.EqualTo(1), "closed politely, with no text sent");
        }
        finally
        {
            await ((IAsyncDisposable)tts).DisposeAsync();
        }

        await ElevenLabsStandIn.WaitUntilAsync(() => server.OpenConnections == 0);
    }

    [Test]
    public async Task Dispose_ClosesTheWarmConnection()
    {
        await using var server = new ElevenLabsStandIn(Key);
        var tts = Options(server, warm: true).AsElevenLabsTextToSpeech();
        tts.SelectOutputFormat(AudioFormat.Telephony);
        await ElevenLabsStandIn.WaitUntilAsync(() => ((ElevenLabsTextToSpeech)tts).HasWarmConnection);
        Assert.That(server.OpenConnections, Is.EqualTo(1));

        await ((IAsyncDisposable)tts).DisposeAsync();
        await ((IAsyncDisposable)tts).DisposeAsync(); // idempotent

        await ElevenLabsStandIn.WaitUntilAsync(() => server.OpenConnections == 0);
        Assert.That(async () => await tts.StartAsync(AudioFormat.Telephony), Throws.InstanceOf<ObjectDisposedException>());
    }

    [Test]
    public async Task SlowFirstByte_IsWaitedFor_AndTheReplyCompletesWithTheRightAudio()
    {
        // 1.5 s before the first audio: slow, but a real reply; nothing may give up on it.
        await using var server = new ElevenLabsStandIn(Key) { FirstAudioDelay = TimeSpan.FromMilliseconds(1500) };
        var tts = Options(server, warm: true).AsElevenLabsTextToSpeech();
        try
        {
            var format = tts.SelectOutputFormat(AudioFormat.Telephony);
            await using var stream = await tts.StartAsync(format);
            var firstAudio = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var reading = Task.Run(async () =>
            {
                var chunks = new List<(byte[] Audio, int Segment)>();
                await foreach (var chunk in stream.ReadAudioAsync().WithCancellation(new CancellationTokenSource(Wait).Token))
                {
                    firstAudio.TrySetResult(clock.Elapsed);
                    chunks.Add((chunk.Audio.ToArray(), chunk.Segment));
                }

                return chunks;
            });
            await stream.SendTextAsync("Let me see. ");
            await stream.SendTextAsync("One moment please.");
            await stream.FlushAsync();
            var chunks = await reading;

            Assert.Multiple(() =>
            {
                Assert.That(firstAudio.Task.Result, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(1400)), "the first byte really was late");
                Assert.That(Spoken(chunks, format), Is.EqualTo("Let me see. One moment please. "));
                Assert.That(chunks.Select(c => c.Segment).Distinct(), Is.EqualTo(new[] { 0, 1 }));
            });
        }
        finally
        {
            await ((IAsyncDisposable)tts).DisposeAsync();
        }
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task BargeIn_WhileWaitingForASlowFirstByte_ReturnsAtOnce_AndTheNextReplyWorks(bool warm)
    {
        await using var server = new ElevenLabsStandIn(Key) { FirstAudioDelay = TimeSpan.FromSeconds(4) };
        var tts = Options(server, warm).AsElevenLabsTextToSpeech();
        try
        {
            var format = tts.SelectOutputFormat(AudioFormat.Telephony);
            if (warm)
            {
                await ElevenLabsStandIn.WaitUntilAsync(() => ((ElevenLabsTextToSpeech)tts).HasWarmConnection);
            }

            var stream = await tts.StartAsync(format);
            using var bargeIn = new CancellationTokenSource();
            var received = 0;
            var reading = Task.Run(async () =>
            {
                await foreach (var _ in stream.ReadAudioAsync(bargeIn.Token))
                {
                    received++;
                }
            });
            await stream.SendTextAsync("This answer takes a while to start.");
            await stream.FlushAsync();
            await server.WaitForFrameAsync(f => f.Text.Contains("takes a while", StringComparison.Ordinal)); // the stand-in now holds the first audio back
            await Task.Delay(200); // the reader is waiting for the first byte

            var clock = System.Diagnostics.Stopwatch.StartNew();
            await bargeIn.CancelAsync();
            await stream.DisposeAsync();
            Assert.That(async () => await reading, Throws.InstanceOf<OperationCanceledException>());
            clock.Stop();

            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromMilliseconds(500)), "barge-in does not wait for the provider");
            Assert.That(received, Is.Zero);

            server.FirstAudioDelay = TimeSpan.Zero;
            await using var next = await tts.StartAsync(format);
            var nextReading = ReadAllAsync(next);
            await next.SendTextAsync("Sorry, go ahead.");
            await next.FlushAsync();
            Assert.That(Spoken(await nextReading, format), Is.EqualTo("Sorry, go ahead. "));
        }
        finally
        {
            await ((IAsyncDisposable)tts).DisposeAsync();
        }
    }

    [Test]
    public async Task BargeIn_CancelledReaderOnAnAbortedSocket_EndsWithOperationCanceled_NotASocketError()
    {
        // The consumer is playing a chunk when the caller barges in: the read is cancelled and the stream disposed
        // (socket aborted) before the reader asks for the next message. The caller asked to stop, so the reader must end
        // with the cancellation (which the session treats as a barge-in), not a WebSocket or ObjectDisposed error.
        await using var server = new ElevenLabsStandIn(Key) { CharactersPerAudioMessage = 4 };
        var tts = Options(server).AsElevenLabsTextToSpeech();
        var stream = await tts.StartAsync(AudioFormat.Telephony);
        using var bargeIn = new CancellationTokenSource();
        await stream.SendTextAsync("A long answer that goes on and on. ");

        var thrown = Assert.CatchAsync(async () =>
        {
            await foreach (var _ in stream.ReadAudioAsync(bargeIn.Token))
            {
                await bargeIn.CancelAsync();
                await stream.DisposeAsync();
            }
        });

        Assert.That(thrown, Is.InstanceOf<OperationCanceledException>());
        Assert.That(async () => await stream.SendTextAsync("More.", bargeIn.Token), Throws.InstanceOf<ObjectDisposedException>());
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task SilentServer_NoAudioAfterTheEndOfInput_FailsWithATransientTimeoutInsteadOfHanging(bool warm)
    {
        await using var server = new ElevenLabsStandIn(Key) { FirstAudioDelay = TimeSpan.FromSeconds(30) };
        var options = Options(server, warm);
        options.SilenceTimeout = TimeSpan.FromMilliseconds(300);
        var tts = options.AsElevenLabsTextToSpeech();
        try
        {
            var format = tts.SelectOutputFormat(AudioFormat.Telephony);
            if (warm)
            {
                await ElevenLabsStandIn.WaitUntilAsync(() => ((ElevenLabsTextToSpeech)tts).HasWarmConnection);
            }

            await using var stream = await tts.StartAsync(format);
            var reading = ReadAllAsync(stream); // gives up after 5 s on its own token
            await stream.SendTextAsync("Hello?");
            await stream.FlushAsync();

            var thrown = Assert.ThrowsAsync<VoiceProviderException>(async () => await reading);
            Assert.That(thrown!.IsTransient, Is.True);
            Assert.That(thrown.ErrorCode, Is.EqualTo("timeout"));
        }
        finally
        {
            await ((IAsyncDisposable)tts).DisposeAsync();
        }
    }

    [Test]
    public async Task SilentServer_NoIsFinalAfterTheAudio_FailsWithATransientTimeoutInsteadOfHanging()
    {
        await using var server = new ElevenLabsStandIn(Key) { OmitFinal = true };
        var options = Options(server);
        options.SilenceTimeout = TimeSpan.FromMilliseconds(300);
        var tts = options.AsElevenLabsTextToSpeech();
        await using var stream = await tts.StartAsync(AudioFormat.Telephony);
        var chunks = new List<byte[]>();
        var reading = Task.Run(async () =>
        {
            await foreach (var chunk in stream.ReadAudioAsync().WithCancellation(new CancellationTokenSource(Wait).Token))
            {
                chunks.Add(chunk.Audio.ToArray());
            }
        });
        await stream.SendTextAsync("Almost done.");
        await stream.FlushAsync();

        var thrown = Assert.ThrowsAsync<VoiceProviderException>(async () => await reading);
        Assert.That(thrown!.IsTransient, Is.True);
        Assert.That(thrown.ErrorCode, Is.EqualTo("timeout"));
        Assert.That(ScriptedVoice.Read([.. chunks.SelectMany(c => c)], AudioFormat.Telephony), Is.EqualTo("Almost done. "), "the audio that came is delivered first");
    }

    [Test]
    public async Task SilenceTimeout_CountsOnlyTimeSpentWaitingForTheServer_NotASlowConsumer()
    {
        await using var server = new ElevenLabsStandIn(Key);
        var options = Options(server);
        options.SilenceTimeout = TimeSpan.FromMilliseconds(200);
        var tts = options.AsElevenLabsTextToSpeech();
        await using var stream = await tts.StartAsync(AudioFormat.Telephony);
        await stream.SendTextAsync("Paced playback. ");
        await stream.SendTextAsync("Second part.");
        await stream.FlushAsync();
        await server.WaitForFrameAsync(f => f.Text == """{"text":""}""");

        // The consumer plays each chunk before reading the next, for longer than the silence timeout in all.
        var chunks = new List<byte[]>();
        await foreach (var chunk in stream.ReadAudioAsync().WithCancellation(new CancellationTokenSource(Wait).Token))
        {
            chunks.Add(chunk.Audio.ToArray());
            if (chunks.Count == 1)
            {
                await Task.Delay(400);
            }
        }

        Assert.That(ScriptedVoice.Read([.. chunks.SelectMany(c => c)], AudioFormat.Telephony), Is.EqualTo("Paced playback. Second part. "));
    }

    [Test]
    public async Task ConnectTimeout_AServerThatNeverAnswersTheUpgrade_FailsTheStartWithATransientError()
    {
        await using var server = new ElevenLabsStandIn(Key) { StallUpgrades = 1 };
        var options = Options(server);
        options.ConnectTimeout = TimeSpan.FromMilliseconds(300);
        var tts = options.AsElevenLabsTextToSpeech();
        using var patience = new CancellationTokenSource(Wait);

        var thrown = Assert.ThrowsAsync<VoiceProviderException>(async () => await tts.StartAsync(AudioFormat.Telephony, patience.Token));
        Assert.That(thrown!.IsTransient, Is.True);
        Assert.That(thrown.ErrorCode, Is.EqualTo("timeout"));
        Assert.That(thrown.Message, Does.Not.Contain(Key));
    }

    [Test]
    public async Task ConnectTimeout_AWarmConnectThatNeverAnswers_DoesNotHoldUpTheReply()
    {
        // The warm-up's upgrade is never answered; the reply waits for it (it is "already partway through"), so without
        // a bound it would wait for ever.
        await using var server = new ElevenLabsStandIn(Key) { StallUpgrades = 1 };
        var options = Options(server, warm: true);
        options.ConnectTimeout = TimeSpan.FromMilliseconds(300);
        var tts = options.AsElevenLabsTextToSpeech();
        try
        {
            var format = tts.SelectOutputFormat(AudioFormat.Telephony);
            await ElevenLabsStandIn.WaitUntilAsync(() => server.Upgrades.Count == 1);
            using var patience = new CancellationTokenSource(Wait);
            await using var stream = await tts.StartAsync(format, patience.Token);
            var reading = ReadAllAsync(stream);
            await stream.SendTextAsync("Connected after all.");
            await stream.FlushAsync();
            Assert.That(Spoken(await reading, format), Is.EqualTo("Connected after all. "));
        }
        finally
        {
            await ((IAsyncDisposable)tts).DisposeAsync();
        }
    }

    [Test]
    public async Task Dispose_WhileAWarmConnectIsInFlight_ReturnsPromptlyAndLeavesNothingOpen()
    {
        await using var server = new ElevenLabsStandIn(Key) { StallUpgrades = 1 };
        var tts = Options(server, warm: true).AsElevenLabsTextToSpeech();
        tts.SelectOutputFormat(AudioFormat.Telephony);
        await ElevenLabsStandIn.WaitUntilAsync(() => server.Upgrades.Count == 1);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await ((IAsyncDisposable)tts).DisposeAsync().AsTask().WaitAsync(Wait);
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(1)));
        Assert.That(((ElevenLabsTextToSpeech)tts).HasWarmConnection, Is.False);
        Assert.That(server.AcceptedConnections, Is.Zero);
    }

    [Test]
    public async Task BadKey_FailsAtStartWithAMessageNamingTheOptionAndVariable()
    {
        await using var server = new ElevenLabsStandIn(Key);
        var options = Options(server);
        options.ApiKey = "wrong-key";
        var tts = options.AsElevenLabsTextToSpeech();

        var thrown = Assert.ThrowsAsync<AuthenticationException>(async () => await tts.StartAsync(AudioFormat.Telephony));
        Assert.That(thrown!.Message, Does.Contain("ELEVENLABS_API_KEY").And.Contain("ApiKey").And.Contain("401").And.Not.Contain("wrong-key"));
    }

    [Test]
    public async Task StandIn_RejectsAFirstMessageThatIsNotASingleSpace()
    {
        await using var server = new ElevenLabsStandIn(Key);
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("xi-api-key", Key);
        await socket.ConnectAsync(new Uri(server.Endpoint, "/v1/text-to-speech/v/stream-input?model_id=m&output_format=ulaw_8000"), CancellationToken.None);
        await socket.SendAsync("""{"text":"Hello."}"""u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);

        var buffer = new byte[4096];
        var error = await socket.ReceiveAsync(buffer, CancellationToken.None);
        var json = JsonNode.Parse(Encoding.UTF8.GetString(buffer, 0, error.Count))!;
        var close = await socket.ReceiveAsync(buffer, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That((string?)json["error"], Is.EqualTo("invalid_input_message"));
            Assert.That((int?)json["code"], Is.EqualTo(1008));
            Assert.That(close.MessageType, Is.EqualTo(WebSocketMessageType.Close));
            Assert.That(socket.CloseStatus, Is.EqualTo(WebSocketCloseStatus.PolicyViolation));
        });
    }

    [Test]
    public async Task StandIn_BuffersTextUntilTheChunkScheduleIsReached()
    {
        await using var server = new ElevenLabsStandIn(Key) { CharactersPerAudioMessage = 1000 };
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("xi-api-key", Key);
        await socket.ConnectAsync(new Uri(server.Endpoint, "/v1/text-to-speech/v/stream-input?model_id=m&output_format=ulaw_8000"), CancellationToken.None);
        await SendAsync(socket, """{"text":" ","generation_config":{"chunk_length_schedule":[60]}}""");
        await SendAsync(socket, """{"text":"Twenty characters.. "}""");
        await SendAsync(socket, """{"text":"Forty more characters to pass the sixty. "}""");

        var buffer = new byte[64 * 1024];
        var first = await socket.ReceiveAsync(buffer, CancellationToken.None);
        var json = JsonNode.Parse(Encoding.UTF8.GetString(buffer, 0, first.Count))!;

        Assert.That(json["alignment"]!["chars"]!.AsArray(), Has.Count.EqualTo(61), "the first 20 characters waited for the schedule's 60");
        Assert.That(json["isFinal"], Is.Null);
    }

    private static Task SendAsync(ClientWebSocket socket, string json) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, CancellationToken.None);
}
