namespace VoiceKit.Deepgram;

/// <summary>
/// Settings for Deepgram live speech-to-text (<c>/v1/listen</c>). The defaults suit phone calls. Pass the options to
/// <see cref="DeepgramExtensions.AsDeepgramSpeechToText"/>, which validates them and takes a copy: later changes do not
/// affect a recogniser already created.
/// </summary>
/// <remarks>Not thread-safe; configure on one thread, then create the recogniser.</remarks>
public sealed class DeepgramSpeechToTextOptions
{
    /// <summary>
    /// The API key, sent as <c>Authorization: Token &lt;key&gt;</c>. Defaults to the <c>DEEPGRAM_API_KEY</c> environment
    /// variable. VoiceKit never logs it and never puts it in exception messages.
    /// </summary>
    public string? ApiKey { get; set; } = Environment.GetEnvironmentVariable("DEEPGRAM_API_KEY");

    /// <summary>The server, <c>wss://api.deepgram.com</c> by default; a regional host or a local test server (ws or wss). <c>/v1/listen</c> is appended.</summary>
    public Uri Endpoint { get; set; } = new("wss://api.deepgram.com");

    /// <summary>The model, <c>nova-3</c> by default.</summary>
    public string Model { get; set; } = "nova-3";

    /// <summary>The BCP-47 language, <c>en-US</c> by default; <c>multi</c> for Nova-3 multilingual.</summary>
    public string Language { get; set; } = "en-US";

    /// <summary>Whether Deepgram sends interim (provisional) results. Required for <see cref="UtteranceEndMs"/>.</summary>
    public bool InterimResults { get; set; } = true;

    /// <summary>Silence in milliseconds after which Deepgram marks a final as the end of speech (<c>speech_final</c>); <see langword="null"/> sends <c>endpointing=false</c>.</summary>
    public int? EndpointingMs { get; set; } = 300;

    /// <summary>Gap in milliseconds after the last finalised word before Deepgram sends UtteranceEnd; <see langword="null"/> leaves it off.</summary>
    public int? UtteranceEndMs { get; set; } = 1000;

    /// <summary>Whether Deepgram sends SpeechStarted events (<c>vad_events</c>).</summary>
    public bool VadEvents { get; set; } = true;

    /// <summary>Whether Deepgram formats numbers, dates and punctuation (<c>smart_format</c>).</summary>
    public bool SmartFormat { get; set; } = true;

    /// <summary>Words and phrases to boost (Nova-3 <c>keyterm</c>): brand names, product names, jargon.</summary>
    public IList<string> Keyterms { get; } = new List<string>();

    /// <summary>How long without audio before a KeepAlive is sent; Deepgram closes an idle socket after about 10 s. 4 s by default.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>How long opening a connection may take before it fails with a transient <see cref="VoiceProviderException"/> (a server that accepts the connection but never answers must not hang the call); 10 s by default.</summary>
    public TimeSpan ConnectTimeout { get; set; } = DeepgramSocket.DefaultConnectTimeout;

    /// <summary>The clock for KeepAlive timing; <see cref="TimeProvider.System"/> by default.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>How many times a dropped socket is reopened before the stream fails; 3 by default.</summary>
    internal int ReconnectAttempts { get; set; } = 3;

    /// <summary>The wait before the first reconnect attempt, doubled for each further attempt; 100 ms by default.</summary>
    internal TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long one reconnect attempt may take to open the socket; 5 s by default.</summary>
    internal TimeSpan ReconnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The most audio kept for replay after a drop (the audio since the last final); 30 s by default.</summary>
    internal TimeSpan ReplayBufferLimit { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Checks that the options can be used.</summary>
    /// <exception cref="InvalidOperationException">A value is missing or out of range; the message says which and how to fix it.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ApiKey))
        {
            throw new InvalidOperationException("Deepgram API key is missing: set DeepgramSpeechToTextOptions.ApiKey or the DEEPGRAM_API_KEY environment variable.");
        }

        if (Endpoint is null || !Endpoint.IsAbsoluteUri || Endpoint.Scheme is not ("ws" or "wss"))
        {
            throw new InvalidOperationException("DeepgramSpeechToTextOptions.Endpoint must be an absolute ws:// or wss:// URI, such as wss://api.deepgram.com.");
        }

        if (string.IsNullOrWhiteSpace(Model))
        {
            throw new InvalidOperationException("DeepgramSpeechToTextOptions.Model is empty: set a model such as \"nova-3\".");
        }

        if (string.IsNullOrWhiteSpace(Language))
        {
            throw new InvalidOperationException("DeepgramSpeechToTextOptions.Language is empty: set a BCP-47 language such as \"en-US\", or \"multi\".");
        }

        if (EndpointingMs is <= 0)
        {
            throw new InvalidOperationException("DeepgramSpeechToTextOptions.EndpointingMs must be positive, or null to turn endpointing off.");
        }

        if (UtteranceEndMs is { } utteranceEnd)
        {
            if (utteranceEnd <= 0)
            {
                throw new InvalidOperationException("DeepgramSpeechToTextOptions.UtteranceEndMs must be positive, or null to turn UtteranceEnd off.");
            }

            if (!InterimResults)
            {
                throw new InvalidOperationException("Deepgram's UtteranceEnd needs interim results: set InterimResults to true, or UtteranceEndMs to null.");
            }
        }

        if (Keyterms.Any(string.IsNullOrWhiteSpace))
        {
            throw new InvalidOperationException("DeepgramSpeechToTextOptions.Keyterms contains an empty entry: remove it.");
        }

        if (KeepAliveInterval <= TimeSpan.Zero || KeepAliveInterval >= TimeSpan.FromSeconds(10))
        {
            throw new InvalidOperationException("DeepgramSpeechToTextOptions.KeepAliveInterval must be above zero and below 10 s (Deepgram closes idle sockets after about 10 s); 3 to 5 s is usual.");
        }

        if (ConnectTimeout <= TimeSpan.Zero)
        {
            throw new InvalidOperationException("DeepgramSpeechToTextOptions.ConnectTimeout must be positive; 10 s is the default.");
        }

        if (TimeProvider is null)
        {
            throw new InvalidOperationException("DeepgramSpeechToTextOptions.TimeProvider is null: leave it at TimeProvider.System or set a clock.");
        }
    }

    internal DeepgramSpeechToTextOptions Clone()
    {
        var copy = new DeepgramSpeechToTextOptions
        {
            ApiKey = ApiKey,
            Endpoint = Endpoint,
            Model = Model,
            Language = Language,
            InterimResults = InterimResults,
            EndpointingMs = EndpointingMs,
            UtteranceEndMs = UtteranceEndMs,
            VadEvents = VadEvents,
            SmartFormat = SmartFormat,
            KeepAliveInterval = KeepAliveInterval,
            TimeProvider = TimeProvider,
            ConnectTimeout = ConnectTimeout,
            ReconnectAttempts = ReconnectAttempts,
            ReconnectDelay = ReconnectDelay,
            ReconnectTimeout = ReconnectTimeout,
            ReplayBufferLimit = ReplayBufferLimit,
        };
        foreach (var term in Keyterms)
        {
            copy.Keyterms.Add(term);
        }

        return copy;
    }
}
