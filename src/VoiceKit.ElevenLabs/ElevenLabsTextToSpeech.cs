using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;
using VoiceKit.Audio;

namespace VoiceKit.ElevenLabs;

/// <summary>
/// The <see cref="ITextToSpeech"/> on ElevenLabs' <c>stream-input</c> WebSocket: one socket per reply, handed to the
/// reply's stream. With <see cref="ElevenLabsTextToSpeechOptions.WarmConnection"/> it also keeps one socket connected,
/// initialised and kept alive ahead of the next reply, so a reply (above all the one after a barge-in) starts without a
/// handshake; a new one is opened in the background whenever a reply takes it. Thread-safe.
/// </summary>
internal sealed class ElevenLabsTextToSpeech : ITextToSpeech, IAsyncDisposable, IDisposable
{
    internal const string Provider = "elevenlabs";

    private readonly ElevenLabsTextToSpeechOptions _options;
    private readonly byte[] _initializeMessage;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _lifetime = new();
    private ElevenLabsWarmConnection? _warm;

    /// <summary>Background work (warming up, replacing or closing warm sockets), chained so that one runs at a time. Never faults.</summary>
    private Task _background = Task.CompletedTask;
    private bool _warming;
    private AudioFormat _warmingFormat;
    private bool _disposed;

    public ElevenLabsTextToSpeech(ElevenLabsTextToSpeechOptions options)
    {
        _options = options;
        _initializeMessage = InitializeMessage(options);
    }

    /// <summary>The validated copy of the options this synthesiser was made with.</summary>
    internal ElevenLabsTextToSpeechOptions Options => _options;

    /// <summary>Whether a warm socket is parked right now (for tests).</summary>
    internal bool HasWarmConnection
    {
        get
        {
            lock (_gate)
            {
                return _warm is not null;
            }
        }
    }

    /// <summary>
    /// 8 kHz mu-law and A-law calls get <c>ulaw_8000</c> / <c>alaw_8000</c>, played as they arrive; PCM16 calls at a rate
    /// ElevenLabs produces get that rate; anything else gets 24 kHz PCM16, which the session converts. With a warm
    /// connection configured, this also starts connecting a socket for the chosen format in the background (the session
    /// calls it when the call starts), so the call's first reply does not wait for a handshake.
    /// </summary>
    public AudioFormat SelectOutputFormat(AudioFormat callFormat)
    {
        if (!callFormat.IsValid)
        {
            throw new ArgumentException("The call format is default(AudioFormat); pass a constructed format such as AudioFormat.Telephony.", nameof(callFormat));
        }

        var format = callFormat switch
        {
            { Encoding: AudioEncoding.MuLaw, SampleRate: 8_000 } => AudioFormat.Telephony,
            { Encoding: AudioEncoding.ALaw, SampleRate: 8_000 } => AudioFormat.TelephonyALaw,
            { Encoding: AudioEncoding.Pcm16, SampleRate: 8_000 or 16_000 or 22_050 or 24_000 or 44_100 } => AudioFormat.Pcm16(callFormat.SampleRate),
            _ => AudioFormat.Pcm24Khz,
        };
        if (_options.WarmConnection)
        {
            BeginWarmUp(format);
        }

        return format;
    }

    public async ValueTask<ITextToSpeechStream> StartAsync(AudioFormat format, CancellationToken cancellationToken = default)
    {
        _ = OutputFormatName(format); // Rejects formats ElevenLabs does not produce before anything is opened.
        ObjectDisposedException.ThrowIf(_disposed, this);
        var warm = await TakeWarmAsync(format, cancellationToken).ConfigureAwait(false);
        ITextToSpeechStream stream = warm is not null
            ? new ElevenLabsTextToSpeechStream(warm.Socket, warm.PendingReceive, warm.ReceiveBuffer, warm.LastSendTimestamp, format, _options)
            : new ElevenLabsTextToSpeechStream(await ConnectAsync(format, cancellationToken).ConfigureAwait(false), null, null, _options.TimeProvider.GetTimestamp(), format, _options);
        if (_options.WarmConnection)
        {
            BeginWarmUp(format); // The next reply's socket, while this one speaks.
        }

        return stream;
    }

    /// <summary>Marks the synthesiser disposed (once) and takes the warm socket and the background connect to tear down.</summary>
    private bool TryBeginDispose(out ElevenLabsWarmConnection? warm, out Task background)
    {
        lock (_gate)
        {
            warm = _warm;
            background = _background;
            if (_disposed)
            {
                warm = null;
                return false;
            }

            _disposed = true;
            _warm = null;
            return true;
        }
    }

    /// <summary>Closes the warm socket (politely, briefly) and waits for background connects to finish. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!TryBeginDispose(out var warm, out var background))
        {
            return;
        }

        await _lifetime.CancelAsync().ConfigureAwait(false);
        await background.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (warm is not null)
        {
            await warm.CloseAsync(_options.CloseTimeout).ConfigureAwait(false);
        }

