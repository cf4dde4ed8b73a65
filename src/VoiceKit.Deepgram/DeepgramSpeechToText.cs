using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Security.Authentication;
using System.Text;
using VoiceKit.Audio;

namespace VoiceKit.Deepgram;

/// <summary>The <see cref="ISpeechToText"/> on Deepgram's live <c>/v1/listen</c> WebSocket. Thread-safe; holds no connections.</summary>
internal sealed class DeepgramSpeechToText : ISpeechToText
{
    private readonly DeepgramSpeechToTextOptions _options;

    public DeepgramSpeechToText(DeepgramSpeechToTextOptions options) => _options = options;

    /// <summary>The validated copy of the options this recogniser was made with.</summary>
    internal DeepgramSpeechToTextOptions Options => _options;

    /// <summary>Deepgram takes raw mu-law, A-law and PCM16 at any rate, so mono audio passes through; multi-channel audio is asked for as mono.</summary>
    public AudioFormat SelectInputFormat(AudioFormat callFormat)
    {
        if (!callFormat.IsValid)
        {
            throw new ArgumentException("The call format is default(AudioFormat); pass a constructed format such as AudioFormat.Telephony.", nameof(callFormat));
        }

        return callFormat.Channels == 1 ? callFormat : new AudioFormat(callFormat.Encoding, callFormat.SampleRate);
    }

    public async ValueTask<ISpeechToTextStream> StartAsync(AudioFormat format, CancellationToken cancellationToken = default)
    {
        if (!format.IsValid || format.Channels != 1)
        {
            throw new ArgumentException($"Deepgram streams are opened with mono audio from SelectInputFormat; got {format}.", nameof(format));
        }

        var uri = BuildUri(_options, format);
        var socket = await ConnectAsync(uri, cancellationToken).ConfigureAwait(false);
        return new DeepgramSpeechToTextStream(socket, ct => ConnectAsync(uri, ct), format, _options);
    }

    /// <summary>Opens one <c>/v1/listen</c> socket; used for the first socket and for reconnects.</summary>
    private Task<ClientWebSocket> ConnectAsync(Uri uri, CancellationToken cancellationToken) => DeepgramSocket.ConnectAsync(
        uri, _options.ApiKey, ProviderMetrics.SpeechToText, nameof(DeepgramSpeechToTextOptions), _options.TimeProvider, _options.ConnectTimeout, cancellationToken);

    /// <summary>The <c>/v1/listen</c> URI with the query string; parameters in a fixed order, values percent-encoded, <c>keyterm</c> repeated.</summary>
    internal static Uri BuildUri(DeepgramSpeechToTextOptions options, AudioFormat format)
    {
        var query = new StringBuilder(256);
        Append(query, "model", options.Model);
        Append(query, "language", options.Language);
        Append(query, "encoding", EncodingName(format.Encoding));
        Append(query, "sample_rate", format.SampleRate.ToString(CultureInfo.InvariantCulture));
        Append(query, "channels", format.Channels.ToString(CultureInfo.InvariantCulture));
        Append(query, "interim_results", Bool(options.InterimResults));
        Append(query, "endpointing", options.EndpointingMs is { } ms ? ms.ToString(CultureInfo.InvariantCulture) : "false");
        if (options.UtteranceEndMs is { } utteranceEnd)
        {
            Append(query, "utterance_end_ms", utteranceEnd.ToString(CultureInfo.InvariantCulture));
        }

        Append(query, "vad_events", Bool(options.VadEvents));
        Append(query, "smart_format", Bool(options.SmartFormat));
        foreach (var term in options.Keyterms)
        {
            Append(query, "keyterm", term);
        }

        var builder = new UriBuilder(options.Endpoint)
        {
            Path = options.Endpoint.AbsolutePath.TrimEnd('/') + "/v1/listen",
            Query = query.ToString(),
        };
        return builder.Uri;

        static string Bool(bool value) => value ? "true" : "false";

        static void Append(StringBuilder query, string name, string value)
        {
            if (query.Length > 0)
            {
                query.Append('&');
            }

            query.Append(name).Append('=').Append(Uri.EscapeDataString(value));
        }
    }

    internal static string EncodingName(AudioEncoding encoding) => encoding switch
    {
        AudioEncoding.MuLaw => "mulaw",
        AudioEncoding.ALaw => "alaw",
        AudioEncoding.Pcm16 => "linear16",
        _ => throw new ArgumentOutOfRangeException(nameof(encoding), encoding, "Deepgram adapter supports mu-law, A-law and PCM16."),
    };
}
