namespace VoiceKit.OpenAI;

/// <summary>
/// Settings for OpenAI (or any OpenAI-compatible server) as a voice agent's language model, speech-to-text and
/// text-to-speech. The defaults suit phone calls. Pass the options to the extension methods in
/// <see cref="OpenAIVoiceExtensions"/>, which validate them and take a copy of the settings: later changes do not affect
/// a provider already created.
/// </summary>
/// <remarks>
/// All providers created from one options instance share one <see cref="HttpClient"/> (one connection pool): the chat
/// client's OpenAI SDK pipeline, the transcription requests and the speech requests reuse the same warm connections. The
/// pool lives as long as the options instance; <see cref="Clone"/> starts a new one. Not thread-safe while being
/// configured; configure on one thread, then create the providers (creating providers is thread-safe).
/// </remarks>
public sealed class OpenAIVoiceOptions
{
    /// <summary>The public OpenAI API, used when <c>OPENAI_BASE_URL</c> is not set.</summary>
    public static readonly Uri DefaultEndpoint = new("https://api.openai.com/v1");

    private readonly Lock _httpGate = new();
    private HttpClient? _http;

    /// <summary>
    /// The API key, sent as <c>Authorization: Bearer &lt;key&gt;</c>. Defaults to the <c>OPENAI_API_KEY</c> environment
    /// variable. Required for api.openai.com; local servers that need no key may leave it empty. VoiceKit never logs it and
    /// never puts it in exception messages.
    /// </summary>
    public string? ApiKey { get; set; } = Environment.GetEnvironmentVariable("OPENAI_API_KEY");

    /// <summary>
    /// The API base URL every request goes to (<c>chat/completions</c>, <c>audio/transcriptions</c>,
    /// <c>audio/speech</c> and <c>models</c> are appended). Defaults to the <c>OPENAI_BASE_URL</c> environment variable,
    /// else <see cref="DefaultEndpoint"/>. Point it at any OpenAI-compatible server: Azure OpenAI's v1 API
    /// (<c>https://&lt;resource&gt;.openai.azure.com/openai/v1</c>), Ollama (<c>http://localhost:11434/v1</c>), vLLM or
    /// llama.cpp (<c>http://localhost:8000/v1</c>).
    /// </summary>
    public Uri Endpoint { get; set; } = EndpointFromEnvironment();

    /// <summary>The organization, sent as <c>OpenAI-Organization</c> when set. Defaults to the <c>OPENAI_ORG_ID</c> environment variable.</summary>
    public string? Organization { get; set; } = Environment.GetEnvironmentVariable("OPENAI_ORG_ID");

    /// <summary>The project, sent as <c>OpenAI-Project</c> when set. Defaults to the <c>OPENAI_PROJECT_ID</c> environment variable.</summary>
    public string? Project { get; set; } = Environment.GetEnvironmentVariable("OPENAI_PROJECT_ID");

    /// <summary>The chat model for the language model, <c>gpt-4o-mini</c> by default (fast enough for conversation).</summary>
    public string ChatModel { get; set; } = "gpt-4o-mini";

    /// <summary>The transcription model, <c>gpt-4o-transcribe</c> by default; it must support <c>stream=true</c> (whisper-1 does not stream).</summary>
    public string TranscriptionModel { get; set; } = "gpt-4o-transcribe";

    /// <summary>The caller's language as ISO-639-1 (<c>en</c>, <c>de</c>...), sent as <c>language</c>; <see langword="null"/> lets the model detect it.</summary>
    public string? TranscriptionLanguage { get; set; }

    /// <summary>Text that guides transcription (names, spellings, the previous sentence), sent as <c>prompt</c> when set.</summary>
    public string? TranscriptionPrompt { get; set; }

    /// <summary>The speech model, <c>gpt-4o-mini-tts</c> by default (<c>tts-1</c> and <c>tts-1-hd</c> also work, without <see cref="SpeechInstructions"/>).</summary>
    public string SpeechModel { get; set; } = "gpt-4o-mini-tts";

    /// <summary>The voice, <c>alloy</c> by default (<c>ash</c>, <c>ballad</c>, <c>coral</c>, <c>echo</c>, <c>sage</c>, <c>shimmer</c>, <c>verse</c>, <c>marin</c>, <c>cedar</c>...).</summary>
    public string Voice { get; set; } = "alloy";

    /// <summary>How the voice should sound ("Speak calmly and warmly."), sent as <c>instructions</c> when set. Not supported by <c>tts-1*</c>.</summary>
    public string? SpeechInstructions { get; set; }

    /// <summary>Speaking speed from 0.25 to 4.0, sent as <c>speed</c> when set; <see langword="null"/> leaves the model's default (1.0).</summary>
    public double? SpeechSpeed { get; set; }

