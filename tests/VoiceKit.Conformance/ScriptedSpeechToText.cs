using System.Threading.Channels;
using VoiceKit.Audio;

namespace VoiceKit.Conformance;

/// <summary>
/// An in-process recogniser for tests that run in real time (transport tests, load tests): it hears caller audio through a
/// <see cref="ScriptedRecognizer"/> (so words come from the audio itself, not from a script keyed on time), sends an interim
/// as each word completes and a final on <see cref="ISpeechToTextStream.FinalizeAsync"/>. Takes 8 kHz mu-law.
/// </summary>
public sealed class ScriptedSpeechToText(ScriptedRecognizer recognizer) : ISpeechToText
{
    private int _streams;
    private int _open;

    /// <summary>Streams opened so far.</summary>
    public int StreamsStarted => Volatile.Read(ref _streams);

    /// <summary>Streams opened and not yet disposed.</summary>
    public int StreamsOpen => Volatile.Read(ref _open);

    /// <summary>Audio bytes received by all streams.</summary>
    public long BytesReceived => Interlocked.Read(ref _bytes);

    private long _bytes;

    /// <inheritdoc />
    public AudioFormat SelectInputFormat(AudioFormat callFormat) => AudioFormat.Telephony;

    /// <inheritdoc />
    public ValueTask<ISpeechToTextStream> StartAsync(AudioFormat format, CancellationToken cancellationToken = default)
    {
        if (format != AudioFormat.Telephony)
        {
            throw new ArgumentException("ScriptedSpeechToText hears 8 kHz mu-law only.", nameof(format));
        }

        Interlocked.Increment(ref _streams);
        Interlocked.Increment(ref _open);
        return ValueTask.FromResult<ISpeechToTextStream>(new Stream(this, recognizer));
    }

    private sealed class Stream(ScriptedSpeechToText owner, ScriptedRecognizer recognizer) : ISpeechToTextStream
    {
        private const int MaxSegmentBytes = 8 * 8000;

        private readonly Channel<TranscriptUpdate> _updates = Channel.CreateUnbounded<TranscriptUpdate>();
        // Fixed at the most a phrase needs, so a long call's recogniser holds constant memory (load tests measure it).
        private readonly byte[] _segment = new byte[MaxSegmentBytes];
        private int _length;
        private readonly Lock _gate = new();
        private int _wordsSent;
        private int _disposed;

        public ValueTask SendAudioAsync(ReadOnlyMemory<byte> audio, CancellationToken cancellationToken = default)
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            cancellationToken.ThrowIfCancellationRequested();
            Interlocked.Add(ref owner._bytes, audio.Length);
            lock (_gate)
            {
                var incoming = audio.Span.Length > MaxSegmentBytes ? audio.Span[^MaxSegmentBytes..] : audio.Span;
                if (_length + incoming.Length > MaxSegmentBytes)
                {
                    // A long silence between turns: keep the last few seconds, enough for any scripted phrase.
                    var keep = MaxSegmentBytes - incoming.Length;
                    _segment.AsSpan(_length - keep, keep).CopyTo(_segment);
                    _length = keep;
                }

                incoming.CopyTo(_segment.AsSpan(_length));
                _length += incoming.Length;

                var words = recognizer.Recognize(_segment.AsSpan(0, _length));
                if (words.Count > _wordsSent)
                {
                    _wordsSent = words.Count;
                    _updates.Writer.TryWrite(new TranscriptUpdate(TranscriptUpdateKind.Interim, string.Join(' ', words)));
                }
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask FinalizeAsync(CancellationToken cancellationToken = default)
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            lock (_gate)
            {
                var words = recognizer.Recognize(_segment.AsSpan(0, _length));
                _updates.Writer.TryWrite(new TranscriptUpdate(TranscriptUpdateKind.Final, string.Join(' ', words), IsEndpoint: true));
                _length = 0;
                _wordsSent = 0;
            }

            return ValueTask.CompletedTask;
        }

        public IAsyncEnumerable<TranscriptUpdate> ReadUpdatesAsync(CancellationToken cancellationToken = default) =>
            _updates.Reader.ReadAllAsync(cancellationToken);

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                _updates.Writer.TryComplete();
                Interlocked.Decrement(ref owner._open);
            }

            return ValueTask.CompletedTask;
        }
    }
}
