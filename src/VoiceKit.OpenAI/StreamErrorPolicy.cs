using System.ClientModel.Primitives;

namespace VoiceKit.OpenAI;

/// <summary>
/// An OpenAI SDK pipeline policy that makes a mid-stream <c>data: {"error":...}</c> event fail the chat stream. The
/// API sends one when it fails after the response has started (protocols.md §4.1); the SDK would read it as an empty
/// update, and the reply would end as if complete. The policy wraps every <c>text/event-stream</c> response body in a
/// <see cref="ServerSentErrorStream"/>.
/// </summary>
internal sealed class StreamErrorPolicy(OpenAIVoiceOptions settings) : PipelinePolicy
{
    public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        ProcessNext(message, pipeline, currentIndex);
        Watch(message);
    }

    public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        await ProcessNextAsync(message, pipeline, currentIndex).ConfigureAwait(false);
        Watch(message);
    }

    private void Watch(PipelineMessage message)
    {
        if (message.Response is { IsError: false, ContentStream: { } body } response
            && response.Headers.TryGetValue("Content-Type", out var type)
            && type?.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase) == true)
        {
            response.ContentStream = new ServerSentErrorStream(body, settings);
        }
    }
}
