using VoiceKit.Audio;

namespace VoiceKit.OpenAI;

/// <summary>
/// The <see cref="ISpeechToText"/> on OpenAI's streaming transcriptions (<c>POST audio/transcriptions</c> with
/// <c>stream=true</c>, gpt-4o-transcribe). Thread-safe; holds no connections of its own (the options' pool does).
/// </summary>
internal sealed class OpenAISpeechToText : ISpeechToText
{
    private readonly OpenAIVoiceOptions _settings;
    private readonly HttpClient _http;
    private readonly CredentialCheck _check;

    public OpenAISpeechToText(OpenAIVoiceOptions settings, HttpClient http)
    {
        _settings = settings;
        _http = http;
        _check = new CredentialCheck(settings, http, settings.TranscriptionModel, ProviderMetrics.SpeechToText);
    }

    /// <summary>Mono PCM16 at the call's own rate (8 kHz for phone calls): sent as a WAV file, which the service resamples itself.</summary>
    public AudioFormat SelectInputFormat(AudioFormat callFormat)
    {
        if (!callFormat.IsValid)
        {
            throw new ArgumentException("The call format is default(AudioFormat); pass a constructed format such as AudioFormat.Telephony.", nameof(callFormat));
        }

        return AudioFormat.Pcm16(callFormat.SampleRate);
    }

    public async ValueTask<ISpeechToTextStream> StartAsync(AudioFormat format, CancellationToken cancellationToken = default)
    {
        if (!format.IsValid || format.Encoding != AudioEncoding.Pcm16 || format.Channels != 1)
        {
            throw new ArgumentException($"OpenAI transcription streams take mono PCM16 from SelectInputFormat; got {format}.", nameof(format));
        }

        await _check.EnsureAsync(cancellationToken).ConfigureAwait(false);
        return new OpenAISpeechToTextStream(_settings, _http, format);
    }
}
