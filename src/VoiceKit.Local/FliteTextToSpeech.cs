using VoiceKit.Audio;

namespace VoiceKit.Local;

/// <summary>
/// Offline <see cref="ITextToSpeech"/> on Flite: each text segment is synthesised as soon as it arrives (one clause at a
/// time, so the first clause is heard while the model is still writing the rest) and delivered in 20 ms chunks tagged
/// with its segment. PCM16 at the voice's rate; the session converts to the call's format. Thread-safe.
/// </summary>
internal sealed class FliteTextToSpeech : ITextToSpeech, ILocalSynthesizer
{
    private readonly nint _voice;

    public FliteTextToSpeech(FliteTextToSpeechOptions options)
    {
        lock (FliteNative.Gate)
        {
            _voice = FliteNative.RegisterVoice(options.Voice);
            SampleRate = Synthesize(".", static (samples, rate) => rate);
        }
    }

    /// <summary>The voice's sample rate.</summary>
    public int SampleRate { get; }

    public AudioFormat SelectOutputFormat(AudioFormat callFormat) => AudioFormat.Pcm16(SampleRate);

    public ValueTask<ITextToSpeechStream> StartAsync(AudioFormat format, CancellationToken cancellationToken = default)
    {
        if (format != AudioFormat.Pcm16(SampleRate))
        {
            throw new ArgumentException($"Flite produces {AudioFormat.Pcm16(SampleRate)}; open the stream with SelectOutputFormat's format.", nameof(format));
        }

        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<ITextToSpeechStream>(new LocalTextToSpeechStream(this));
    }

    /// <summary>Synthesises <paramref name="text"/> and hands the samples to <paramref name="consume"/> before Flite frees them.</summary>
    public unsafe T Synthesize<T>(string text, Func<ReadOnlySpan<short>, int, T> consume)
    {
        var utf8 = System.Text.Encoding.UTF8.GetBytes(text + "\0");
        lock (FliteNative.Gate)
        {
            FliteNative.CstWave* wave;
            fixed (byte* p = utf8)
            {
                wave = FliteNative.flite_text_to_wave(p, _voice);
            }

            if (wave is null)
            {
                throw new VoiceProviderException("Flite could not synthesise the text.", "flite");
            }

            try
            {
                return consume(new ReadOnlySpan<short>(wave->Samples, wave->SampleCount * Math.Max(1, wave->ChannelCount)), wave->SampleRate);
            }
            finally
            {
                FliteNative.delete_wave(wave);
            }
        }
    }
}
