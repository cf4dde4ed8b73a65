namespace VoiceKit.Deepgram;

/// <summary>
/// Settings for Deepgram Aura streaming text-to-speech (<c>/v1/speak</c>). The defaults suit phone calls. Pass the
/// options to <see cref="DeepgramExtensions.AsDeepgramTextToSpeech"/>, which validates them and takes a copy: later
/// changes do not affect a synthesiser already created.
/// </summary>
/// <remarks>Not thread-safe; configure on one thread, then create the synthesiser.</remarks>
public sealed class DeepgramTextToSpeechOptions
{
    /// <summary>
    /// The API key, sent as <c>Authorization: Token &lt;key&gt;</c>. Defaults to the <c>DEEPGRAM_API_KEY</c> environment
    /// variable. VoiceKit never logs it and never puts it in exception messages.
    /// </summary>
    public string? ApiKey { get; set; } = Environment.GetEnvironmentVariable("DEEPGRAM_API_KEY");

    /// <summary>The server, <c>wss://api.deepgram.com</c> by default; a regional host or a local test server (ws or wss). <c>/v1/speak</c> is appended.</summary>
    public Uri Endpoint { get; set; } = new("wss://api.deepgram.com");

    /// <summary>The voice model, <c>aura-2-thalia-en</c> by default (<c>aura-2-&lt;voice&gt;-&lt;language&gt;</c> for Aura-2).</summary>
    public string Model { get; set; } = "aura-2-thalia-en";

    /// <summary>The speaking rate (<c>speed</c>; 1 is normal), or <see langword="null"/> (the default) to leave it to Deepgram.</summary>
    public double? Speed { get; set; }

    /// <summary>How long opening a connection may take before it fails with a transient <see cref="VoiceProviderException"/> (a server that accepts the connection but never answers must not hang the call); 10 s by default.</summary>
    public TimeSpan ConnectTimeout { get; set; } = DeepgramSocket.DefaultConnectTimeout;

    /// <summary>The clock for the Flush budget and for timeouts; <see cref="TimeProvider.System"/> by default.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// The most Flush messages sent on one connection in any 60 seconds; 20 by default, Deepgram's limit (it ignores
    /// further flushes with a Warning). Each clause is flushed while the budget lasts, so it is spoken at once; beyond
    /// it, clauses are sent without a Flush and the reply's final Flush speaks them. One flush is always kept for that.
    /// </summary>
    public int MaxFlushesPerMinute { get; set; } = 20;

    /// <summary>How long a barge-in waits, in the background, for Deepgram's <c>Cleared</c> before closing the connection instead of reusing it; 2 s by default.</summary>
    internal TimeSpan ClearTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long closing a connection waits for Deepgram to close after <c>Close</c> before aborting it; 2 s by default.</summary>
    internal TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a reply waits for Deepgram's next audio frame or <c>Flushed</c> while a Flush is unanswered before it fails
    /// as a dropped connection (a dead socket or a Flushed that never comes must not hang the call); 10 s by default. Time
    /// the reader takes to consume audio does not count.
    /// </summary>
    internal TimeSpan SilenceTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The most open, idle connections kept for the next reply; 4 by default. Idle connections count against Deepgram's concurrency limit.</summary>
    internal int MaxIdleConnections { get; set; } = 4;

    /// <summary>Checks that the options can be used.</summary>
    /// <exception cref="InvalidOperationException">A value is missing or out of range; the message says which and how to fix it.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ApiKey))
        {
            throw new InvalidOperationException("Deepgram API key is missing: set DeepgramTextToSpeechOptions.ApiKey or the DEEPGRAM_API_KEY environment variable.");
        }

        if (Endpoint is null || !Endpoint.IsAbsoluteUri || Endpoint.Scheme is not ("ws" or "wss"))
        {
            throw new InvalidOperationException("DeepgramTextToSpeechOptions.Endpoint must be an absolute ws:// or wss:// URI, such as wss://api.deepgram.com.");
        }

        if (string.IsNullOrWhiteSpace(Model))
        {
            throw new InvalidOperationException("DeepgramTextToSpeechOptions.Model is empty: set a voice such as \"aura-2-thalia-en\".");
        }

        if (Speed is { } speed && (!double.IsFinite(speed) || speed <= 0))
        {
            throw new InvalidOperationException("DeepgramTextToSpeechOptions.Speed must be a positive number (1 is normal speed), or null to leave it to Deepgram.");
        }

        if (ConnectTimeout <= TimeSpan.Zero)
        {
            throw new InvalidOperationException("DeepgramTextToSpeechOptions.ConnectTimeout must be positive; 10 s is the default.");
        }

        if (TimeProvider is null)
        {
            throw new InvalidOperationException("DeepgramTextToSpeechOptions.TimeProvider is null: leave it at TimeProvider.System or set a clock.");
        }

        if (MaxFlushesPerMinute < 1)
        {
            throw new InvalidOperationException("DeepgramTextToSpeechOptions.MaxFlushesPerMinute must be at least 1 (each reply needs its final Flush); Deepgram allows 20.");
        }

        if (ClearTimeout <= TimeSpan.Zero || CloseTimeout <= TimeSpan.Zero || SilenceTimeout <= TimeSpan.Zero || MaxIdleConnections < 0)
        {
            throw new InvalidOperationException("DeepgramTextToSpeechOptions: the clear, close and silence timeouts must be positive and the idle connection limit not negative.");
        }
    }

    internal DeepgramTextToSpeechOptions Clone() => new()
    {
        ApiKey = ApiKey,
        Endpoint = Endpoint,
        Model = Model,
        Speed = Speed,
        TimeProvider = TimeProvider,
            ConnectTimeout = ConnectTimeout,
        MaxFlushesPerMinute = MaxFlushesPerMinute,
        ClearTimeout = ClearTimeout,
        CloseTimeout = CloseTimeout,
        SilenceTimeout = SilenceTimeout,
        MaxIdleConnections = MaxIdleConnections,
    };
}
