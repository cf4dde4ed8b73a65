using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace VoiceKit;

/// <summary>Composes a <see cref="VoiceAgent"/>. Not thread-safe; build once, then share the agent.</summary>
public sealed class VoiceAgentBuilder
{
    private readonly List<AITool> _tools = [];
    private readonly List<Action<VoiceAgentOptions>> _configure = [];
    private ISpeechToText? _speechToText;
    private ILanguageModel? _languageModel;
    private ITextToSpeech? _textToSpeech;
    private TimeProvider _timeProvider = TimeProvider.System;
    private ILoggerFactory _loggerFactory = NullLoggerFactory.Instance;
    private bool _timeProviderSet;
    private bool _loggerFactorySet;

    /// <summary>Sets the recogniser.</summary>
    /// <param name="speechToText">A streaming recogniser.</param>
    /// <returns>This builder.</returns>
    public VoiceAgentBuilder UseSpeechToText(ISpeechToText speechToText)
    {
        _speechToText = speechToText ?? throw new ArgumentNullException(nameof(speechToText));
        return this;
    }

    /// <summary>Sets the language model.</summary>
    /// <param name="languageModel">The model.</param>
    /// <returns>This builder.</returns>
    public VoiceAgentBuilder UseLanguageModel(ILanguageModel languageModel)
    {
        _languageModel = languageModel ?? throw new ArgumentNullException(nameof(languageModel));
        return this;
    }

    /// <summary>Sets the language model from any Microsoft.Extensions.AI chat client (without automatic function invocation).</summary>
    /// <param name="chatClient">The chat client.</param>
    /// <returns>This builder.</returns>
    public VoiceAgentBuilder UseLanguageModel(IChatClient chatClient) => UseLanguageModel(chatClient.AsLanguageModel());

    /// <summary>Sets the synthesiser.</summary>
    /// <param name="textToSpeech">A streaming synthesiser.</param>
    /// <returns>This builder.</returns>
    public VoiceAgentBuilder UseTextToSpeech(ITextToSpeech textToSpeech)
    {
        _textToSpeech = textToSpeech ?? throw new ArgumentNullException(nameof(textToSpeech));
        return this;
    }

    /// <summary>Sets the system instructions.</summary>
    /// <param name="instructions">Who the agent is and how it behaves.</param>
    /// <returns>This builder.</returns>
    public VoiceAgentBuilder WithInstructions(string instructions) => Configure(o => o.Instructions = instructions);

    /// <summary>Sets what the agent says when it answers.</summary>
    /// <param name="greeting">The greeting.</param>
    /// <returns>This builder.</returns>
    public VoiceAgentBuilder WithGreeting(string greeting) => Configure(o => o.Greeting = greeting);

    /// <summary>Adds tools (usually <see cref="AIFunction"/>s from <see cref="AIFunctionFactory"/>).</summary>
    /// <param name="tools">The tools.</param>
    /// <returns>This builder.</returns>
    public VoiceAgentBuilder WithTools(params IEnumerable<AITool> tools)
    {
        foreach (var tool in tools)
        {
            _tools.Add(tool ?? throw new ArgumentNullException(nameof(tools), "A tool is null."));
        }

        return this;
    }

    /// <summary>Adjusts the options.</summary>
    /// <param name="configure">Changes to make.</param>
    /// <returns>This builder.</returns>
    public VoiceAgentBuilder Configure(Action<VoiceAgentOptions> configure)
    {
        _configure.Add(configure ?? throw new ArgumentNullException(nameof(configure)));
        return this;
    }

    /// <summary>Sets the clock for every timeout and latency (tests use a fake one).</summary>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>This builder.</returns>
    public VoiceAgentBuilder UseTimeProvider(TimeProvider timeProvider)
    {
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _timeProviderSet = true;
        return this;
    }

    /// <summary>Sets where the agent logs.</summary>
    /// <param name="loggerFactory">The logger factory.</param>
    /// <returns>This builder.</returns>
    public VoiceAgentBuilder UseLogging(ILoggerFactory loggerFactory)
    {
        _loggerFactory = loggerFactory ?? throw new ArgumentNullException(nameof(loggerFactory));
        _loggerFactorySet = true;
        return this;
    }

    /// <summary>Checks the configuration and builds the agent.</summary>
    /// <returns>The agent.</returns>
    /// <exception cref="InvalidOperationException">A provider is missing; the message says which call adds it.</exception>
    /// <exception cref="ArgumentException">An option is invalid; the message says what to fix.</exception>
    public VoiceAgent Build() => Build(null);

    /// <summary>Builds the agent, taking providers that were not set from <paramref name="services"/>.</summary>
    internal VoiceAgent Build(IServiceProvider? services)
    {
        T? Resolve<T>() where T : class => services?.GetService(typeof(T)) as T;

        var stt = _speechToText ?? Resolve<ISpeechToText>()
            ?? throw new InvalidOperationException("The agent has no speech-to-text: call UseSpeechToText(...) or register an ISpeechToText.");
        var llm = _languageModel ?? Resolve<ILanguageModel>() ?? Resolve<IChatClient>()?.AsLanguageModel()
            ?? throw new InvalidOperationException("The agent has no language model: call UseLanguageModel(...) or register an ILanguageModel or IChatClient.");
        var tts = _textToSpeech ?? Resolve<ITextToSpeech>()
            ?? throw new InvalidOperationException("The agent has no text-to-speech: call UseTextToSpeech(...) or register an ITextToSpeech.");
        if (services is not null)
        {
            _timeProvider = _timeProviderSet ? _timeProvider : Resolve<TimeProvider>() ?? _timeProvider;
            _loggerFactory = _loggerFactorySet ? _loggerFactory : Resolve<ILoggerFactory>() ?? _loggerFactory;
        }

        var options = new VoiceAgentOptions();
        foreach (var configure in _configure)
        {
            configure(options);
        }

        options.Validate();
        var names = new HashSet<string>(StringComparer.Ordinal) { BuiltInTool.EndCall, BuiltInTool.TransferToHuman };
        foreach (var tool in _tools)
        {
            if (!names.Add(tool.Name))
            {
                throw new ArgumentException($"Two tools are named '{tool.Name}' (or it clashes with a built-in tool); tool names must be unique.");
            }
        }

        return new VoiceAgent(stt, llm, tts, options, [.. _tools], _timeProvider, _loggerFactory);
    }
}
