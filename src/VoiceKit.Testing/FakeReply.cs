using Microsoft.Extensions.AI;

namespace VoiceKit.Testing;

/// <summary>
/// One scripted reply of a <see cref="FakeLanguageModel"/>: text (streamed word by word) and/or tool calls, optionally
/// followed by an error. Immutable.
/// </summary>
public sealed class FakeReply
{
    /// <summary>The reply's text, streamed as one delta per word (each delta but the first starts with its space). Empty for none.</summary>
    public string Text { get; init; } = "";

    /// <summary>
    /// Tool calls sent after the text, one update each. A call with an empty <c>CallId</c> gets
    /// a deterministic one, <c>call-{request}-{index}</c>, both counted from 1.
    /// </summary>
    public IReadOnlyList<FunctionCallContent> ToolCalls { get; init; } = [];

    /// <summary>Overrides <see cref="FakeLanguageModel.TimeToFirstToken"/> for this reply.</summary>
    public TimeSpan? TimeToFirstToken { get; init; }

    /// <summary>When set, thrown from the stream after the text and tool calls (a provider error mid-reply).</summary>
    public Exception? Error { get; init; }

    /// <summary>A reply that says <paramref name="text"/>.</summary>
    /// <param name="text">What the model says.</param>
    public static FakeReply Say(string text) => new() { Text = text ?? throw new ArgumentNullException(nameof(text)) };

    /// <summary>A reply that calls one tool.</summary>
    /// <param name="name">The function's name.</param>
    /// <param name="arguments">Its arguments, or <see langword="null"/> for none.</param>
    /// <param name="callId">The call's id; generated when omitted.</param>
    public static FakeReply CallTool(string name, IDictionary<string, object?>? arguments = null, string? callId = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new() { ToolCalls = [new FunctionCallContent(callId ?? "", name, arguments)] };
    }

    /// <summary>A reply that fails with <paramref name="error"/> after its time to first token.</summary>
    /// <param name="error">What the stream throws.</param>
    public static FakeReply Fail(Exception error) => new() { Error = error ?? throw new ArgumentNullException(nameof(error)) };
}
