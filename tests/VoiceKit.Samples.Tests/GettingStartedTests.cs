using DescriptionAttribute = System.ComponentModel.DescriptionAttribute;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;
using VoiceKit.Testing;

namespace VoiceKit.Samples.Tests;

/// <summary>The code of docs/getting-started.md, step 3, as written there: if the API moves, the guide must move with it.</summary>
[CancelAfter(30_000)]
public sealed class GettingStartedTests
{
    [Test]
    public async Task The_guides_virtual_time_test_runs_as_written()
    {
        // --- from docs/getting-started.md, step 3 ---
        var time = new FakeTimeProvider();
        var transport = new InMemoryTransport(time);                   // 8 kHz mu-law, like a phone line
        var stt = new FakeSpeechToText(time);                          // hears the words the simulated caller says
        var llm = new FakeLanguageModel(time)                         // a scripted stand-in for the model
        {
            Responder = messages =>
                messages[^1].Role == ChatRole.Tool ? FakeReply.Say("It's out for delivery, arriving between two and four.")
                : messages[^1].Text.Contains("four five two") ? FakeReply.CallTool("get_order_status", new Dictionary<string, object?> { ["orderNumber"] = "452198" })
                : FakeReply.Say("Could you tell me your order number?"),
        };
        var agent = new VoiceAgentBuilder()
            .UseSpeechToText(stt).UseLanguageModel(llm).UseTextToSpeech(new FakeTextToSpeech(time))
            .UseTimeProvider(time)
            .WithTools(AIFunctionFactory.Create(Orders.GetOrderStatus, "get_order_status"))
            .Build();

        var caller = new SimulatedCaller(transport, time, stt)
            .Say("Hi, where is my parcel?")
            .WaitForAgent()
            .Say("It's four five two one nine eight.")
            .WaitForAgent()
            .HangUp();

        var call = agent.StartCall(transport);
        await caller.RunAsync();
        var summary = await call.Completion;                           // summary.ToolCalls == 1, summary.TurnMetrics, ...
        // --- end of the guide's code ---

        await call.DisposeAsync();
        var history = call.GetHistory();
        Assert.Multiple(() =>
        {
            Assert.That(summary.ToolCalls, Is.EqualTo(1));
            Assert.That(summary.EndReason, Is.EqualTo(CallEndReason.CallerHungUp));
            Assert.That(history.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Single().Result?.ToString(), Does.Contain("Out for delivery"));
            Assert.That(history.Last(m => m.Role == ChatRole.Assistant).Text, Does.Contain("between two and four"));
        });
    }

    /// <summary>The guide's tool, from step 2.</summary>
    private static class Orders
    {
        [Description("Looks up where a parcel is, by its six-digit order number.")]
        public static string GetOrderStatus(string orderNumber) =>
            orderNumber == "452198" ? "Out for delivery, arriving between two and four." : $"There is no order {orderNumber}.";
    }
}
