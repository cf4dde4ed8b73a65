using Microsoft.Extensions.AI;

namespace VoiceKit;

/// <summary>Adapts Microsoft.Extensions.AI chat clients to <see cref="ILanguageModel"/>.</summary>
public static class LanguageModelExtensions
{
    /// <summary>Wraps a chat client as the agent's language model.</summary>
    /// <param name="client">
    /// Any MEAI chat client. Do not add automatic function invocation (<c>UseFunctionInvocation</c>): the session invokes
    /// tools itself, to speak filler phrases, apply timeouts and keep results in history across interruptions.
    /// </param>
    /// <returns>The language model.</returns>
    public static ILanguageModel AsLanguageModel(this IChatClient client) => new ChatClientLanguageModel(client);
}
