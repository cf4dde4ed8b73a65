using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;

namespace VoiceKit.OpenAI;

/// <summary>
/// Creates VoiceKit providers backed by OpenAI or an OpenAI-compatible server. Each method validates the options and
/// copies their settings; providers made from the same options instance share its connection pool.
/// </summary>
public static class OpenAIVoiceExtensions
{
    /// <summary>
    /// Creates a Microsoft.Extensions.AI chat client on the official OpenAI SDK's <c>ChatClient</c> for
    /// <see cref="OpenAIVoiceOptions.ChatModel"/> (<c>POST chat/completions</c>, streaming with tool calls surfaced as
    /// <see cref="FunctionCallContent"/>). Errors come out as VoiceKit's: 401/403 as
    /// <see cref="System.Security.Authentication.AuthenticationException"/>, others as <see cref="VoiceProviderException"/>.
    /// <c>GetService(typeof(ChatClient))</c> returns the SDK client.
    /// </summary>
    /// <param name="options">The settings.</param>
    /// <returns>The chat client; thread-safe, nothing to dispose.</returns>
    /// <exception cref="InvalidOperationException">The options are invalid.</exception>
    public static IChatClient AsOpenAIChatClient(this OpenAIVoiceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var settings = options.Clone();
        var clientOptions = new OpenAIClientOptions
        {
            Endpoint = settings.Endpoint,
            OrganizationId = string.IsNullOrWhiteSpace(settings.Organization) ? null : settings.Organization,
            ProjectId = string.IsNullOrWhiteSpace(settings.Project) ? null : settings.Project,
            Transport = new HttpClientPipelineTransport(options.SharedHttpClient),
            NetworkTimeout = settings.RequestTimeout,

            // One quick retry at most: a caller waiting on the line is better served by an error the agent can speak.
            RetryPolicy = new ClientRetryPolicy(maxRetries: 1),
            UserAgentApplicationId = "VoiceKit",
        };
        clientOptions.AddPolicy(new StreamErrorPolicy(settings), PipelinePosition.PerCall);

        // Local servers that need no key still get a credential, because the SDK requires one; they ignore it.
        var key = string.IsNullOrWhiteSpace(settings.ApiKey) ? "no-key" : settings.ApiKey;
        var chat = new ChatClient(settings.ChatModel, new ApiKeyCredential(key), clientOptions);
        return new OpenAIChatClient(chat.AsIChatClient(), settings);
    }

    /// <summary>
    /// Creates the agent's language model: <see cref="AsOpenAIChatClient"/> wrapped by
    /// <see cref="LanguageModelExtensions.AsLanguageModel"/>. The session invokes tools itself.
    /// </summary>
    /// <param name="options">The settings.</param>
    /// <returns>The language model; thread-safe.</returns>
    /// <exception cref="InvalidOperationException">The options are invalid.</exception>
    public static ILanguageModel AsOpenAILanguageModel(this OpenAIVoiceOptions options) => options.AsOpenAIChatClient().AsLanguageModel();

    /// <summary>
    /// Creates a recogniser on streaming transcriptions (<c>POST audio/transcriptions</c>, <c>stream=true</c>,
    /// <see cref="OpenAIVoiceOptions.TranscriptionModel"/>). Each utterance, cut when the session calls
    /// <see cref="ISpeechToTextStream.FinalizeAsync"/>, is one request: interim updates as the text streams, then a final
    /// with <see cref="TranscriptUpdate.IsEndpoint"/> set. Phone audio is sent at 8 kHz as PCM16 WAV.
    /// </summary>
    /// <param name="options">The settings.</param>
    /// <returns>The recogniser; a thread-safe factory. Each stream is owned by its caller, who disposes it.</returns>
    /// <exception cref="InvalidOperationException">The options are invalid.</exception>
    public static ISpeechToText AsOpenAISpeechToText(this OpenAIVoiceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return new OpenAISpeechToText(options.Clone(), options.SharedHttpClient);
    }

    /// <summary>
    /// Creates a synthesiser on <c>POST audio/speech</c> with <c>response_format=pcm</c>
    /// (<see cref="OpenAIVoiceOptions.SpeechModel"/>, <see cref="OpenAIVoiceOptions.Voice"/>): PCM16 at 24 kHz, streamed
    /// as it is made, one request per segment with the next one pipelined.
    /// </summary>
    /// <param name="options">The settings.</param>
    /// <returns>The synthesiser; a thread-safe factory. Each stream is owned by its caller, who disposes it.</returns>
    /// <exception cref="InvalidOperationException">The options are invalid.</exception>
    public static ITextToSpeech AsOpenAITextToSpeech(this OpenAIVoiceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return new OpenAITextToSpeech(options.Clone(), options.SharedHttpClient);
    }
}
