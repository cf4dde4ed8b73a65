namespace VoiceKit.ElevenLabs;

/// <summary>
/// Settings for ElevenLabs streaming text-to-speech (the <c>stream-input</c> WebSocket). The defaults suit phone calls:
/// the Flash model, a first audio chunk as soon as possible, keepalives during pauses in the reply's text and one
/// pre-connected socket so a reply does not wait for a handshake. Pass the options to
/// <see cref="ElevenLabsExtensions.AsElevenLabsTextToSpeech"/>, which validates them and takes a copy: later changes do
/// not affect a synthesiser already created.
/// </summary>
/// <remarks>Not thread-safe; configure on one thread, then create the synthesiser.</remarks>
public sealed class ElevenLabsTextToSpeechOptions
{
    /// <summary>The stock voice used when none is set ("Rachel").</summary>
    public const string DefaultVoiceId = "21m00Tcm4TlvDq8ikWAM";

    /// <summary>The largest inactivity timeout ElevenLabs accepts.</summary>
    public static readonly TimeSpan MaxInactivityTimeout = TimeSpan.FromSeconds(180);

    /// <summary>
    /// The API key, sent as the <c>xi-api-key</c> header of the WebSocket upgrade. Defaults to the
    /// <c>ELEVENLABS_API_KEY</c> environment variable. VoiceKit never logs it and never puts it in exception messages.
    /// </summary>
    public string? ApiKey { get; set; } = Environment.GetEnvironmentVariable("ELEVENLABS_API_KEY");

    /// <summary>
    /// The server, <c>wss://api.elevenlabs.io</c> by default; another production host (such as
    /// <c>wss://api.eu.residency.elevenlabs.io</c>) or a local test server (ws or wss).
    /// <c>/v1/text-to-speech/{voice_id}/stream-input</c> is appended.
    /// </summary>
    public Uri Endpoint { get; set; } = new("wss://api.elevenlabs.io");

    /// <summary>The voice, <see cref="DefaultVoiceId"/> by default.</summary>
    public string VoiceId { get; set; } = DefaultVoiceId;

    /// <summary>The model, <c>eleven_flash_v2_5</c> by default (ElevenLabs' lowest-latency model).</summary>
    public string ModelId { get; set; } = "eleven_flash_v2_5";

    /// <summary>An ISO 639-1 language code sent as <c>language_code</c> (for models that take one); <see langword="null"/> to let the model decide.</summary>
    public string? LanguageCode { get; set; }

    /// <summary>Voice stability, 0 to 1; lower is more expressive, higher more even. 0.5 by default.</summary>
    public double Stability { get; set; } = 0.5;

    /// <summary>How closely the voice follows the original speaker, 0 to 1. 0.75 by default.</summary>
    public double SimilarityBoost { get; set; } = 0.75;

    /// <summary>Style exaggeration, 0 to 1. 0 by default (style adds latency).</summary>
    public double Style { get; set; }

    /// <summary>Whether to boost similarity to the original speaker. True by default.</summary>
    public bool UseSpeakerBoost { get; set; } = true;

    /// <summary>Speaking rate, 0.7 to 1.2. 1.0 by default.</summary>
    public double Speed { get; set; } = 1.0;

    /// <summary>
    /// Characters ElevenLabs buffers before generating each successive chunk of audio (each 50 to 500; the last value
    /// repeats). The default <c>[50, 120, 160, 250]</c> starts early and then grows for natural prosody; ElevenLabs'
    /// own default is <c>[120, 160, 250, 290]</c>, which waits longer for the first audio. The reply's first segment is
    /// generated at once whatever the schedule says.
    /// </summary>
    public IList<int> ChunkLengthSchedule { get; } = new List<int> { 50, 120, 160, 250 };

    /// <summary>How long ElevenLabs keeps a socket open without text before closing it (<c>inactivity_timeout</c>, whole seconds, at most 180). 20 s by default.</summary>
    public TimeSpan InactivityTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// How long without text before a keepalive (<c>{"text":" "}</c>) is sent, during a reply (while the language model
    /// thinks or a tool runs) and on the pre-connected socket. Must be shorter than <see cref="InactivityTimeout"/>. 10 s by default.
    /// </summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Whether the synthesiser keeps one socket connected (and kept alive) ahead of the next reply, so a reply after a
    /// barge-in does not wait for a TLS and WebSocket handshake. True by default. The socket is opened in the background
    /// when <see cref="ITextToSpeech.SelectOutputFormat"/> is called and after each reply takes the previous one, and is
    /// closed when the synthesiser is disposed. It counts towards your ElevenLabs concurrency.
    /// </summary>
    public bool WarmConnection { get; set; } = true;

