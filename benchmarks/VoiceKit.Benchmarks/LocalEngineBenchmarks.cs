using BenchmarkDotNet.Attributes;
using VoiceKit.Audio;
using VoiceKit.Local;

namespace VoiceKit.Benchmarks;

/// <summary>
/// The offline recogniser's per-frame path: one 20 ms frame of 8 kHz mu-law phone audio through
/// <see cref="ISpeechToTextStream.SendAudioAsync"/> (mu-law decode, upsampling to 16 kHz, PocketSphinx decoding, the
/// interim check). Speech is Flite's voice saying a caller's line (3.4 s), looped, with the utterance finalised at the
/// end of each pass as the session does at each end of turn; the recogniser runs with a domain model. The frame path
/// allocates nothing: line noise shows 0 B. With speech, the figure is the interims' and finals' strings (an interim
/// only when the hypothesis changed, checked every 100 ms) amortised over the frames.
/// </summary>
[MemoryDiagnoser]
public class LocalEngineBenchmarks
{
    private ISpeechToTextStream _stream = null!;
    private byte[] _speech = null!;
    private byte[] _noise = null!;
    private int _offset;
    private CancellationTokenSource _drain = null!;
    private Task _reader = null!;

    [Params("line noise", "speech")]
    public string Audio { get; set; } = "line noise";

    [GlobalSetup]
    public void Setup()
    {
        var options = new PocketSphinxOptions { DomainPhrases = { "where is my parcel", "my order number is four five two one nine eight" } };
        var recogniser = options.AsPocketSphinxSpeechToText();
        _stream = recogniser.StartAsync(AudioFormat.Telephony).AsTask().GetAwaiter().GetResult();

        // The updates are read and dropped, as the session reads them.
        _drain = new CancellationTokenSource();
        _reader = Task.Run(async () =>
        {
            await foreach (var _ in _stream.ReadUpdatesAsync(_drain.Token))
            {
            }
        });

        _speech = Synthesize("my order number is four five two one nine eight");
        _noise = new byte[8_000];
        var random = new Random(1);
        for (var i = 0; i < _noise.Length; i++)
        {
            _noise[i] = MuLaw.EncodeSample((short)random.Next(-18, 19));
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _drain.Cancel();
        _stream.DisposeAsync().AsTask().GetAwaiter().GetResult();
        try
        {
            _reader.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
        }

        _drain.Dispose();
    }

    [Benchmark(Description = "PocketSphinx: decode a 20 ms mu-law frame (8 kHz → 16 kHz)")]
    public void DecodeFrame()
    {
        var source = Audio == "speech" ? _speech : _noise;
        if (_offset + 160 > source.Length)
        {
            _offset = 0;
            if (Audio == "speech")
            {
                _stream.FinalizeAsync().AsTask().GetAwaiter().GetResult();
            }
        }

        var pending = _stream.SendAudioAsync(source.AsMemory(_offset, 160));
        if (!pending.IsCompletedSuccessfully)
        {
            pending.AsTask().GetAwaiter().GetResult();
        }

        _offset += 160;
    }

    private static byte[] Synthesize(string text)
    {
        var tts = new FliteTextToSpeechOptions { Voice = "rms" }.AsFliteTextToSpeech();
        var format = tts.SelectOutputFormat(AudioFormat.Telephony);
        var stream = tts.StartAsync(format).AsTask().GetAwaiter().GetResult();
        var pcm = new List<byte>();
        var reader = Task.Run(async () =>
        {
            await foreach (var chunk in stream.ReadAudioAsync())
            {
                pcm.AddRange(chunk.Audio.Span);
            }
        });
        stream.SendTextAsync(text).AsTask().GetAwaiter().GetResult();
        stream.FlushAsync().AsTask().GetAwaiter().GetResult();
        reader.GetAwaiter().GetResult();
        stream.DisposeAsync().AsTask().GetAwaiter().GetResult();

        return AudioConverter.ConvertAll(pcm.ToArray(), format, AudioFormat.Telephony);
    }
}
