using VoiceKit.Audio;

namespace VoiceKit.OpenAI;

/// <summary>
/// The <see cref="ITextToSpeech"/> on OpenAI's <c>POST audio/speech</c> with <c>response_format=pcm</c> (raw 24 kHz
/// PCM16, streamed as it is made). Thread-safe; holds no connections of its own (the options' pool does).
/// </summary>
internal sealed class OpenAITextToSpeech : ITextToSpeech
{
    private readonly OpenAIVoiceOptions _settings;
    private readonly HttpClient _http;
    private readonly CredentialCheck _check;

    public OpenAITextToSpeech(OpenAIVoiceOptions settings, HttpClient http)
    {
        _settings = settings;
        _http = http;
        _check = new CredentialCheck(settings, http, settings.SpeechModel, ProviderMetrics.TextToSpeech);
    }

    /// <summary>Always PCM16 at 24 kHz, the only raw format the endpoint makes; the session converts it for the call (8 kHz mu-law on the phone).</summary>
    public AudioFormat SelectOutputFormat(AudioFormat callFormat) => AudioFormat.Pcm24Khz;

    public async ValueTask<ITextToSpeechStream> StartAsync(AudioFormat format, CancellationToken cancellationToken = default)
    {
        if (format != AudioFormat.Pcm24Khz)
        {
            throw new ArgumentException($"OpenAI speech is PCM16 at 24 kHz ({AudioFormat.Pcm24Khz}), from SelectOutputFormat; got {format}.", nameof(format));
        }

        await _check.EnsureAsync(cancellationToken).ConfigureAwait(false);
        return new OpenAITextToSpeechStream(_settings, _http);
    }
}