    /// <summary>
    /// How long opening a socket (the upgrade and the initialise message) may take before it fails with a transient
    /// <see cref="VoiceProviderException"/>: a server that accepts the connection but never answers must not hang the
    /// reply, nor every later reply waiting for the warm socket. 10 s by default.
    /// </summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The clock for keepalives, the warm socket's age and latency metrics; <see cref="TimeProvider.System"/> by default.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>How old a pre-connected socket may get before it is replaced by a fresh one; 2 minutes by default.</summary>
    internal TimeSpan WarmConnectionMaxAge { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long the reader waits for the server's next message (audio or <c>isFinal</c>) once the end of input has been
    /// sent before it gives the reply up with a transient error; 10 s by default. Only time spent waiting in a receive
    /// counts, so a consumer that is slow to read never trips it.
    /// </summary>
    internal TimeSpan SilenceTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a graceful close may take before the socket is aborted; 1 s by default.</summary>
    internal TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Checks that the options can be used.</summary>
    /// <exception cref="InvalidOperationException">A value is missing or out of range; the message says which and how to fix it.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ApiKey))
        {
            throw new InvalidOperationException("ElevenLabs API key is missing: set ElevenLabsTextToSpeechOptions.ApiKey or the ELEVENLABS_API_KEY environment variable.");
        }

        if (Endpoint is null || !Endpoint.IsAbsoluteUri || Endpoint.Scheme is not ("ws" or "wss"))
        {
            throw new InvalidOperationException("ElevenLabsTextToSpeechOptions.Endpoint must be an absolute ws:// or wss:// URI, such as wss://api.elevenlabs.io.");
        }

        if (string.IsNullOrWhiteSpace(VoiceId))
        {
            throw new InvalidOperationException($"ElevenLabsTextToSpeechOptions.VoiceId is empty: set a voice id from your ElevenLabs voice library, such as \"{DefaultVoiceId}\".");
        }

        if (string.IsNullOrWhiteSpace(ModelId))
        {
            throw new InvalidOperationException("ElevenLabsTextToSpeechOptions.ModelId is empty: set a model such as \"eleven_flash_v2_5\".");
        }

        if (LanguageCode is not null && string.IsNullOrWhiteSpace(LanguageCode))
        {
            throw new InvalidOperationException("ElevenLabsTextToSpeechOptions.LanguageCode is blank: set an ISO 639-1 code such as \"en\", or null to leave it out.");
        }

        CheckUnitRange(Stability, nameof(Stability));
        CheckUnitRange(SimilarityBoost, nameof(SimilarityBoost));
        CheckUnitRange(Style, nameof(Style));
        if (!(Speed is >= 0.7 and <= 1.2))
        {
            throw new InvalidOperationException($"ElevenLabsTextToSpeechOptions.Speed must be between 0.7 and 1.2; it is {Speed}.");
        }

        if (ChunkLengthSchedule.Count == 0)
        {
            throw new InvalidOperationException("ElevenLabsTextToSpeechOptions.ChunkLengthSchedule is empty: give at least one character count between 50 and 500, such as [50, 120, 160, 250].");
        }

        foreach (var length in ChunkLengthSchedule)
        {
            if (length is < 50 or > 500)
            {
                throw new InvalidOperationException($"ElevenLabsTextToSpeechOptions.ChunkLengthSchedule has {length}; each value must be between 50 and 500 characters.");
            }
        }

        if (InactivityTimeout < TimeSpan.FromSeconds(1) || InactivityTimeout > MaxInactivityTimeout || InactivityTimeout.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            throw new InvalidOperationException("ElevenLabsTextToSpeechOptions.InactivityTimeout must be a whole number of seconds from 1 to 180 (ElevenLabs' limit); 20 s is ElevenLabs' default.");
        }

        if (KeepAliveInterval <= TimeSpan.Zero || KeepAliveInterval >= InactivityTimeout)
        {
            throw new InvalidOperationException("ElevenLabsTextToSpeechOptions.KeepAliveInterval must be above zero and shorter than InactivityTimeout, or ElevenLabs closes the socket between keepalives; about half the timeout is usual.");
        }

        if (TimeProvider is null)
        {
            throw new InvalidOperationException("ElevenLabsTextToSpeechOptions.TimeProvider is null: leave it at TimeProvider.System or set a clock.");
        }

        if (ConnectTimeout <= TimeSpan.Zero)
        {
            throw new InvalidOperationException("ElevenLabsTextToSpeechOptions.ConnectTimeout must be positive; 10 s is the default.");
        }

        if (WarmConnectionMaxAge <= TimeSpan.Zero || CloseTimeout <= TimeSpan.Zero || SilenceTimeout <= TimeSpan.Zero)
        {
            throw new InvalidOperationException("ElevenLabsTextToSpeechOptions: the warm socket age limit, the close timeout and the silence timeout must be positive.");
        }
    }

    /// <summary>A copy that shares nothing mutable with this instance.</summary>
    /// <returns>The copy.</returns>
    public ElevenLabsTextToSpeechOptions Clone()
    {
        var copy = new ElevenLabsTextToSpeechOptions
        {
            ApiKey = ApiKey,
            Endpoint = Endpoint,
            VoiceId = VoiceId,
            ModelId = ModelId,
            LanguageCode = LanguageCode,
            Stability = Stability,
            SimilarityBoost = SimilarityBoost,
            Style = Style,
            UseSpeakerBoost = UseSpeakerBoost,
            Speed = Speed,
            InactivityTimeout = InactivityTimeout,
            KeepAliveInterval = KeepAliveInterval,
            WarmConnection = WarmConnection,
            ConnectTimeout = ConnectTimeout,
            TimeProvider = TimeProvider,
            WarmConnectionMaxAge = WarmConnectionMaxAge,
            SilenceTimeout = SilenceTimeout,
            CloseTimeout = CloseTimeout,
        };
        copy.ChunkLengthSchedule.Clear();
        foreach (var length in ChunkLengthSchedule)
        {
            copy.ChunkLengthSchedule.Add(length);
        }

        return copy;
    }

    private static void CheckUnitRange(double value, string name)
    {
        if (!(value is >= 0 and <= 1))
        {
            throw new InvalidOperationException($"ElevenLabsTextToSpeechOptions.{name} must be between 0 and 1; it is {value}.");
        }
    }
}
