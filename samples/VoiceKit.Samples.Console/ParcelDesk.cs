using System.ComponentModel;
using Microsoft.Extensions.AI;
using VoiceKit.Testing;

namespace VoiceKit.Samples.Console;

/// <summary>
/// A small rule-based stand-in for a language model, for the offline demo: it answers a parcel company's callers by
/// keyword, and looks orders up through a real tool call, as a model would.
/// </summary>
internal sealed class ParcelDesk
{
    private static readonly Dictionary<string, string> s_orders = new(StringComparer.Ordinal)
    {
        ["4521"] = "left the Leeds depot this morning and is out for delivery, arriving between two and four this afternoon",
        ["7730"] = "is waiting at your local pickup point on Mill Street",
    };

    /// <summary>The tool the model calls: looks an order up in the (local) order system.</summary>
    [Description("Looks up where a parcel is, by its order number.")]
    public static async Task<string> GetOrderStatus([Description("The order number, digits only.")] string orderNumber, TimeProvider time)
    {
        await Task.Delay(TimeSpan.FromSeconds(2.2), time); // a slow back-end, so the caller hears a filler phrase
        return s_orders.TryGetValue(orderNumber, out var status) ? $"Order {orderNumber} {status}." : $"There is no order {orderNumber}.";
    }

    /// <summary>Chooses the next reply from the conversation so far.</summary>
    public static FakeReply Respond(IReadOnlyList<ChatMessage> messages)
    {
        var last = messages[^1];
        if (last.Role == ChatRole.Tool && messages[^2].Contents.OfType<FunctionCallContent>().Any(c => c.Name == "end_call"))
        {
            return FakeReply.Say("Thanks for calling Acme Parcels. Goodbye!");
        }

        if (last.Role == ChatRole.Tool)
        {
            var result = last.Contents.OfType<FunctionResultContent>().Single().Result?.ToString() ?? "";
            return FakeReply.Say(result.Replace("Order", "Good news: order", StringComparison.Ordinal) + " Is there anything else?");
        }

        var said = last.Text.ToLowerInvariant();
        var digits = new string([.. said.Split(' ').Select(Digit).Where(d => d is not null).Select(d => d!.Value)]);
        if (digits.Length >= 4)
        {
            return FakeReply.CallTool("get_order_status", new Dictionary<string, object?> { ["orderNumber"] = digits }, $"call-{messages.Count}");
        }

        if (said.Contains("text", StringComparison.Ordinal) || said.Contains("message", StringComparison.Ordinal))
        {
            return FakeReply.Say("Of course. I'll send you a text message as soon as the driver is ten minutes away.");
        }

        if (said.Contains("that's all", StringComparison.Ordinal) || said.Contains("bye", StringComparison.Ordinal))
        {
            return FakeReply.CallTool("end_call", callId: $"call-{messages.Count}");
        }

        if (said.Contains("parcel", StringComparison.Ordinal) || said.Contains("order", StringComparison.Ordinal))
        {
            return FakeReply.Say("I can help with that. Could you tell me your order number, please? You'll find it in your confirmation email, usually near the top.");
        }

        return FakeReply.Say("Sorry, I didn't catch that. Could you say it again?");
    }

    private static char? Digit(string word) => word.Trim('.', ',', '?', '!') switch
    {
        "zero" or "oh" => '0', "one" => '1', "two" => '2', "three" => '3', "four" => '4',
        "five" => '5', "six" => '6', "seven" => '7', "eight" => '8', "nine" => '9',
        _ => null,
    };
}
