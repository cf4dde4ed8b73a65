using System.Runtime.CompilerServices;
using System.Threading.Channels;
using VoiceKit.Audio;

namespace VoiceKit.Testing.Internal;

/// <summary>One stream of <see cref="FakeTextToSpeech"/>.</summary>
internal sealed class FakeTextToSpeechStream : ITextToSpeechStream
{
    private const double Amplitude = 0.25 * short.MaxValue;

    private readonly FakeTextToSpeech _owner;
    private readonly TimeProvider _time;
    private readonly AudioFormat _format;
    private readonly FakeScheduler _scheduler;
    // Chunks are described here and synthesised when read, into one buffer per stream (SpeechAudio is valid until the
    // next item is read), so a long reply does not allocate an array per 20 ms.
    private readonly Channel<Chunk> _audio = Channel.CreateUnbounded<Chunk>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _lock = new();
    private int _segments;
    private int _pending;
    private long _lastReady;
    private bool _flushed;
    private bool _readToEnd;
    private bool _disposed;

    public FakeTextToSpeechStream(FakeTextToSpeech owner, TimeProvider time, AudioFormat format)
    {
        _owner = owner;
        _time = time;
        _format = format;
        _scheduler = new FakeScheduler(time);
        _lastReady = time.GetTimestamp();
    }

    public ValueTask SendTextAsync(string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        cancellationToken.ThrowIfCancellationRequested();
        int segment;
        TimeSpan delay;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_flushed)
            {
                throw new InvalidOperationException("Text was sent after FlushAsync; a flushed stream takes no more text.");
            }

            segment = _segments++;
            _pending++;
            var now = _time.GetTimestamp();
            var ready = Math.Max(now + ToTimestamp(_owner.TimeToFirstByte), _lastReady);
            _lastReady = ready;
            delay = _time.GetElapsedTime(now, ready);
        }

        _owner.RecordSegment(text);
        var duration = _owner.DurationOf(text);
        _scheduler.After(delay, () => Produce(segment, duration));
        return default;
    }

    public ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _flushed = true;
            if (_pending == 0)
            {
                _audio.Writer.TryComplete();
            }
        }

        return default;
    }

    public async IAsyncEnumerable<SpeechAudio> ReadAudioAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var reader = _audio.Reader;
        var samples = new short[_format.SamplesPer(20)];
        var buffer = new byte[AudioCodec.GetEncodedLength(_format.Encoding, samples.Length)];
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (reader.TryRead(out var chunk))
            {
                var step = 2 * Math.PI * FakeTextToSpeech.FrequencyOf(chunk.Segment) / _format.SampleRate;
                for (var i = 0; i < chunk.Count; i++)
                {
                    samples[i] = (short)Math.Round(Amplitude * Math.Sin(step * (chunk.Offset + i)));
                }

                var length = AudioCodec.Encode(_format.Encoding, samples.AsSpan(0, chunk.Count), buffer);
                yield return new SpeechAudio(buffer.AsMemory(0, length), chunk.Segment);
            }
        }

        lock (_lock)
        {
            _readToEnd = true;
        }
    }

    public ValueTask DisposeAsync()
    {
        bool abandoned;
        lock (_lock)
        {
            if (_disposed)
            {
                return default;
            }

            _disposed = true;
            abandoned = !_readToEnd;
            _audio.Writer.TryComplete();
        }

        _scheduler.Dispose();
        if (abandoned)
        {
            _owner.RecordAbandoned();
        }

        return default;
    }

    private long ToTimestamp(TimeSpan span) => (long)((Int128)span.Ticks * _time.TimestampFrequency / TimeSpan.TicksPerSecond);

    private void Produce(int segment, TimeSpan duration)
    {
        var total = (int)_format.SamplesFor(duration);
        var chunk = _format.SamplesPer(20);
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            for (var offset = 0; offset < total; offset += chunk)
            {
                _audio.Writer.TryWrite(new Chunk(segment, offset, Math.Min(chunk, total - offset)));
            }

            _pending--;
            if (_flushed && _pending == 0)
            {
                _audio.Writer.TryComplete();
            }
        }
    }

    /// <summary>A 20 ms piece of a segment's tone, synthesised when read.</summary>
    private readonly record struct Chunk(int Segment, int Offset, int Count);
}
