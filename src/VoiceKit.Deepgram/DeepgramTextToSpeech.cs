using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Security.Authentication;
using System.Text;
using VoiceKit.Audio;

namespace VoiceKit.Deepgram;

/// <summary>
/// The <see cref="ITextToSpeech"/> on Deepgram Aura's <c>/v1/speak</c> WebSocket. Thread-safe. Each
/// <see cref="StartAsync"/> takes an open idle socket of the same format from the pool when there is one (no handshake),
/// otherwise connects. A stream owns its socket until it is disposed; then the socket comes back here, cleared first if
/// the reply was cut off, and is kept for the next reply (up to a small limit) or closed. <see cref="DisposeAsync"/>
/// sends <c>Close</c> to the idle sockets and closes them; streams still open keep theirs until they are disposed.
/// </summary>
internal sealed class DeepgramTextToSpeech : ITextToSpeech, IAsyncDisposable
{
    private const string Provider = "deepgram";

    private readonly DeepgramTextToSpeechOptions _options;
    private readonly Lock _gate = new();
    private readonly List<DeepgramSpeakConnection> _idle = [];
    private readonly List<Task> _background = [];
    private bool _disposed;

    public DeepgramTextToSpeech(DeepgramTextToSpeechOptions options) => _options = options;

    /// <summary>The validated copy of the options this synthesiser was made with.</summary>
    internal DeepgramTextToSpeechOptions Options => _options;

    /// <summary>Open sockets waiting for the next reply.</summary>
    internal int IdleConnections
    {
        get
        {
            lock (_gate)
            {
                return _idle.Count;
            }
        }
    }

    /// <summary>
    /// Phone audio comes back as it is played (8 kHz mu-law or A-law, no conversion); PCM16 at a rate Aura produces
    /// (8, 16, 24, 32 or 48 kHz) too; anything else gets 24 kHz PCM16, Aura's default, for the caller to convert.
    /// Always mono.
    /// </summary>
    public AudioFormat SelectOutputFormat(AudioFormat callFormat)
    {
        if (!callFormat.IsValid)
        {
            throw new ArgumentException("The call format is default(AudioFormat); pass a constructed format such as AudioFormat.Telephony.", nameof(callFormat));
        }

        return callFormat switch
        {
            { Encoding: AudioEncoding.MuLaw, SampleRate: 8_000 } => AudioFormat.Telephony,
            { Encoding: AudioEncoding.ALaw, SampleRate: 8_000 } => AudioFormat.TelephonyALaw,
            { Encoding: AudioEncoding.Pcm16, SampleRate: 8_000 or 16_000 or 24_000 or 32_000 or 48_000 } => AudioFormat.Pcm16(callFormat.SampleRate),
            _ => AudioFormat.Pcm24Khz,
        };
    }

    public async ValueTask<ITextToSpeechStream> StartAsync(AudioFormat format, CancellationToken cancellationToken = default)
    {
        if (!IsSupported(format))
        {
            throw new ArgumentException($"Deepgram Aura streams mono mu-law or A-law at 8 kHz, or PCM16 at 8, 16, 24, 32, 44.1 or 48 kHz; got {format}. Use SelectOutputFormat.", nameof(format));
        }

        cancellationToken.ThrowIfCancellationRequested();
        var connection = TakeIdle(format) ?? await ConnectAsync(format, cancellationToken).ConfigureAwait(false);
        var stream = new DeepgramTextToSpeechStream(connection, this, _options.TimeProvider);
        connection.Attach(stream);
        return stream;
    }

    /// <summary>Closes the idle sockets (Close, then the close handshake) and waits for the background clears.</summary>
    public async ValueTask DisposeAsync()
    {
        DeepgramSpeakConnection[] idle;
        Task[] background;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            idle = [.. _idle];
            _idle.Clear();
            background = [.. _background];
            _background.Clear();
        }

