using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace VoiceKit.Samples.Console;

/// <summary>
/// A small rule-based stand-in for a language model, so the demo runs with no API key: it answers a parcel company's
/// callers by keyword and looks orders up through a real tool call, streamed the way a model streams. It is an
/// <see cref="IChatClient"/> like any other, so swapping in a real model changes one line.
/// </summary>
internal sealed class ParcelDeskChatClient : IChatClient
{
    /// <summary>What the demo prints about this model.</summary>
    public const string Label = "built-in rule-based model (no API key; set OPENAI_API_KEY or OPENAI_BASE_URL for a real one)";

    /// <summary>The name of the order lookup tool it calls.</summary>
    public const string OrderTool = "get_order_status";

    private const string EndCallTool = "end_call";

    /// <inheritdoc />
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var history = messages as IReadOnlyList<ChatMessage> ?? [.. messages];
        var responseId = Guid.NewGuid().ToString("N");
        switch (Respond(history))
        {
            case FunctionCallContent call:
                yield return new ChatResponseUpdate(ChatRole.Assistant, [call]) { ResponseId = responseId, FinishReason = ChatFinishReason.ToolCalls };
                break;
            case string text:
                // Word by word, as a model streams tokens: the session starts speaking at the first clause.
                foreach (var word in text.Split(' '))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    await Task.Yield();
                    yield return new ChatResponseUpdate(ChatRole.Assistant, word + " ") { ResponseId = responseId };
                }

                break;
        }
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    /// <inheritdoc />
    public void Dispose()
    {
    }

    /// <summary>The reply to the conversation so far: text to say, or a tool to call.</summary>
    internal static object Respond(IReadOnlyList<ChatMessage> messages)
    {
        var last = messages[^1];
        if (last.Role == ChatRole.Tool)
        {
            var called = messages.Count > 1 ? messages[^2].Contents.OfType<FunctionCallContent>().FirstOrDefault()?.Name : null;
            if (called == EndCallTool)
            {
                return "Thanks for calling Acme Parcels. Goodbye!";
            }

            var result = last.Contents.OfType<FunctionResultContent>().FirstOrDefault()?.Result?.ToString() ?? "";
            return $"{result} Anything else I can help with?";
        }

        var said = last.Text.ToLowerInvariant();
        var digits = SpokenDigits.ToDigits(said);
        if (digits.Length >= 6)
        {
            return new FunctionCallContent($"call_{messages.Count}", OrderTool, new Dictionary<string, object?> { ["orderNumber"] = digits });
        }

        if (digits.Length > 0 && (said.Contains("order", StringComparison.Ordinal) || said.Contains("number", StringComparison.Ordinal)))
        {
            return $"I heard {SpokenDigits.ToWords(digits)}, but order numbers have six digits. Could you read me the whole number?";
        }

        if (said.Contains("text", StringComparison.Ordinal) || said.Contains("message", StringComparison.Ordinal))
        {
            return "Of course. We'll send you a text message when the driver is about ten minutes away.";
        }

        if (said.Contains("parcel", StringComparison.Ordinal) || said.Contains("order", StringComparison.Ordinal) ||
            said.Contains("package", StringComparison.Ordinal) || said.Contains("delivery", StringComparison.Ordinal))
        {
            return "I'm sorry to hear that. I can look it up for you. Could you tell me your order number, please? " +
                "You'll find it in your confirmation email, just under the delivery address.";
        }

        if (said.Contains("that's all", StringComparison.Ordinal) || said.Contains("bye", StringComparison.Ordinal))
        {
            return new FunctionCallContent($"call_{messages.Count}", EndCallTool, new Dictionary<string, object?>());
        }

        return "Sorry, I didn't catch that. Could you say it again?";
    }
}
