using System.Buffers;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace VoiceKit.Deepgram;

/// <summary>
/// One reply on a Deepgram Aura socket. Each <see cref="SendTextAsync"/> sends <c>Speak</c> and then <c>Flush</c>, so
/// the clause is synthesised at once, and the k-th <c>Flushed</c> marks the end of the k-th flush's audio: audio is
/// tagged with the segment it speaks. When the connection's Flush budget (20 per 60 s) runs short, clauses go without a
/// Flush and the reply's final Flush (<see cref="FlushAsync"/>) speaks them together; their audio is tagged with the
/// last segment of the group (the earlier ones of the group get none of their own). Audio arrives in pooled buffers
/// through a bounded channel; the reader returns each buffer when it moves on. Disposing hands the socket back to the
/// synthesiser at once: straight to the idle pool when nothing is outstanding, otherwise after a background
/// <c>Clear</c>/<c>Cleared</c>.
/// </summary>
internal sealed class DeepgramTextToSpeechStream : ITextToSpeechStream
{
    private const string Provider = "deepgram";

    private readonly DeepgramSpeakConnection _connection;
    private readonly DeepgramTextToSpeech _owner;
    private readonly TimeProvider _time;
    private readonly TimeSpan _silenceTimeout;
    private readonly ITimer _silence;
    private readonly Lock _gate = new();
    private readonly Channel<AudioChunk> _audio = Channel.CreateBounded<AudioChunk>(
        new BoundedChannelOptions(64) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });

    /// <summary>For each Flush sent, in order, the last segment it speaks.</summary>
    private readonly List<int> _flushLastSegment = [];

    private int _segments;
    private int _flushesAnswered;
    private bool _unflushedText;
    private bool _flushRequested;
    private bool _completed;
    private bool _disposed;
    private VoiceProviderException? _failure;
    private long _firstSpeakTimestamp;
    private bool _firstAudioSeen;
    private int _warnings;
    private bool _delivering;

    public DeepgramTextToSpeechStream(DeepgramSpeakConnection connection, DeepgramTextToSpeech owner, TimeProvider time)
    {
        _connection = connection;
        _owner = owner;
        _time = time;
        _silenceTimeout = owner.Options.SilenceTimeout;
        _silence = time.CreateTimer(static state => ((DeepgramTextToSpeechStream)state!).OnSilence(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The socket this reply is spoken on.</summary>
    internal DeepgramSpeakConnection Connection => _connection;

    /// <summary>Warning messages Deepgram sent during this reply.</summary>
    internal int Warnings => Volatile.Read(ref _warnings);

    public async ValueTask SendTextAsync(string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        ThrowIfUnusable();
        if (string.IsNullOrWhiteSpace(text))
        {
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                _segments++; // numbered like any other segment, but there is nothing to speak
            }

            return;
        }

        await _connection.LockSendAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            bool flush;
            lock (_gate)
            {
                // Checked again under the send lock: once disposed, the socket may already be back in the pool.
                ObjectDisposedException.ThrowIf(_disposed, this);
                ThrowIfFailed();
                var segment = _segments++;
                flush = _connection.TryReserveFlush(final: false);
                if (flush)
                {
                    _flushLastSegment.Add(segment);
                    WatchForSilence(); // armed before the send, so a send stuck on a dead socket is caught too
                }

                _unflushedText = !flush;
                if (_firstSpeakTimestamp == 0)
                {
                    _firstSpeakTimestamp = _time.GetTimestamp();
                }
            }

            await _connection.SendSpeakLockedAsync(text).ConfigureAwait(false);
            if (flush)
            {
                await _connection.SendLockedAsync(DeepgramSpeakConnection.FlushMessage).ConfigureAwait(false);
            }
        }
        finally
        {
            _connection.UnlockSend();
        }
    }

    public async ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_flushRequested)
            {
                return;
            }
        }

        ThrowIfUnusable();
        await _connection.LockSendAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            bool send;
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_flushRequested)
                {
                    return;
                }

                ThrowIfFailed();
                _flushRequested = true;
                send = _unflushedText;
                if (send)
                {
                    _connection.TryReserveFlush(final: true);
                    _flushLastSegment.Add(_segments - 1);
                    _unflushedText = false;
                    WatchForSilence();
                }

                CompleteIfSpoken();
            }

            if (send)
            {
                await _connection.SendLockedAsync(DeepgramSpeakConnection.FlushMessage).ConfigureAwait(false);
            }
        }
        finally
        {
            _connection.UnlockSend();
        }
    }

    public async IAsyncEnumerable<SpeechAudio> ReadAudioAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
        }

        var reader = _audio.Reader;
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (reader.TryRead(out var chunk))
            {
                try
                {
                    yield return new SpeechAudio(chunk.Buffer.AsMemory(0, chunk.Length), chunk.Segment);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(chunk.Buffer);
                }
            }
        }
    }

    /// <summary>Hands the socket back without waiting for Deepgram: a barge-in never waits for the provider.</summary>
    public ValueTask DisposeAsync()
    {
        bool needsClear;
        lock (_gate)
        {
            if (_disposed)
            {
                return ValueTask.CompletedTask;
            }

            _disposed = true;
            needsClear = _unflushedText || _flushesAnswered < _flushLastSegment.Count;
        }

        _silence.Dispose();

        _connection.Detach(this);

        // Completing the channel also releases the receive loop if it is waiting for room to deliver audio.
        _audio.Writer.TryComplete(new ObjectDisposedException(nameof(DeepgramTextToSpeechStream)));
        while (_audio.Reader.TryRead(out var chunk))
        {
            ArrayPool<byte>.Shared.Return(chunk.Buffer);
        }

        _owner.Release(_connection, needsClear);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Called by the receive loop with a pooled buffer of whole samples. Returns whether the stream took the buffer
    /// (and will return it to the pool); a disposed or finished stream does not.
    /// </summary>
    internal async ValueTask<bool> DeliverAudioAsync(byte[] buffer, int length)
    {
        int segment;
        lock (_gate)
        {
            if (_disposed || _completed)
            {
                return false;
            }

            // Audio before the next Flushed belongs to the flush being answered; audio ahead of any Flush sent (Deepgram
            // may start on a long unflushed group) to the newest segment sent so far, so the tags never go backwards.
            segment = _flushesAnswered < _flushLastSegment.Count ? _flushLastSegment[_flushesAnswered] : _segments - 1;
            if (!_firstAudioSeen && _firstSpeakTimestamp != 0)
            {
                _firstAudioSeen = true;
                DeepgramTelemetry.Metrics.RecordFirstResult(ProviderMetrics.TextToSpeech, _time.GetElapsedTime(_firstSpeakTimestamp));
            }

            // Deepgram spoke. While the write waits for the reader to make room, the silence is ours, not Deepgram's.
            _delivering = true;
            _silence.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        try
        {
            await _audio.Writer.WriteAsync(new AudioChunk(buffer, length, segment)).ConfigureAwait(false);
            return true;
        }
        catch (ChannelClosedException)
        {
            return false;
        }
        finally
        {
            lock (_gate)
            {
                _delivering = false;
                WatchForSilence();
            }
        }
    }

    /// <summary>Called by the receive loop for each Flushed: the next flush's audio is complete.</summary>
    internal void OnFlushed()
    {
        lock (_gate)
        {
            if (_flushesAnswered < _flushLastSegment.Count)
            {
                _flushesAnswered++;
                CompleteIfSpoken();
                WatchForSilence();
            }
        }
    }

    /// <summary>Called by the receive loop for each Warning (for example, too many flushes). Counted, never fatal.</summary>
    internal void OnWarning() => Interlocked.Increment(ref _warnings);

    /// <summary>Called when the socket ends: a reply that is not yet fully spoken fails with the reason.</summary>
    internal void OnConnectionEnded(VoiceProviderException? failure)
    {
        lock (_gate)
        {
            if (_completed || _failure is not null)
            {
                return;
            }

            _failure = failure ?? new VoiceProviderException("Deepgram closed the text-to-speech connection before the reply was spoken.", Provider, isTransient: true);
            _audio.Writer.TryComplete(_failure);
        }
    }

    /// <summary>
    /// (Re)starts the silence clock while a Flush is unanswered, and stops it otherwise. Under <see cref="_gate"/>.
    /// </summary>
    private void WatchForSilence()
    {
        if (_disposed)
        {
            return;
        }

        var waiting = !_delivering && !_completed && _failure is null && _flushesAnswered < _flushLastSegment.Count;
        _silence.Change(waiting ? _silenceTimeout : Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// Deepgram sent nothing for <see cref="_silenceTimeout"/> while a Flush was unanswered: the socket is dead or the
    /// Flushed is lost. The reply fails as a dropped connection would, and the socket is aborted so it is never reused.
    /// </summary>
    private void OnSilence()
    {
        lock (_gate)
        {
            if (_disposed || _delivering || _completed || _failure is not null || _flushesAnswered >= _flushLastSegment.Count)
            {
                return;
            }

            _failure = new VoiceProviderException(
                $"Deepgram sent no audio for {_silenceTimeout.TotalSeconds:0.#} s while a reply was being spoken; the connection is abandoned.",
                Provider,
                isTransient: true);
            _audio.Writer.TryComplete(_failure);
        }

        _connection.Abort();
    }

    /// <summary>Ends the audio once the reply's text is complete and every Flush sent has been answered. Under <see cref="_gate"/>.</summary>
    private void CompleteIfSpoken()
    {
        if (_flushRequested && !_unflushedText && _flushesAnswered == _flushLastSegment.Count && !_completed && _failure is null)
        {
            _completed = true;
            _audio.Writer.TryComplete();
        }
    }

    private void ThrowIfUnusable()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_flushRequested)
            {
                throw new InvalidOperationException("FlushAsync has been called: the reply's text is complete. Start a new stream for the next reply.");
            }

            ThrowIfFailed();
        }
    }

    /// <summary>Under <see cref="_gate"/>.</summary>
    private void ThrowIfFailed()
    {
        if (_failure is { } failure)
        {
            throw new VoiceProviderException(failure.Message, Provider, failure.ErrorCode, failure.IsTransient, failure);
        }
    }

    private readonly record struct AudioChunk(byte[] Buffer, int Length, int Segment);
}