        // Each close and clear is bounded by its own timeout, so this wait is too.
        await Task.WhenAll(idle.Select(c => c.CloseAsync()).Concat(background)).ConfigureAwait(false);
    }

    /// <summary>
    /// Takes back a disposed stream's socket: pooled at once when nothing was outstanding; after Clear/Cleared when the
    /// reply was cut off; closed when it failed, the pool is full or this synthesiser is disposed. Never waits.
    /// </summary>
    internal void Release(DeepgramSpeakConnection connection, bool needsClear)
    {
        if (!connection.IsOpen)
        {
            Track(connection.CloseAsync());
        }
        else if (needsClear)
        {
            Track(ClearThenPoolAsync(connection));
        }
        else if (!TryPool(connection))
        {
            Track(connection.CloseAsync());
        }
    }

    /// <summary>The <c>/v1/speak</c> URI: model, encoding, sample_rate, then speed when set, in that order.</summary>
    internal static Uri BuildUri(DeepgramTextToSpeechOptions options, AudioFormat format)
    {
        var query = new StringBuilder(128)
            .Append("model=").Append(Uri.EscapeDataString(options.Model))
            .Append("&encoding=").Append(EncodingName(format.Encoding))
            .Append("&sample_rate=").Append(format.SampleRate.ToString(CultureInfo.InvariantCulture));
        if (options.Speed is { } speed)
        {
            query.Append("&speed=").Append(speed.ToString(CultureInfo.InvariantCulture));
        }

        var builder = new UriBuilder(options.Endpoint)
        {
            Path = options.Endpoint.AbsolutePath.TrimEnd('/') + "/v1/speak",
            Query = query.ToString(),
        };
        return builder.Uri;
    }

    internal static bool IsSupported(AudioFormat format) => format.IsValid && format.Channels == 1 && format.Encoding switch
    {
        AudioEncoding.MuLaw or AudioEncoding.ALaw => format.SampleRate == 8_000,
        AudioEncoding.Pcm16 => format.SampleRate is 8_000 or 16_000 or 24_000 or 32_000 or 44_100 or 48_000,
        _ => false,
    };

    private static string EncodingName(AudioEncoding encoding) => encoding switch
    {
        AudioEncoding.MuLaw => "mulaw",
        AudioEncoding.ALaw => "alaw",
        _ => "linear16",
    };

    private DeepgramSpeakConnection? TakeIdle(AudioFormat format)
    {
        List<DeepgramSpeakConnection>? dead = null;
        DeepgramSpeakConnection? found = null;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            for (var i = _idle.Count - 1; i >= 0; i--)
            {
                var connection = _idle[i];
                if (!connection.IsOpen)
                {
                    _idle.RemoveAt(i);
                    (dead ??= []).Add(connection);
                }
                else if (found is null && connection.Format == format && connection.HasFlushBudget)
                {
                    _idle.RemoveAt(i);
                    found = connection;
                }
            }
        }

        foreach (var connection in dead ?? [])
        {
            Track(connection.CloseAsync());
        }

        return found;
    }

    private bool TryPool(DeepgramSpeakConnection connection)
    {
        lock (_gate)
        {
            if (_disposed || _idle.Count >= _options.MaxIdleConnections || !connection.IsOpen)
            {
                return false;
            }

            _idle.Add(connection);
            return true;
        }
    }

    private async Task ClearThenPoolAsync(DeepgramSpeakConnection connection)
    {
        if (await connection.TryClearAsync().ConfigureAwait(false) && TryPool(connection))
        {
            return;
        }

        await connection.CloseAsync().ConfigureAwait(false);
    }

    /// <summary>Keeps background work (clears and closes, which never throw) so that <see cref="DisposeAsync"/> can wait for it.</summary>
    private void Track(Task task)
    {
        if (task.IsCompleted)
        {
            return;
        }

        lock (_gate)
        {
            _background.RemoveAll(static t => t.IsCompleted);
            _background.Add(task);
        }
    }

    /// <summary>Opens one <c>/v1/speak</c> socket and starts its receive loop.</summary>
    private async Task<DeepgramSpeakConnection> ConnectAsync(AudioFormat format, CancellationToken cancellationToken)
    {
        var socket = await DeepgramSocket.ConnectAsync(
            BuildUri(_options, format), _options.ApiKey, ProviderMetrics.TextToSpeech, nameof(DeepgramTextToSpeechOptions), _options.TimeProvider, _options.ConnectTimeout, cancellationToken)
            .ConfigureAwait(false);
        return new DeepgramSpeakConnection(socket, format, _options);
    }
}
