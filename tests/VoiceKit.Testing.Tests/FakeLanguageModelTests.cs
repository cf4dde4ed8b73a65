using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace VoiceKit.Testing.Tests;

public sealed class FakeLanguageModelTests
{
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    [Test]
    public async Task StreamsWordDeltasAfterTimeToFirstTokenThenOnePerInterval()
    {
        var time = new FakeTimeProvider();
        var start = time.GetTimestamp();
        var model = new FakeLanguageModel(time).Enqueue("Your order ships today.");
        var seen = new List<(double, string)>();
        var reading = Task.Run(async () =>
        {
            await foreach (var update in model.StreamAsync([new ChatMessage(ChatRole.User, "where is it")], null))
            {
                seen.Add((time.GetElapsedTime(start).TotalMilliseconds, update.Text));
            }
        });
        VirtualTime.Advance(time, TimeSpan.FromSeconds(1), Ms);
        await reading;
        Assert.That(seen, Is.EqualTo(new[] { (300.0, "Your"), (320.0, " order"), (340.0, " ships"), (360.0, " today.") }));
        Assert.Multiple(() =>
        {
            Assert.That(model.CompletedCount, Is.EqualTo(1));
            Assert.That(model.Requests.Single().Single().Text, Is.EqualTo("where is it"));
        });
    }

    [Test]
    public async Task ToolCallsGetDeterministicIdsAndFollowTheText()
    {
        var time = new FakeTimeProvider();
        var model = new FakeLanguageModel(time) { TimeToFirstToken = TimeSpan.Zero, DeltaInterval = TimeSpan.Zero };
        model.Enqueue(new FakeReply
        {
            Text = "Let me check.",
            ToolCalls = [new FunctionCallContent("", "get_order", new Dictionary<string, object?> { ["id"] = "1234" })],
        });
        model.Enqueue(FakeReply.CallTool("end_call", callId: "mine"));
        var first = new List<ChatResponseUpdate>();
        await foreach (var u in model.StreamAsync([], null))
        {
            first.Add(u);
        }

        var second = new List<ChatResponseUpdate>();
        await foreach (var u in model.StreamAsync([], null))
        {
            second.Add(u);
        }

        var call = first[^1].Contents.OfType<FunctionCallContent>().Single();
        Assert.Multiple(() =>
        {
            Assert.That(string.Concat(first.Select(u => u.Text)), Is.EqualTo("Let me check."));
            Assert.That((call.CallId, call.Name, call.Arguments!["id"]), Is.EqualTo(("call-1-1", "get_order", (object?)"1234")));
            Assert.That(second.Single().Contents.OfType<FunctionCallContent>().Single().CallId, Is.EqualTo("mine"));
        });
    }

    [Test]
    public async Task CancellationStopsTheStreamAtOnceAndIsCounted()
    {
        var time = new FakeTimeProvider();
        var model = new FakeLanguageModel(time).Enqueue("one two three four five six");
        using var cts = new CancellationTokenSource();
        var count = 0;
        var reading = Task.Run(async () =>
        {
            await foreach (var _ in model.StreamAsync([], null, cts.Token))
            {
                if (++count == 2)
                {
                    await cts.CancelAsync();
                }
            }
        });
        VirtualTime.Advance(time, TimeSpan.FromMilliseconds(330), Ms);
        Assert.That(async () => await reading, Throws.InstanceOf<OperationCanceledException>());
        Assert.That((count, model.CancelledCount, model.CompletedCount), Is.EqualTo((2, 1, 0)));
    }

    [Test]
    public async Task AbandoningTheStreamCountsAsCancelled()
    {
        var model = new FakeLanguageModel(new FakeTimeProvider()) { TimeToFirstToken = TimeSpan.Zero, DeltaInterval = TimeSpan.Zero };
        model.Enqueue("a b c");
        await foreach (var _ in model.StreamAsync([], null))
        {
            break;
        }

        Assert.That(model.CancelledCount, Is.EqualTo(1));
    }

    [Test]
    public async Task ResponderAnswersWhenTheQueueIsEmptyAndErrorsSurface()
    {
        var model = new FakeLanguageModel(new FakeTimeProvider()) { TimeToFirstToken = TimeSpan.Zero, DeltaInterval = TimeSpan.Zero };
        model.Responder = messages => FakeReply.Say($"You said {messages[^1].Text}");
        model.Enqueue(FakeReply.Fail(new InvalidOperationException("boom")));
        Assert.That(async () =>
        {
            await foreach (var _ in model.StreamAsync([], null))
            {
            }
        }, Throws.InvalidOperationException.With.Message.EqualTo("boom"));
        var text = "";
        await foreach (var u in model.StreamAsync([new ChatMessage(ChatRole.User, "hi")], null))
        {
            text += u.Text;
        }

        Assert.That(text, Is.EqualTo("You said hi"));
        Assert.That(model.Requests, Has.Count.EqualTo(2));
    }

    [Test]
    public void WithoutAReplyTheErrorSaysWhatToDo()
    {
        var model = new FakeLanguageModel(new FakeTimeProvider());
        Assert.That(async () =>
        {
            await foreach (var _ in model.StreamAsync([], null))
            {
            }
        }, Throws.InvalidOperationException.With.Message.Contains("Enqueue"));
    }

    [Test]
    public void WordDeltasConcatenateBackToTheText() =>
        Assert.That(FakeLanguageModel.SplitWords("  Hi  there,\nfriend. "), Is.EqualTo(new[] { "  Hi", "  there,", "\nfriend.", " " }));
}
