using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Channels;
using VoiceKit.Audio;

namespace VoiceKit.Local;

/// <summary>
/// One call's offline recognition: owns a native decoder. 8 kHz audio (PCM16, mu-law, A-law) is expanded and upsampled
/// to the model's 16 kHz with VoiceKit's <see cref="AudioConverter"/> into reused buffers, so no frame allocates. Audio is
/// decoded on the caller's thread (a 20 ms frame takes 1 to 3 ms), ending an utterance runs on the thread pool. Native calls are serialised by a lock, so
/// <see cref="FinalizeAsync"/> may overlap <see cref="SendAudioAsync"/>; disposal never waits for the decoder.
/// </summary>
internal sealed class PocketSphinxSpeechToTextStream : ISpeechToTextStream
{
    private const string Provider = "pocketsphinx";

    /// <summary>Input bytes handled per native call when a large buffer arrives, so the buffers stay small.</summary>
    private const int ChunkBytes = 3_200;

    /// <summary>The rate the decoder runs at: the en-us model's own.</summary>
    private const int DecoderSampleRate = 16_000;

    private readonly PocketSphinxDecoder _decoder;
    private readonly AudioFormat _format;
    private readonly int _interimIntervalSamples;
    private readonly Lock _gate = new();
    private readonly Channel<TranscriptUpdate> _updates =
        Channel.CreateUnbounded<TranscriptUpdate>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });

    private readonly AudioConverter? _upsampler;
    private readonly byte[] _upsampled;
    private readonly byte[] _carry = new byte[2];
    private byte[] _lastHypothesis = new byte[256];
    private int _lastHypothesisLength;
    private int _samplesSinceCheck;
    private int _pendingByte = -1;
    private int _disposed;

    public PocketSphinxSpeechToTextStream(PocketSphinxDecoder decoder, AudioFormat format, TimeSpan interimInterval)
    {
        _decoder = decoder;
        _format = format;
        _interimIntervalSamples = Math.Max(1, (int)(DecoderSampleRate * interimInterval.TotalSeconds));
        if (format != AudioFormat.Pcm16Khz)
        {
            _upsampler = new AudioConverter(format, AudioFormat.Pcm16Khz);
            _upsampled = new byte[_upsampler.GetMaxOutputLength(ChunkBytes)];
        }
        else
        {
            _upsampled = [];
        }
    }

    public ValueTask SendAudioAsync(ReadOnlyMemory<byte> audio, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            var bytes = audio.Span;
            while (!bytes.IsEmpty)
            {
                var piece = TakeWholeSamples(ref bytes);
                if (piece.IsEmpty)
                {
                    continue;
                }

                if (_upsampler is null)
                {
                    Decode(MemoryMarshal.Cast<byte, short>(piece));
                }
                else
                {
                    var length = _upsampler.Convert(piece, _upsampled);
                    Decode(MemoryMarshal.Cast<byte, short>(_upsampled.AsSpan(0, length)));
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    public async ValueTask FinalizeAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var started = Stopwatch.GetTimestamp();

        // ps_end_utt finishes the search over the whole utterance, which can take tens of milliseconds: not on the caller's thread.
        var text = await Task.Run(
            () =>
            {
                lock (_gate)
                {
                    ObjectDisposedException.ThrowIf(_disposed != 0, this);
                    try
                    {
                        var final = _decoder.EndUtterance();
                        _decoder.StartUtterance();
                        _lastHypothesisLength = 0;
                        _samplesSinceCheck = 0;
                        return final;
                    }
                    catch (InvalidOperationException e) when (e is not ObjectDisposedException)
                    {
                        throw new VoiceProviderException(e.Message, Provider, errorCode: null, isTransient: false, e);
                    }
                }
            },
            cancellationToken).ConfigureAwait(false);

        PocketSphinxTelemetry.Metrics.RecordFirstResult(ProviderMetrics.SpeechToText, Stopwatch.GetElapsedTime(started));
        _updates.Writer.TryWrite(new TranscriptUpdate(TranscriptUpdateKind.Final, text, IsEndpoint: true));
    }

    public IAsyncEnumerable<TranscriptUpdate> ReadUpdatesAsync(CancellationToken cancellationToken = default) =>
        _updates.Reader.ReadAllAsync(cancellationToken);

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _updates.Writer.TryComplete();

            // Safe even during a native call on another thread: the safe handles free the decoder when that call returns.
            _decoder.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// The next run of whole samples (at most <see cref="ChunkBytes"/>), as little-endian bytes. A PCM16 send may end
    /// mid-sample: the odd byte is kept and joined to the first byte of the next send.
    /// </summary>
    private ReadOnlySpan<byte> TakeWholeSamples(ref ReadOnlySpan<byte> bytes)
    {
        if (_pendingByte >= 0)
        {
            _carry[0] = (byte)_pendingByte;
            _carry[1] = bytes[0];
            _pendingByte = -1;
            bytes = bytes[1..];
            return _carry;
        }

        var length = Math.Min(ChunkBytes, bytes.Length);
        length -= length % _format.BlockAlign;
        if (length == 0)
        {
            _pendingByte = bytes[0];
            bytes = default;
            return default;
        }

        var piece = bytes[..length];
        bytes = bytes[length..];
        return piece;
    }

    private void Decode(ReadOnlySpan<short> samples)
    {
        try
        {
            _decoder.Process(samples);
        }
        catch (InvalidOperationException e) when (e is not ObjectDisposedException)
        {
            _updates.Writer.TryWrite(new TranscriptUpdate(TranscriptUpdateKind.Error, e.Message)
            {
                RawRepresentation = new VoiceProviderException(e.Message, Provider, errorCode: null, isTransient: false, e),
            });
            return;
        }

        _samplesSinceCheck += samples.Length;
        if (_samplesSinceCheck >= _interimIntervalSamples)
        {
            _samplesSinceCheck = 0;
            PublishInterimIfChanged();
        }
    }

    /// <summary>Compares the native hypothesis with the last one byte for byte, so a string is made only when it changed.</summary>
    private void PublishInterimIfChanged()
    {
        var hypothesis = _decoder.Hypothesis();
        if (hypothesis.SequenceEqual(_lastHypothesis.AsSpan(0, _lastHypothesisLength)))
        {
            return;
        }

        if (hypothesis.Length > _lastHypothesis.Length)
        {
            _lastHypothesis = new byte[Math.Max(hypothesis.Length, _lastHypothesis.Length * 2)];
        }

        hypothesis.CopyTo(_lastHypothesis);
        _lastHypothesisLength = hypothesis.Length;
        if (hypothesis.Length > 0)
        {
            _updates.Writer.TryWrite(new TranscriptUpdate(TranscriptUpdateKind.Interim, Encoding.UTF8.GetString(hypothesis)));
        }
    }
}
