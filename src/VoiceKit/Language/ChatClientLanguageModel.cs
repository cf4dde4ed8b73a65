using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace VoiceKit;

/// <summary>An <see cref="ILanguageModel"/> over any Microsoft.Extensions.AI <see cref="IChatClient"/>.</summary>
internal sealed class ChatClientLanguageModel(IChatClient client) : ILanguageModel
{
    public IChatClient Client { get; } = client ?? throw new ArgumentNullException(nameof(client));

    public async IAsyncEnumerable<ChatResponseUpdate> StreamAsync(IReadOnlyList<ChatMessage> messages, ChatOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var update in Client.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
        {
            yield return update;
        }
    }
}