    /// <summary>
    /// Whether <c>StartAsync</c> of the speech ports checks the key first, once per provider, with a cheap
    /// <c>GET models/{model}</c> (which also warms the connection pool): a 401 or 403 fails the start with an
    /// <see cref="System.Security.Authentication.AuthenticationException"/>; any other outcome (404 from servers that do not
    /// implement it, network errors) is tolerated. <see langword="true"/> by default.
    /// </summary>
    public bool VerifyCredentialsOnStart { get; set; } = true;

    /// <summary>The clock for timeouts and latency metrics; <see cref="TimeProvider.System"/> by default.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>How long a speech request may wait for its response headers, or go without receiving a byte, before it fails; 30 s by default.</summary>
    internal TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the credential check may take before it is given up (and tolerated); 5 s by default.</summary>
    internal TimeSpan VerifyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest utterance held for one transcription request; older audio is dropped beyond it. 120 s by default.</summary>
    internal TimeSpan MaxUtterance { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>Checks that the options can be used.</summary>
    /// <exception cref="InvalidOperationException">A value is missing or out of range; the message says which and how to fix it.</exception>
    public void Validate()
    {
        if (Endpoint is null || !Endpoint.IsAbsoluteUri || Endpoint.Scheme is not ("http" or "https"))
        {
            throw new InvalidOperationException("OpenAIVoiceOptions.Endpoint must be an absolute http:// or https:// URI such as https://api.openai.com/v1 (or set the OPENAI_BASE_URL environment variable).");
        }

        if (string.IsNullOrWhiteSpace(ApiKey) && string.Equals(Endpoint.Host, DefaultEndpoint.Host, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException("OpenAI API key is missing: set OpenAIVoiceOptions.ApiKey or the OPENAI_API_KEY environment variable.");
        }

        Require(ChatModel, nameof(ChatModel), "gpt-4o-mini");
        Require(TranscriptionModel, nameof(TranscriptionModel), "gpt-4o-transcribe");
        Require(SpeechModel, nameof(SpeechModel), "gpt-4o-mini-tts");
        Require(Voice, nameof(Voice), "alloy");
        if (TranscriptionLanguage is { } language && (language.Length is < 2 or > 3 || !language.All(char.IsAsciiLetterLower)))
        {
            throw new InvalidOperationException("OpenAIVoiceOptions.TranscriptionLanguage must be an ISO-639-1 code in lower case, such as \"en\", or null to detect the language.");
        }

        if (SpeechSpeed is { } speed && (double.IsNaN(speed) || speed < 0.25 || speed > 4.0))
        {
            throw new InvalidOperationException("OpenAIVoiceOptions.SpeechSpeed must be between 0.25 and 4.0, or null for the model's default.");
        }

        if (TimeProvider is null)
        {
            throw new InvalidOperationException("OpenAIVoiceOptions.TimeProvider is null: leave it at TimeProvider.System or set a clock.");
        }

        static void Require(string value, string name, string example)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                throw new InvalidOperationException($"OpenAIVoiceOptions.{name} is empty: set a model or voice such as \"{example}\".");
            }
        }
    }

    /// <summary>Copies the settings. The copy has its own connection pool, created when a provider is first made from it.</summary>
    /// <returns>The copy.</returns>
    public OpenAIVoiceOptions Clone() => new()
    {
        ApiKey = ApiKey,
        Endpoint = Endpoint,
        Organization = Organization,
        Project = Project,
        ChatModel = ChatModel,
        TranscriptionModel = TranscriptionModel,
        TranscriptionLanguage = TranscriptionLanguage,
        TranscriptionPrompt = TranscriptionPrompt,
        SpeechModel = SpeechModel,
        Voice = Voice,
        SpeechInstructions = SpeechInstructions,
        SpeechSpeed = SpeechSpeed,
        VerifyCredentialsOnStart = VerifyCredentialsOnStart,
        TimeProvider = TimeProvider,
        RequestTimeout = RequestTimeout,
        VerifyTimeout = VerifyTimeout,
        MaxUtterance = MaxUtterance,
    };

    /// <summary>The connection pool shared by every provider made from this instance, created on first use.</summary>
    internal HttpClient SharedHttpClient
    {
        get
        {
            lock (_httpGate)
            {
                return _http ??= OpenAIHttp.CreateHttpClient();
            }
        }
    }

    private static Uri EndpointFromEnvironment()
    {
        var value = Environment.GetEnvironmentVariable("OPENAI_BASE_URL");
        return !string.IsNullOrWhiteSpace(value) && Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) ? uri : DefaultEndpoint;
    }
}
