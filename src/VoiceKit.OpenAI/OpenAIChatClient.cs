using System.ClientModel;
using System.Net;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace VoiceKit.OpenAI;

/// <summary>
/// Wraps the Microsoft.Extensions.AI chat client over the OpenAI SDK's <c>ChatClient</c>, so a voice agent sees the same
/// errors from every port: a 401/403 becomes an <see cref="System.Security.Authentication.AuthenticationException"/> saying
/// which option to check, any other failure (an error status, or <c>data: {"error":...}</c> in the middle of a stream) a
/// <see cref="VoiceProviderException"/> with OpenAI's error code. Also records the time to the first streamed update
/// (<c>voicekit.provider.time_to_first_result</c>, port <c>llm</c>). Thread-safe, like the client it wraps.
/// </summary>
internal sealed class OpenAIChatClient(IChatClient inner, OpenAIVoiceOptions settings) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        }
        catch (ClientResultException ex)
        {
            throw Translate(ex, settings);
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var started = settings.TimeProvider.GetTimestamp();
        var first = true;
        var updates = base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using (updates.ConfigureAwait(false))
        {
            while (true)
            {
                try
                {
                    if (!await updates.MoveNextAsync().ConfigureAwait(false))
                    {
                        yield break;
                    }
                }
                catch (ClientResultException ex)
                {
                    throw Translate(ex, settings);
                }

                if (first)
                {
                    first = false;
                    OpenAITelemetry.Metrics.RecordFirstResult(ProviderMetrics.LanguageModel, settings.TimeProvider.GetElapsedTime(started));
                }

                yield return updates.Current;
            }
        }
    }

    /// <summary>Maps an OpenAI SDK failure: the status and the error body it carries (when the response is at hand).</summary>
    internal static Exception Translate(ClientResultException exception, OpenAIVoiceOptions settings)
    {
        var response = exception.GetRawResponse();
        if (exception.Status == 0 || response is null)
        {
            // No HTTP status: a network failure, or an error event inside the stream (the SDK's message carries it).
            return new VoiceProviderException("The OpenAI chat request failed: " + exception.Message, OpenAIHttp.Provider, isTransient: exception.Status == 0, innerException: exception);
        }

        ReadOnlyMemory<byte> body;
        try
        {
            body = response.Content.ToMemory();
        }
        catch (InvalidOperationException)
        {
            body = default; // the body was streamed, not buffered
        }

        var error = OpenAIHttp.ErrorFromBody((HttpStatusCode)exception.Status, body.Span, "chat completion", settings);
        return error is VoiceProviderException provider
            ? new VoiceProviderException(provider.Message, provider.Provider, provider.ErrorCode, provider.IsTransient, exception)
            : new System.Security.Authentication.AuthenticationException(error.Message, exception);
    }
}
