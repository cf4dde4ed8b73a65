using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using VoiceKit.Conformance;

namespace VoiceKit.Twilio.Tests;

/// <summary>
/// 100 concurrent phone calls held for 60 s on one host (the load bar): every call talks (a caller phrase every
/// 8 s, a 2-3 s answer paced out through the transport), and at the end every caller frame reached a recogniser, no answer
/// had a gap (a late frame beyond one frame of jitter), memory stayed flat, and every session was disposed.
/// </summary>
[Category("Load")]
public sealed class TwilioLoadTests
{
    private const int Calls = 100;
    private static readonly TimeSpan Hold = TimeSpan.FromSeconds(60);
    private const string Reply = "Your parcel left the depot this morning and it is on the van now. The driver will be with you after four, "
        + "and if you are out it will go to your neighbour at number twelve. Is there anything else I can help you with today?";

    [Test]
    [CancelAfter(180_000)]
    public async Task A_hundred_calls_held_for_a_minute_drop_no_frames_play_without_gaps_and_leave_nothing_behind()
    {
        await using var host = await TwilioAgentHost.StartAsync(agent: b => b.UseLanguageModel(new FixedReplyModel(Reply)));
        var phrase = ScriptedSpeech.Say("is my parcel coming today", seed: 7);
        host.Recognizer.Learn(phrase);

        var calls = new List<SimulatedTwilio>();
        try
        {
            for (var i = 0; i < Calls; i++)
            {
                var (_, url, parameters) = await host.RingAsync(from: $"+4477009{i:D5}");
                var twilio = TwilioAgentHost.Stream(url!, parameters, recordMessages: false);
                calls.Add(twilio);
                await twilio.ConnectAsync();
                twilio.StartMedia();
            }

            using var hold = new CancellationTokenSource(Hold);
            var talking = calls.Select((call, i) => TalkAsync(call, phrase, offset: TimeSpan.FromMilliseconds(80 * i), hold.Token)).ToArray();
            await Task.Delay(TimeSpan.FromSeconds(20));
            var memoryAt20 = SettledMemory();
            await Task.WhenAll(talking);
            var memoryAt60 = SettledMemory();

            foreach (var call in calls)
            {
                await call.StopMediaAsync();
            }

            await Task.Delay(200); // the last frames in flight
            var framesSent = calls.Sum(c => c.FramesSent);
            var framesHeard = host.SpeechToText.BytesReceived / 160;
            var underruns = calls.SelectMany(c => c.Underruns).Where(g => g > TimeSpan.FromMilliseconds(20)).ToList();
            var answered = calls.Count(c => c.MediaReceived > 500);

            foreach (var call in calls)
            {
                await call.HangUpAsync();
            }

            using var settle = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await SimulatedTwilio.WaitUntilAsync(() => host.SpeechToText.StreamsOpen == 0 && host.TextToSpeech.StreamsOpen == 0, settle.Token);

            TestContext.Progress.WriteLine(
                $"{Calls} calls, {Hold.TotalSeconds:0} s: caller frames sent {framesSent}, heard {framesHeard}; answered {answered}; " +
                $"gaps > 20 ms {underruns.Count}; managed memory {memoryAt20 / 1e6:0.0} MB at 20 s, {memoryAt60 / 1e6:0.0} MB at 60 s");
            Assert.Multiple(() =>
            {
                Assert.That(host.SpeechToText.StreamsStarted, Is.EqualTo(Calls), "one session per call");
                Assert.That(framesHeard, Is.EqualTo(framesSent).Within(Calls), "no caller frame dropped (at most one in flight per call at the end)");
                Assert.That(answered, Is.EqualTo(Calls), "every call got its answers");
                Assert.That(underruns, Is.Empty, "no agent frame late beyond one frame of jitter (the 100 ms lead absorbs the rest)");
                Assert.That(memoryAt60 - memoryAt20, Is.LessThan(Math.Max(0.10 * memoryAt20, 4e6)), "memory flat between 20 s and 60 s (under 10 %, or 4 MB)");
                Assert.That(host.SpeechToText.StreamsOpen + host.TextToSpeech.StreamsOpen, Is.Zero, "every session disposed its streams");
            });
        }
        finally
        {
            foreach (var call in calls)
            {
                await call.DisposeAsync();
            }
        }
    }

    private static async Task TalkAsync(SimulatedTwilio call, SpokenPhrase phrase, TimeSpan offset, CancellationToken hold)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(2) + offset, hold);
            while (!hold.IsCancellationRequested)
            {
                call.SendCallerAudio(phrase.Audio);
                await Task.Delay(TimeSpan.FromSeconds(8), hold);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static long SettledMemory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>A language model that answers every turn with the same text, streamed word by word, and keeps nothing.</summary>
    private sealed class FixedReplyModel(string reply) : ILanguageModel
    {
        public async IAsyncEnumerable<ChatResponseUpdate> StreamAsync(IReadOnlyList<ChatMessage> messages, ChatOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.Delay(30, cancellationToken);
            foreach (var word in reply.Split(' '))
            {
                yield return new ChatResponseUpdate(ChatRole.Assistant, word + " ");
            }
        }
    }
}
