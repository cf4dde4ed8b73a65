using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace VoiceKit;

/// <summary>
/// A configured voice agent: recogniser, language model, synthesiser, instructions and tools. Build one with
/// <see cref="VoiceAgentBuilder"/> and run it on as many calls as you like, concurrently: each call gets its own
/// <see cref="VoiceCall"/>. Thread-safe; holds no per-call state.
/// </summary>
public sealed class VoiceAgent
{
    internal VoiceAgent(ISpeechToText speechToText, ILanguageModel languageModel, ITextToSpeech textToSpeech, VoiceAgentOptions options,
        IReadOnlyList<AITool> tools, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        SpeechToText = speechToText;
        LanguageModel = languageModel;
        TextToSpeech = textToSpeech;
        Options = options;
        Tools = tools;
        TimeProvider = timeProvider;
        LoggerFactory = loggerFactory;
    }

    /// <summary>The recogniser.</summary>
    public ISpeechToText SpeechToText { get; }

    /// <summary>The language model.</summary>
    public ILanguageModel LanguageModel { get; }

    /// <summary>The synthesiser.</summary>
    public ITextToSpeech TextToSpeech { get; }

    /// <summary>The options, validated when the agent was built. Do not change them afterwards.</summary>
    public VoiceAgentOptions Options { get; }

    /// <summary>The caller's tools, without the built-in ones.</summary>
    public IReadOnlyList<AITool> Tools { get; }

    internal TimeProvider TimeProvider { get; }

    internal ILoggerFactory LoggerFactory { get; }

    /// <summary>Runs a call to its end.</summary>
    /// <param name="transport">The call's connection; not disposed by the agent.</param>
    /// <param name="cancellationToken">Ends the call (host shutdown): the agent stops and the summary says <see cref="CallEndReason.Cancelled"/>.</param>
    /// <returns>What happened on the call.</returns>
    public async Task<CallSummary> RunAsync(ITransport transport, CancellationToken cancellationToken = default)
    {
        // Nobody can read this call's events, so it keeps none: a long call must not hold up to a queue's worth of them.
        ArgumentNullException.ThrowIfNull(transport);
        await using var call = new VoiceCall(this, transport, cancellationToken, publishEvents: false);
        return await call.Completion.ConfigureAwait(false);
    }

    /// <summary>Starts a call and returns at once, so the caller can watch its events and history while it runs.</summary>
    /// <param name="transport">The call's connection; not disposed by the agent.</param>
    /// <param name="cancellationToken">Ends the call.</param>
    /// <returns>The running call; dispose it to end it early.</returns>
    public VoiceCall StartCall(ITransport transport, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transport);
        return new VoiceCall(this, transport, cancellationToken);
    }
}