        _lifetime.Dispose();
    }

    /// <summary>
    /// Synchronous dispose for containers that dispose synchronously: aborts the warm socket without a close handshake
    /// and cancels a background connect, which then closes what it opened by itself.
    /// </summary>
    public void Dispose()
    {
        if (!TryBeginDispose(out var warm, out _))
        {
            return;
        }

        _lifetime.Cancel();
        warm?.Abort();
    }

    /// <summary>The <c>stream-input</c> URI: <c>model_id</c>, <c>output_format</c>, <c>inactivity_timeout</c>, then <c>language_code</c> when set.</summary>
    internal static Uri BuildUri(ElevenLabsTextToSpeechOptions options, AudioFormat format)
    {
        var query = new StringBuilder(128)
            .Append("model_id=").Append(Uri.EscapeDataString(options.ModelId))
            .Append("&output_format=").Append(OutputFormatName(format))
            .Append("&inactivity_timeout=").Append(((int)options.InactivityTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture));
        if (options.LanguageCode is { } language)
        {
            query.Append("&language_code=").Append(Uri.EscapeDataString(language));
        }

        var builder = new UriBuilder(options.Endpoint)
        {
            Path = options.Endpoint.AbsolutePath.TrimEnd('/') + "/v1/text-to-speech/" + Uri.EscapeDataString(options.VoiceId) + "/stream-input",
            Query = query.ToString(),
        };
        return builder.Uri;
    }

    /// <summary>The <c>output_format</c> value for a format from <see cref="SelectOutputFormat"/> (protocols.md §3.5).</summary>
    internal static string OutputFormatName(AudioFormat format) => format switch
    {
        { Channels: 1, Encoding: AudioEncoding.MuLaw, SampleRate: 8_000 } => "ulaw_8000",
        { Channels: 1, Encoding: AudioEncoding.ALaw, SampleRate: 8_000 } => "alaw_8000",
        { Channels: 1, Encoding: AudioEncoding.Pcm16, SampleRate: 8_000 } => "pcm_8000",
        { Channels: 1, Encoding: AudioEncoding.Pcm16, SampleRate: 16_000 } => "pcm_16000",
        { Channels: 1, Encoding: AudioEncoding.Pcm16, SampleRate: 22_050 } => "pcm_22050",
        { Channels: 1, Encoding: AudioEncoding.Pcm16, SampleRate: 24_000 } => "pcm_24000",
        { Channels: 1, Encoding: AudioEncoding.Pcm16, SampleRate: 44_100 } => "pcm_44100",
        _ => throw new ArgumentException($"ElevenLabs produces mono mu-law or A-law at 8 kHz, or mono PCM16 at 8, 16, 22.05, 24 or 44.1 kHz; got {format}. Open streams with the format SelectOutputFormat returns.", nameof(format)),
    };

    /// <summary>The first message of every socket (§3.2 step 1), the same for every socket of this synthesiser.</summary>
    internal static byte[] InitializeMessage(ElevenLabsTextToSpeechOptions options) => JsonSerializer.SerializeToUtf8Bytes(
        new ElevenLabsInitializeConnection
        {
            VoiceSettings = new ElevenLabsVoiceSettings
            {
                Stability = options.Stability,
                SimilarityBoost = options.SimilarityBoost,
                Style = options.Style,
                UseSpeakerBoost = options.UseSpeakerBoost,
                Speed = options.Speed,
            },
            GenerationConfig = new ElevenLabsGenerationConfig { ChunkLengthSchedule = [.. options.ChunkLengthSchedule] },
        },
        ElevenLabsJsonContext.Default.ElevenLabsInitializeConnection);

    /// <summary>
    /// Opens and initialises one socket: the upgrade with the <c>xi-api-key</c> header, then the initialise message, which
    /// must be first because it fixes the voice settings (a keepalive's " " sent first would be taken as the initialise
    /// message, with default settings). Both together are bounded by <see cref="ElevenLabsTextToSpeechOptions.ConnectTimeout"/>:
    /// a server that accepts the connection and never answers would otherwise hang this reply and, through the warm
    /// socket being opened, every later reply that waits for it.
    /// </summary>
    private async Task<ClientWebSocket> ConnectAsync(AudioFormat format, CancellationToken cancellationToken)
    {
        var uri = BuildUri(_options, format);
        var socket = new ClientWebSocket();
        using var deadline = new CancellationTokenSource(_options.ConnectTimeout, _options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            socket.Options.SetRequestHeader("xi-api-key", _options.ApiKey);
            socket.Options.CollectHttpResponseDetails = true;
            var started = _options.TimeProvider.GetTimestamp();
            try
            {
                await socket.ConnectAsync(uri, linked.Token).ConfigureAwait(false);
            }
            catch (WebSocketException ex) when (socket.HttpStatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                throw new AuthenticationException(
                    $"ElevenLabs rejected the credentials (HTTP {(int)socket.HttpStatusCode}): check ElevenLabsTextToSpeechOptions.ApiKey or the ELEVENLABS_API_KEY environment variable.",
                    ex);
            }
            catch (WebSocketException ex) when (socket.HttpStatusCode != 0)
            {
                var status = (int)socket.HttpStatusCode;
                throw new VoiceProviderException(
                    $"ElevenLabs refused the connection (HTTP {status}).",
                    Provider,
                    status.ToString(CultureInfo.InvariantCulture),
                    isTransient: status is 429 or >= 500,
                    innerException: ex);
            }
            catch (WebSocketException ex) when (!deadline.IsCancellationRequested)
            {
                throw new VoiceProviderException($"Could not connect to ElevenLabs at {uri.Host}.", Provider, isTransient: true, innerException: ex);
            }

            ElevenLabsTelemetry.Metrics.RecordConnect(ProviderMetrics.TextToSpeech, _options.TimeProvider.GetElapsedTime(started));
            try
            {
                await socket.SendAsync(_initializeMessage, WebSocketMessageType.Text, endOfMessage: true, linked.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ElevenLabsTextToSpeechStream.IsSocketFailure(ex) && !linked.IsCancellationRequested)
            {
                throw new VoiceProviderException("The ElevenLabs connection failed while initialising.", Provider, isTransient: true, innerException: ex);
            }

            return socket;
        }
        catch (Exception ex) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested && ElevenLabsTextToSpeechStream.IsSocketFailure(ex))
        {
            socket.Dispose();
            throw new VoiceProviderException(
                $"ElevenLabs did not answer the connection within {_options.ConnectTimeout.TotalSeconds:0.#} s.", Provider, "timeout", isTransient: true, innerException: ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Takes the warm socket if it suits <paramref name="format"/> and is still usable; if one is being opened for this
    /// format, waits for it (it is already partway through its handshake). Returns <see langword="null"/> to connect cold.
    /// </summary>
    private async ValueTask<ElevenLabsWarmConnection?> TakeWarmAsync(AudioFormat format, CancellationToken cancellationToken)
    {
        ElevenLabsWarmConnection? warm;
        Task? inFlight = null;
        lock (_gate)
        {
            warm = _warm;
            _warm = null;
            if (warm is null && _warming && _warmingFormat == format)
            {
                inFlight = _background;
            }
        }

        if (inFlight is not null)
        {
            await inFlight.WaitAsync(cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                warm = _warm;
                _warm = null;
            }
        }

        if (warm is null)
        {
            return null;
        }

        if (warm.Format != format)
        {
            await warm.CloseAsync(_options.CloseTimeout).ConfigureAwait(false);
            return null;
        }

        return await warm.TakeAsync().ConfigureAwait(false) ? warm : null;
    }

    /// <summary>Starts opening a warm socket for <paramref name="format"/> unless one is parked for it or being opened.</summary>
    private void BeginWarmUp(AudioFormat format)
    {
        lock (_gate)
        {
            if (_disposed || _warming || _warm?.Format == format)
            {
                return;
            }

            var stale = _warm; // Parked for another format: replace it.
            _warm = null;
            _warming = true;
            _warmingFormat = format;
            Chain(stale, format);
        }
    }

    /// <summary>Called by a warm connection's keepalive loop when it stops being usable on its own.</summary>
    private void OnWarmExpired(ElevenLabsWarmConnection warm, bool tooOld)
    {
        lock (_gate)
        {
            if (_warm != warm || _disposed)
            {
                return; // Taken, replaced or disposed meanwhile; whoever holds it closes it.
            }

            _warm = null;

            // Too old: replace it. Closed by the server: just drop it; the next reply connects and warms again, so a server
            // that keeps closing idle sockets does not get a reconnect loop.
            var replace = tooOld && !_warming;
            if (replace)
            {
                _warming = true;
                _warmingFormat = warm.Format;
            }

            Chain(warm, replace ? warm.Format : null);
        }
    }

    /// <summary>Queues background work after the current background work: close <paramref name="stale"/>, then open a warm socket for <paramref name="format"/>. Caller holds the lock.</summary>
    private void Chain(ElevenLabsWarmConnection? stale, AudioFormat? format)
    {
        var previous = _background;
        _background = Task.Run(() => BackgroundAsync(previous, stale, format));
    }

    private async Task BackgroundAsync(Task previous, ElevenLabsWarmConnection? stale, AudioFormat? format)
    {
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (stale is not null)
        {
            await stale.CloseAsync(_options.CloseTimeout).ConfigureAwait(false);
        }

        if (format is not { } warmFormat)
        {
            return;
        }

        ClientWebSocket? socket = null;
        try
        {
            socket = await ConnectAsync(warmFormat, _lifetime.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is VoiceProviderException or AuthenticationException or OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
        {
            // A failed warm-up costs nothing: the next reply connects itself and reports the error to its caller.
        }

        ElevenLabsWarmConnection? warm = null;
        bool discard;
        lock (_gate)
        {
            _warming = false;
            discard = socket is null || _disposed || _warm is not null;
            if (!discard)
            {
                warm = new ElevenLabsWarmConnection(socket!, warmFormat, _options, OnWarmExpired);
                _warm = warm;
            }
        }

        if (discard && socket is not null)
        {
            socket.Abort();
            socket.Dispose();
        }
    }
}
