using Microsoft.Extensions.AI;

namespace VoiceKit;

/// <summary>
/// The agent's brain: streams a reply (text deltas and tool calls) to a conversation. Reuses Microsoft.Extensions.AI's
/// exchange types; <see cref="LanguageModelExtensions.AsLanguageModel"/> wraps any <see cref="IChatClient"/>, so every
/// MEAI provider works. Thread-safe.
/// </summary>
public interface ILanguageModel
{
    /// <summary>Streams the model's next message.</summary>
    /// <param name="messages">The conversation so far, instructions first.</param>
    /// <param name="options">Tools and settings; the session fills <see cref="ChatOptions.Tools"/> and invokes the tools itself.</param>
    /// <param name="cancellationToken">Cancels the reply (barge-in).</param>
    /// <returns>Updates carrying <see cref="TextContent"/> deltas and <see cref="FunctionCallContent"/> tool calls.</returns>
    IAsyncEnumerable<ChatResponseUpdate> StreamAsync(IReadOnlyList<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken = default);
}
