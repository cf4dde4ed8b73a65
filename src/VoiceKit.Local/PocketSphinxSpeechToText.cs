using System.Diagnostics;
using VoiceKit.Audio;

namespace VoiceKit.Local;

/// <summary>
/// Offline streaming recognition with PocketSphinx. A thread-safe factory holding only its options: each stream loads
/// its own decoder (about a second for the US English model, on the thread pool) and frees it when disposed.
/// Phone audio is accepted as it comes (8 kHz mu-law, A-law or PCM16) and upsampled per frame to the model's 16 kHz;
/// the model's 8 kHz front end (<c>-samprate 8000 -nfft 256</c>) recognised nothing, see <see cref="PocketSphinxTelephonyParameters"/>.
/// </summary>
internal sealed class PocketSphinxSpeechToText(PocketSphinxOptions options) : ISpeechToText
{
    public AudioFormat SelectInputFormat(AudioFormat callFormat)
    {
        if (IsAccepted(callFormat))
        {
            return callFormat;
        }

        return callFormat.IsValid && callFormat.SampleRate < 16_000 ? AudioFormat.Pcm16(8_000) : AudioFormat.Pcm16Khz;
    }

    public async ValueTask<ISpeechToTextStream> StartAsync(AudioFormat format, CancellationToken cancellationToken = default)
    {
        if (!IsAccepted(format))
        {
            throw new ArgumentException(
                $"PocketSphinx decodes mono PCM16 at 8 or 16 kHz, or 8 kHz mu-law/A-law, not {format}; use {nameof(SelectInputFormat)}.", nameof(format));
        }

        var started = Stopwatch.GetTimestamp();
        var decoder = await Task.Run(() => PocketSphinxDecoder.Create(options, telephony: format.SampleRate == 8_000), cancellationToken).ConfigureAwait(false);
        PocketSphinxTelemetry.Metrics.RecordConnect(ProviderMetrics.SpeechToText, Stopwatch.GetElapsedTime(started));
        return new PocketSphinxSpeechToTextStream(decoder, format, options.InterimInterval);
    }

    private static bool IsAccepted(AudioFormat format) =>
        format.Channels == 1 && format.Encoding switch
        {
            AudioEncoding.Pcm16 => format.SampleRate is 8_000 or 16_000,
            AudioEncoding.MuLaw or AudioEncoding.ALaw => format.SampleRate == 8_000,
            _ => false,
        };
}
