using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using VoiceKit.Audio;

namespace VoiceKit.Twilio.Tests;

/// <summary>The Media Streams transport against a simulated Twilio, over a real Kestrel WebSocket on loopback.</summary>
[Parallelizable(ParallelScope.None)]
public sealed class TwilioMediaStreamTransportTests
{
    private static readonly TimeSpan Frame = TimeSpan.FromMilliseconds(20);

    [Test]
    [CancelAfter(10_000)]
    public async Task Start_BuildsCallInfoFromTheStartMessage(CancellationToken ct)
    {
        await using var harness = await Harness.StartAsync();
        await using var twilio = new SimulatedTwilio(harness.Url)
        {
            CustomParameters = new() { ["From"] = "+14155550100", ["To"] = "+14155550199", ["Direction"] = "outbound-api", ["tenant"] = "acme" },
        };
        await twilio.ConnectAsync(ct);
        await using var transport = await harness.AcceptedAsync(ct);

        Assert.Multiple(() =>
        {
            Assert.That(transport.Call.CallId, Is.EqualTo(twilio.CallSid));
            Assert.That(transport.StreamSid, Is.EqualTo(twilio.StreamSid));
            Assert.That(transport.Call.From, Is.EqualTo("+14155550100"));
            Assert.That(transport.Call.To, Is.EqualTo("+14155550199"));
            Assert.That(transport.Call.IsOutbound, Is.True);
            Assert.That(transport.Call.Parameters["tenant"], Is.EqualTo("acme"));
            Assert.That(transport.Format, Is.EqualTo(AudioFormat.Telephony));
            Assert.That(transport.PlayedDuration, Is.EqualTo(TimeSpan.Zero));
        });
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Start_InboundCallWithoutParametersIsNotOutbound(CancellationToken ct)
    {
        await using var harness = await Harness.StartAsync();
        await using var twilio = new SimulatedTwilio(harness.Url) { CustomParameters = new() { ["Direction"] = "inbound" } };
        await twilio.ConnectAsync(ct);
        await using var transport = await harness.AcceptedAsync(ct);

        Assert.That(transport.Call.IsOutbound, Is.False);
        Assert.That(transport.Call.From, Is.Null);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Start_WithAnotherMediaFormatFails(CancellationToken ct)
    {
        await using var harness = await Harness.StartAsync();
        await using var twilio = new SimulatedTwilio(harness.Url) { MediaFormat = ("audio/x-mulaw", 16000, 1) };
        await twilio.ConnectAsync(ct);

        var error = await harness.FailedAsync(ct);
        Assert.That(error, Is.InstanceOf<VoiceProviderException>().And.Message.Contains("audio/x-mulaw, 8000 Hz, mono"));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Start_MediaBeforeStartFails(CancellationToken ct)
    {
        await using var harness = await Harness.StartAsync();
        await using var twilio = new SimulatedTwilio(harness.Url) { SendHandshake = false };
        await twilio.ConnectAsync(ct);
        await twilio.SendRawAsync("""{"event":"connected","protocol":"Call","version":"1.0.0"}""");
        await twilio.SendRawAsync(twilio.MediaMessage(Convert.ToBase64String(new byte[160])));

        var error = await harness.FailedAsync(ct);
        Assert.That(error, Is.InstanceOf<VoiceProviderException>().And.Message.Contains("start"));
    }

    [TestCase(160, TestName = "CallerAudio_ArrivesAsTwentyMillisecondFramesWithTheSameBytes")]
    [TestCase(100, TestName = "CallerAudio_InChunksOtherThanTwentyMillisecondsIsReframed")]
    [CancelAfter(10_000)]
    public async Task CallerAudio_ArrivesAsTwentyMillisecondFramesWithTheSameBytes(int chunkBytes, CancellationToken ct)
    {
        await using var harness = await Harness.StartAsync();
        await using var twilio = new SimulatedTwilio(harness.Url) { SendSilenceWhenIdle = false, ChunkBytes = chunkBytes };
        var audio = RandomAudio(800);
        twilio.SendCallerAudio(audio);
        await twilio.ConnectAsync(ct);
        await using var transport = await harness.AcceptedAsync(ct);

        var received = await ReadAudioAsync(transport, frames: 5, ct);

        Assert.That(received.Lengths, Is.All.EqualTo(160));
        Assert.That(received.Audio, Is.EqualTo(audio));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Dtmf_ArrivesAsAKeyPress(CancellationToken ct)
    {
        await using var harness = await Harness.StartAsync();
        await using var twilio = new SimulatedTwilio(harness.Url) { SendSilenceWhenIdle = false };
        await twilio.ConnectAsync(ct);
        await using var transport = await harness.AcceptedAsync(ct);

        await twilio.PressKeyAsync('7');
        await twilio.PressKeyAsync('#');

        var keys = new List<char>();
        await foreach (var e in transport.ReadEventsAsync(ct))
        {
            e.Frame?.Dispose();
            if (e.Kind == TransportEventKind.Dtmf)
            {
                keys.Add(e.Digit);
                if (keys.Count == 2)
                {
                    break;
                }
            }
        }

        Assert.That(keys, Is.EqualTo(new[] { '7', '#' }));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task AgentAudio_IsSentAsTwilioMediaAndMarkMessagesByteForByte(CancellationToken ct)
    {
        await using var harness = await Harness.StartAsync();
        await using var twilio = new SimulatedTwilio(harness.Url) { SendSilenceWhenIdle = false };
        await twilio.ConnectAsync(ct);
        await using var transport = await harness.AcceptedAsync(ct);
        var audio = RandomAudio(400); // 50 ms: two frames and a 10 ms tail

        await transport.SendAudioAsync(audio, ct);
        await SimulatedTwilio.WaitUntilAsync(() => twilio.PlayedBytes == 400 && twilio.PendingMarks == 0 && twilio.MarkEchoes.Count >= 2, ct);

        var sid = twilio.StreamSid;
        string Media(int from, int length) => $$$"""{"event":"media","streamSid":"{{{sid}}}","media":{"payload":"{{{Convert.ToBase64String(audio, from, length)}}}"}}""";
        string Mark(int n) => $$$"""{"event":"mark","streamSid":"{{{sid}}}","mark":{"name":"vk-{{{n}}}"}}""";
        Assert.That(twilio.ReceivedMessages, Is.EqualTo(new[]
        {
            Media(0, 160), Mark(1), // the first frame of a burst is marked, to anchor playback
            Media(160, 160),
            Media(320, 80), Mark(2), // the queue ran dry
        }));
        Assert.That(twilio.ReceivedAudio, Is.EqualTo(audio));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task PlayedDuration_ReachesTheAudioSentWithinAFrameAndNeverRunsAheadOfPlayback(CancellationToken ct)
    {
        await using var harness = await Harness.StartAsync();
        await using var twilio = new SimulatedTwilio(harness.Url) { SendSilenceWhenIdle = false };
        await twilio.ConnectAsync(ct);
        await using var transport = await harness.AcceptedAsync(ct);
        var audio = RandomAudio(4800); // 600 ms
        var total = AudioFormat.Telephony.DurationOf(audio.Length);

        await transport.SendAudioAsync(audio, ct);
        var previous = TimeSpan.Zero;
        var worstLead = TimeSpan.MinValue;
        TimeSpan? simulatorDoneAt = null;
        while (transport.PlayedDuration < total)
        {
            var reported = transport.PlayedDuration;
            var played = twilio.PlayedDuration; // read second: playback only moves forward
            Assert.That(reported, Is.GreaterThanOrEqualTo(previous), "PlayedDuration decreased");
            worstLead = reported - played > worstLead ? reported - played : worstLead;
            previous = reported;
            if (played >= total)
            {
                simulatorDoneAt ??= twilio.Now;
            }

            await Task.Delay(2, ct);
        }

        var reachedAt = twilio.Now;
        Assert.Multiple(() =>
        {
            Assert.That(transport.PlayedDuration, Is.EqualTo(total));
            Assert.That(worstLead, Is.LessThanOrEqualTo(TimeSpan.FromMilliseconds(1)), "PlayedDuration ran ahead of what the caller heard");
            Assert.That(reachedAt - (simulatorDoneAt ?? reachedAt), Is.LessThanOrEqualTo(Frame), "PlayedDuration reached the end more than a frame after playback did");
        });
    }

    [Test]
    [CancelAfter(15_000)]
    public async Task Pacing_TwilioNeverHoldsMoreThanTheLeadPlusAFrame(CancellationToken ct)
    {
        await using var harness = await Harness.StartAsync();
        await using var twilio = new SimulatedTwilio(harness.Url) { SendSilenceWhenIdle = false };
        await twilio.ConnectAsync(ct);
        await using var transport = await harness.AcceptedAsync(ct);
        var audio = RandomAudio(8000 * 3 / 2); // 1.5 s, queued at once
        var started = twilio.Now;

        await transport.SendAudioAsync(audio, ct);
        await SimulatedTwilio.WaitUntilAsync(() => transport.PlayedDuration == TimeSpan.FromSeconds(1.5), ct);

        Assert.Multiple(() =>
        {
            Assert.That(twilio.MaxUnplayed, Is.LessThanOrEqualTo(harness.Options.OutboundLead + Frame));
            Assert.That(twilio.LastMediaReceivedAt - started, Is.GreaterThan(TimeSpan.FromSeconds(1.5) - harness.Options.OutboundLead - (2 * Frame)), "audio was sent faster than real time");
            Assert.That(twilio.ReceivedAudio, Is.EqualTo(audio));
        });
    }

    [Test]
    [CancelAfter(15_000)]
    public async Task Clear_IsSentWithinAFrameAndFixesPlayedDurationAtWhatWasHeard(CancellationToken ct)
    {
        await using var harness = await Harness.StartAsync();
        await using var twilio = new SimulatedTwilio(harness.Url) { SendSilenceWhenIdle = false };
        await twilio.ConnectAsync(ct);
        await using var transport = await harness.AcceptedAsync(ct);
        var audio = RandomAudio(16000); // 2 s

        await transport.SendAudioAsync(audio, ct);
        await SimulatedTwilio.WaitUntilAsync(() => twilio.PlayedDuration >= TimeSpan.FromMilliseconds(530), ct);
        var clearCalledAt = twilio.Now;
        await transport.ClearAsync(ct);
        var afterClear = transport.PlayedDuration;
        await SimulatedTwilio.WaitUntilAsync(() => twilio.Clears.Count == 1 && twilio.PendingMarks == 0, ct);
        var clear = twilio.Clears[0];
        var mediaAtClear = twilio.MediaReceived;

        await Task.Delay(300, ct); // flushed marks come back; nothing more may play or count
        Assert.Multiple(() =>
        {
            Assert.That(clear.At - clearCalledAt, Is.LessThanOrEqualTo(Frame), "clear was not sent within a frame");
            Assert.That(afterClear - clear.Played, Is.LessThanOrEqualTo(TimeSpan.FromMilliseconds(1)), "PlayedDuration after clear counts audio the clear dropped");
            Assert.That(clear.Played - afterClear, Is.LessThanOrEqualTo(Frame), "PlayedDuration after clear trails what played by more than a frame");
            Assert.That(transport.PlayedDuration, Is.EqualTo(afterClear), "marks flushed by the clear were counted as played");
            Assert.That(twilio.MarkEchoes.Any(m => m.Flushed), Is.True, "the test needs marks pending at the clear");
            Assert.That(twilio.MediaReceived, Is.EqualTo(mediaAtClear), "audio was sent after the clear");
            Assert.That(twilio.PlayedDuration, Is.EqualTo(clear.Played));
        });
    }

    [Test]
    [CancelAfter(15_000)]
    public async Task Clear_AudioAfterAClearCountsOnFromWhatWasHeard(CancellationToken ct)
    {
        await using var harness = await Harness.StartAsync();
        await using var twilio = new SimulatedTwilio(harness.Url) { SendSilenceWhenIdle = false };
        await twilio.ConnectAsync(ct);
        await using var transport = await harness.AcceptedAsync(ct);

        await transport.SendAudioAsync(RandomAudio(8000), ct);
        await SimulatedTwilio.WaitUntilAsync(() => twilio.PlayedDuration >= TimeSpan.FromMilliseconds(250), ct);
        await transport.ClearAsync(ct);
        var heard = transport.PlayedDuration;
        var next = RandomAudio(1600); // 200 ms
        await transport.SendAudioAsync(next, ct);
        await SimulatedTwilio.WaitUntilAsync(() => transport.PlayedDuration == heard + TimeSpan.FromMilliseconds(200), ct);

        Assert.That(twilio.PlayedAudio.AsSpan(twilio.PlayedAudio.Length - 1600).ToArray(), Is.EqualTo(next));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task BadInput_IsLoggedAndIgnoredAndTheCallGoesOn(CancellationToken ct)
    {
        await using var harness = await Harness.StartAsync();
        await using var twilio = new SimulatedTwilio(harness.Url) { SendSilenceWhenIdle = false };
        await twilio.ConnectAsync(ct);
        await using var transport = await harness.AcceptedAsync(ct);

        await twilio.SendRawAsync("{not json");
        await twilio.SendRawAsync("""{"event":"media","streamSid":"x"} trailing""");
        await twilio.SendRawAsync($$"""{"event":"transcription","streamSid":"{{twilio.StreamSid}}"}""");
        await twilio.SendRawAsync(twilio.MediaMessage("***not base64***"));
        await twilio.SendRawAsync(twilio.MediaMessage(Convert.ToBase64String(new byte[160]), streamSid: "MZ00000000000000000000000000000000"));
        await twilio.SendRawAsync($$"""{"event":"stop","streamSid":"MZ00000000000000000000000000000000"}""");
        await twilio.SendRawAsync($$$"""{"event":"mark","streamSid":"{{{twilio.StreamSid}}}","mark":{"name":"vk-999"}}""");
        var audio = RandomAudio(320);
        twilio.SendCallerAudio(audio);

        var received = await ReadAudioAsync(transport, frames: 2, ct);

        Assert.Multiple(() =>
        {
            Assert.That(received.Audio, Is.EqualTo(audio), "only the valid media arrived");
            Assert.That(received.Ended, Is.False);
            Assert.That(harness.Logs.Count(l => l.Contains("ignored", StringComparison.Ordinal)), Is.EqualTo(6));
            Assert.That(transport.PlayedDuration, Is.EqualTo(TimeSpan.Zero), "a mark we never sent moved playback");
            Assert.That(twilio.Closed.IsCompleted, Is.False);
        });
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task OversizeMessage_EndsTheCallCleanly(CancellationToken ct)
    {
        await using var harness = await Harness.StartAsync(new TwilioOptions { MaxMessageBytes = 2048 });
        await using var twilio = new SimulatedTwilio(harness.Url) { SendSilenceWhenIdle = false };
        await twilio.ConnectAsync(ct);
        await using var transport = await harness.AcceptedAsync(ct);

        await twilio.SendRawAsync(twilio.MediaMessage(Convert.ToBase64String(new byte[3000])));

        var received = await ReadAudioAsync(transport, frames: int.MaxValue, ct);
        await twilio.Closed.WaitAsync(ct);
        Assert.Multiple(() =>
        {
            Assert.That(received.Ended, Is.True);
            Assert.That(twilio.CloseStatus, Is.EqualTo(WebSocketCloseStatus.MessageTooBig));
            Assert.That(harness.Logs.Any(l => l.Contains("2048 bytes", StringComparison.Ordinal)), Is.True);
        });
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task BinaryFrame_EndsTheCallCleanly(CancellationToken ct)
    {
        await using var harness = await Harness.StartAsync();
        await using var twilio = new SimulatedTwilio(harness.Url) { SendSilenceWhenIdle = false };
        await twilio.ConnectAsync(ct);
        await using var transport = await harness.AcceptedAsync(ct);

        await twilio.SendBinaryAsync(new byte[160]);

        var received = await ReadAudioAsync(transport, frames: int.MaxValue, ct);
        await twilio.Closed.WaitAsync(ct);
        Assert.That(received.Ended, Is.True);
        Assert.That(twilio.CloseStatus, Is.EqualTo(WebSocketCloseStatus.InvalidMessageType));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task A_connection_gone_silent_ends_the_call_after_the_idle_timeout(CancellationToken ct)
    {
        await using var harness = await Harness.StartAsync(new TwilioOptions { ReceiveIdleTimeout = TimeSpan.FromSeconds(1) });
        await using var twilio = new SimulatedTwilio(harness.Url) { SendSilenceWhenIdle = false };
        await twilio.ConnectAsync(ct);
        await using var transport = await harness.AcceptedAsync(ct);
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();

        // A half-open connection: the socket stays up but nothing arrives (no media, no stop).
        var received = await ReadAudioAsync(transport, frames: int.MaxValue, ct);

        Assert.That(received.Ended, Is.True, "the call ends instead of hanging");
        Assert.That(stopwatch.Elapsed, Is.InRange(TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(3)));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task A_connection_carrying_audio_is_not_taken_for_idle(CancellationToken ct)
    {
        await using var harness = await Harness.StartAsync(new TwilioOptions { ReceiveIdleTimeout = TimeSpan.FromSeconds(1) });
        await using var twilio = new SimulatedTwilio(harness.Url);
        await twilio.ConnectAsync(ct);
        twilio.StartMedia();
        await using var transport = await harness.AcceptedAsync(ct);

        await Task.Delay(TimeSpan.FromSeconds(2.5), ct);

        Assert.That(transport.Closed.IsCompleted, Is.False, "20 ms media keeps the call alive");
        await twilio.HangUpAsync();
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Stop_EndsTheCallAndClosesTheSocket(CancellationToken ct)
    {
        await using var harness = await Harness.StartAsync();
        await using var twilio = new SimulatedTwilio(harness.Url);
        await twilio.ConnectAsync(ct);
        await using var transport = await harness.AcceptedAsync(ct);
        await Task.Delay(100, ct);

        await twilio.HangUpAsync();

        var received = await ReadAudioAsync(transport, frames: int.MaxValue, ct);
        await twilio.Closed.WaitAsync(ct);
        await transport.Closed.WaitAsync(ct);
        Assert.That(received.Ended, Is.True);
        Assert.That(received.Lengths, Is.Not.Empty.And.All.EqualTo(160));
        Assert.That(twilio.CloseStatus, Is.EqualTo(WebSocketCloseStatus.NormalClosure));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task HangUp_CallsRestThenClosesTheSocketWithoutAnEndedEvent(CancellationToken ct)
    {
        var actions = new RecordingCallActions();
        await using var harness = await Harness.StartAsync(actions: actions);
        await using var twilio = new SimulatedTwilio(harness.Url);
        await twilio.ConnectAsync(ct);
        await using var transport = await harness.AcceptedAsync(ct);

        await transport.HangUpAsync(ct);

        await twilio.Closed.WaitAsync(ct);
        var received = await ReadAudioAsync(transport, frames: int.MaxValue, ct);
        Assert.Multiple(() =>
        {
            Assert.That(actions.Calls, Is.EqualTo(new[] { "hangup " + twilio.CallSid }));
            Assert.That(received.Ended, Is.False, "Ended is for the far side ending the call");
            Assert.That(twilio.CloseStatus, Is.EqualTo(WebSocketCloseStatus.NormalClosure));
        });
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task HangUp_WithoutRestClosesTheSocket(CancellationToken ct)
    {
        await using var harness = await Harness.StartAsync();
        await using var twilio = new SimulatedTwilio(harness.Url);
        await twilio.ConnectAsync(ct);
        await using var transport = await harness.AcceptedAsync(ct);

        await transport.HangUpAsync(ct);

        await twilio.Closed.WaitAsync(ct);
        await transport.Closed.WaitAsync(ct);
        Assert.That(twilio.CloseStatus, Is.EqualTo(WebSocketCloseStatus.NormalClosure));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Transfer_CallsRestThenClosesTheSocket_AndNeedsRest(CancellationToken ct)
    {
        var actions = new RecordingCallActions();
        await using var harness = await Harness.StartAsync(actions: actions);
        await using var twilio = new SimulatedTwilio(harness.Url);
        await twilio.ConnectAsync(ct);
        await using var transport = await harness.AcceptedAsync(ct);

        await transport.TransferAsync("+14155550123", ct);
        await twilio.Closed.WaitAsync(ct);

        Assert.That(actions.Calls, Is.EqualTo(new[] { "transfer " + twilio.CallSid + " +14155550123" }));

        await using var bareHarness = await Harness.StartAsync();
        await using var bareTwilio = new SimulatedTwilio(bareHarness.Url);
        await bareTwilio.ConnectAsync(ct);
        await using var bare = await bareHarness.AcceptedAsync(ct);
        Assert.That(async () => await bare.TransferAsync("+14155550123", ct), Throws.InstanceOf<NotSupportedException>().With.Message.Contains("AccountSid"));
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Dispose_StopsEverythingAndIsIdempotent(CancellationToken ct)
    {
        await using var harness = await Harness.StartAsync();
        await using var twilio = new SimulatedTwilio(harness.Url);
        await twilio.ConnectAsync(ct);
        var transport = await harness.AcceptedAsync(ct);
        await transport.SendAudioAsync(RandomAudio(8000), ct);
        await Task.Delay(100, ct);

        await transport.DisposeAsync();
        await transport.DisposeAsync();

        Assert.Multiple(() =>
        {
            Assert.That(transport.Closed.IsCompletedSuccessfully, Is.True);
            Assert.That(transport.OutputStopped.IsCompletedSuccessfully, Is.True);
        });
        await twilio.Closed.WaitAsync(ct);
        var media = twilio.MediaReceived;
        await transport.SendAudioAsync(RandomAudio(160), ct);
        await transport.ClearAsync(ct);
        Assert.That(twilio.MediaReceived, Is.EqualTo(media));
    }

    [Test]
    [CancelAfter(5_000)]
    public void PlaybackTracker_ExtrapolatesOnlyUpToTheNextMarkAndIgnoresFlushedEchoes()
    {
        var time = new ManualTime();
        var tracker = new TwilioPlaybackTracker(time, 8000);
        Assert.That(tracker.OnAudioSent(160), Is.True, "first frame of a burst is marked");
        var first = tracker.OnMarkSent();
        for (var i = 0; i < 4; i++)
        {
            Assert.That(tracker.OnAudioSent(160), Is.False);
        }

        Assert.That(tracker.OnAudioSent(160), Is.True, "every fifth frame is marked");
        var second = tracker.OnMarkSent();

        time.Advance(TimeSpan.FromMilliseconds(50));
        Assert.That(tracker.PlayedBytes(), Is.Zero, "nothing extrapolates before the first echo");
        Assert.That(tracker.OnMarkEchoed(first), Is.True);
        Assert.That(tracker.PlayedBytes(), Is.EqualTo(160));
        time.Advance(TimeSpan.FromMilliseconds(30));
        Assert.That(tracker.PlayedBytes(), Is.EqualTo(160 + 240));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(tracker.PlayedBytes(), Is.EqualTo(960), "capped at the next pending mark");

        tracker.OnClear();
        Assert.That(tracker.OnMarkEchoed(second), Is.False, "a flushed mark is not playback");
        Assert.That(tracker.PlayedBytes(), Is.EqualTo(960));
        Assert.That(tracker.OnMarkEchoed(99), Is.False, "never sent");
    }

    [Test]
    [CancelAfter(5_000)]
    public void OutboundQueue_KeepsOrderAcrossWrapAndGrowth()
    {
        using var queue = new TwilioOutboundQueue();
        var expected = new List<byte>();
        var actual = new List<byte>();
        var buffer = new byte[700];
        for (var round = 0; round < 200; round++)
        {
            var chunk = RandomAudio(round % 3 == 0 ? 3000 : 500);
            queue.Enqueue(chunk);
            expected.AddRange(chunk);
            var n = queue.Dequeue(buffer);
            actual.AddRange(buffer.AsSpan(0, n).ToArray());
        }

        while (queue.Count > 0)
        {
            var n = queue.Dequeue(buffer);
            actual.AddRange(buffer.AsSpan(0, n).ToArray());
        }

        Assert.That(actual, Is.EqualTo(expected));
    }

    [Test]
    [CancelAfter(5_000)]
    public void InboundMessage_ReadsEscapedStringsAndRejectsTrailingGarbage()
    {
        var sid = "MZ0123"u8.ToArray();
        var json = """{"event":"media","streamSid":"MZ0123","media":{"track":"inbound","payload":"AAEC\/w=="}}"""u8.ToArray();
        var scratch = new byte[json.Length];
        Assert.That(TwilioInboundMessage.TryParse(json, sid, scratch, out var message), Is.True);
        Assert.That(message.StreamSidMatches, Is.True);
        Assert.That(System.Text.Encoding.UTF8.GetString(message.Payload.In(json, scratch)), Is.EqualTo("AAEC/w=="));
        Assert.That(TwilioInboundMessage.TryParse("""{"event":"stop"}{}"""u8, sid, [], out _), Is.False);
        Assert.That(TwilioInboundMessage.TryParse("[1]"u8, sid, [], out _), Is.False);
    }

    [Test]
    [CancelAfter(5_000)]
    public void InboundMessage_WithAnUnpairedSurrogateEscapeIsMalformedNotAnException()
    {
        // Utf8JsonReader accepts "\ud800" while reading but throws InvalidOperationException when unescaping it: one
        // such message must be ignored like any malformed one, not end the call through the receive loop's failure path.
        var sid = "MZ0123"u8.ToArray();
        foreach (var json in new[]
        {
            """{"event":"mark","streamSid":"MZ0123","mark":{"name":"\ud800"}}"""u8.ToArray(),
            """{"event":"media","streamSid":"MZ0123","media":{"payload":"\udc00AA=="}}"""u8.ToArray(),
            """{"event":"dtmf","streamSid":"MZ0123","dtmf":{"digit":"\ud83d"}}"""u8.ToArray(),
        })
        {
            var scratch = new byte[json.Length];
            Assert.That(TwilioInboundMessage.TryParse(json, sid, scratch, out _), Is.False, System.Text.Encoding.UTF8.GetString(json));
        }
    }

    [Test]
    [CancelAfter(5_000)]
    public async Task ReceiveMessage_FailingAfterGrowingReturnsOnlyWhatItRentedAndLeavesTheCallersBuffer(CancellationToken ct)
    {
        // A message larger than the buffer grows it; if the socket then fails, the caller still holds (and will return)
        // its original buffer, so the grown one must go back to the pool and the original must not be returned twice.
        var pool = new TrackingPool();
        var original = new byte[4096];
        var socket = new ScriptedReceiveSocket(original.Length, thenFail: true);

        Assert.ThrowsAsync<WebSocketException>(async () =>
            await TwilioMediaStreamTransport.ReceiveMessageAsync(socket, original, 64 * 1024, pool, ct));

        Assert.Multiple(() =>
        {
            Assert.That(pool.Returned.Any(a => ReferenceEquals(a, original)), Is.False, "the caller's buffer was returned to the pool while the caller still owns it");
            Assert.That(pool.Rented.All(r => pool.Returned.Count(a => ReferenceEquals(a, r)) == 1), Is.True, "every array rented while growing went back once");
        });

        // Success after growing: the caller gets the grown buffer and the original is returned exactly once.
        var pool2 = new TrackingPool();
        var original2 = new byte[4096];
        var received = await TwilioMediaStreamTransport.ReceiveMessageAsync(new ScriptedReceiveSocket(original2.Length, thenFail: false), original2, 64 * 1024, pool2, ct);
        Assert.Multiple(() =>
        {
            Assert.That(received.Length, Is.EqualTo(original2.Length + 10));
            Assert.That(pool2.Returned.Count(a => ReferenceEquals(a, original2)), Is.EqualTo(1));
            Assert.That(pool2.Returned.Any(a => ReferenceEquals(a, received.Buffer)), Is.False, "the buffer handed to the caller was returned");
        });
    }

    private sealed class TrackingPool : System.Buffers.ArrayPool<byte>
    {
        public List<byte[]> Rented { get; } = [];

        public List<byte[]> Returned { get; } = [];

        public override byte[] Rent(int minimumLength)
        {
            var array = new byte[minimumLength];
            lock (Rented)
            {
                Rented.Add(array);
            }

            return array;
        }

        public override void Return(byte[] array, bool clearArray = false)
        {
            lock (Returned)
            {
                Returned.Add(array);
            }
        }
    }

    /// <summary>Delivers one fragment filling <c>firstFragment</c> bytes, then fails or ends the message with 10 more bytes.</summary>
    private sealed class ScriptedReceiveSocket(int firstFragment, bool thenFail) : WebSocket
    {
        private int _calls;

        public override WebSocketCloseStatus? CloseStatus => null;

        public override string? CloseStatusDescription => null;

        public override WebSocketState State => WebSocketState.Open;

        public override string? SubProtocol => null;

        public override ValueTask<ValueWebSocketReceiveResult> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
        {
            if (_calls++ == 0)
            {
                buffer.Span[..firstFragment].Fill((byte)' ');
                return ValueTask.FromResult(new ValueWebSocketReceiveResult(firstFragment, WebSocketMessageType.Text, endOfMessage: false));
            }

            if (thenFail)
            {
                return ValueTask.FromException<ValueWebSocketReceiveResult>(new WebSocketException(WebSocketError.ConnectionClosedPrematurely));
            }

            buffer.Span[..10].Fill((byte)' ');
            return ValueTask.FromResult(new ValueWebSocketReceiveResult(10, WebSocketMessageType.Text, endOfMessage: true));
        }

        public override Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken) => throw new NotSupportedException();

        public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) => throw new NotSupportedException();

        public override Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) => Task.CompletedTask;

        public override Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) => Task.CompletedTask;

        public override void Abort()
        {
        }

        public override void Dispose()
        {
        }
    }

    private static byte[] RandomAudio(int length)
    {
        var audio = new byte[length];
        Random.Shared.NextBytes(audio);
        return audio;
    }

    /// <summary>Reads events until <paramref name="frames"/> audio frames arrived or the stream ended.</summary>
    private static async Task<(byte[] Audio, List<int> Lengths, bool Ended)> ReadAudioAsync(TwilioMediaStreamTransport transport, int frames, CancellationToken ct)
    {
        var audio = new List<byte>();
        var lengths = new List<int>();
        var ended = false;
        await foreach (var e in transport.ReadEventsAsync(ct))
        {
            if (e.Kind == TransportEventKind.Ended)
            {
                ended = true;
                continue;
            }

            if (e.Frame is { } frame)
            {
                lengths.Add(frame.Length);
                audio.AddRange(frame.Span.ToArray());
                frame.Dispose();
                if (lengths.Count == frames)
                {
                    break;
                }
            }
        }

        return ([.. audio], lengths, ended);
    }

    private sealed class RecordingCallActions : ITwilioCallActions
    {
        public ConcurrentQueue<string> Calls { get; } = new();

        public Task HangUpAsync(string callSid, CancellationToken ct)
        {
            Calls.Enqueue("hangup " + callSid);
            return Task.CompletedTask;
        }

        public Task TransferAsync(string callSid, string destination, CancellationToken ct)
        {
            Calls.Enqueue("transfer " + callSid + " " + destination);
            return Task.CompletedTask;
        }
    }

    /// <summary>A loopback host whose media endpoint accepts transports and hands them to the test.</summary>
    private sealed class Harness : IAsyncDisposable
    {
        private readonly Channel<object> _accepted = Channel.CreateUnbounded<object>();
        private LoopbackWebSocketHost _host = null!;

        public TwilioOptions Options { get; private init; } = new();

        public ConcurrentQueue<string> Logs { get; } = new();

        public Uri Url => _host.MediaUrl;

        public static async Task<Harness> StartAsync(TwilioOptions? options = null, ITwilioCallActions? actions = null)
        {
            var harness = new Harness { Options = options ?? new TwilioOptions() };
            var logger = new ListLogger(harness.Logs);
            harness._host = await LoopbackWebSocketHost.StartAsync(async (socket, context) =>
            {
                TwilioMediaStreamTransport transport;
                try
                {
                    transport = await TwilioMediaStreamTransport.AcceptAsync(socket, harness.Options, actions, logger, context.RequestAborted);
                }
                catch (Exception e)
                {
                    harness._accepted.Writer.TryWrite(e);
                    return;
                }

                harness._accepted.Writer.TryWrite(transport);
                await transport.Closed; // the request (and its socket) lives until the transport is done with it
            });
            return harness;
        }

        public async Task<TwilioMediaStreamTransport> AcceptedAsync(CancellationToken ct) =>
            await _accepted.Reader.ReadAsync(ct) as TwilioMediaStreamTransport ?? throw new AssertionException("The stream did not start.");

        public async Task<Exception> FailedAsync(CancellationToken ct) =>
            await _accepted.Reader.ReadAsync(ct) as Exception ?? throw new AssertionException("The stream started.");

        public ValueTask DisposeAsync() => _host.DisposeAsync();
    }

    private sealed class ManualTime : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }

    private sealed class ListLogger(ConcurrentQueue<string> logs) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            logs.Enqueue(formatter(state, exception));
    }
}
