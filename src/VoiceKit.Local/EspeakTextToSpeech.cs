using System.Runtime.InteropServices;
using VoiceKit.Audio;

namespace VoiceKit.Local;

/// <summary>
/// Offline <see cref="ITextToSpeech"/> on eSpeak NG: like the Flite one, each segment is synthesised as it arrives and
/// delivered in 20 ms chunks tagged with its segment; PCM16 at the engine's rate (22,050 Hz). Thread-safe.
/// </summary>
internal sealed class EspeakTextToSpeech : ITextToSpeech, ILocalSynthesizer
{
    private readonly EspeakTextToSpeechOptions _options;

    public EspeakTextToSpeech(EspeakTextToSpeechOptions options)
    {
        _options = options;
        lock (EspeakNative.Gate)
        {
            SampleRate = EspeakNative.EnsureInitialized();
            EspeakNative.Synthesize(".", options.Voice, options.WordsPerMinute, []); // an unknown voice fails here, not mid-call
        }
    }

    public int SampleRate { get; }

    public AudioFormat SelectOutputFormat(AudioFormat callFormat) => AudioFormat.Pcm16(SampleRate);

    public ValueTask<ITextToSpeechStream> StartAsync(AudioFormat format, CancellationToken cancellationToken = default)
    {
        if (format != AudioFormat.Pcm16(SampleRate))
        {
            throw new ArgumentException($"eSpeak NG produces {AudioFormat.Pcm16(SampleRate)}; open the stream with SelectOutputFormat's format.", nameof(format));
        }

        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<ITextToSpeechStream>(new LocalTextToSpeechStream(this));
    }

    public T Synthesize<T>(string text, Func<ReadOnlySpan<short>, int, T> consume)
    {
        var samples = new List<short>(SampleRate * 2);
        lock (EspeakNative.Gate)
        {
            EspeakNative.Synthesize(text, _options.Voice, _options.WordsPerMinute, samples);
        }

        return consume(CollectionsMarshal.AsSpan(samples), SampleRate);
    }
}
