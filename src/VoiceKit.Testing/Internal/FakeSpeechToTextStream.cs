using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using VoiceKit.Audio;

namespace VoiceKit.Testing.Internal;

/// <summary>One stream of <see cref="FakeSpeechToText"/>. State is guarded by the owner's lock.</summary>
internal sealed class FakeSpeechToTextStream : ISpeechToTextStream
{
    private readonly FakeSpeechToText _owner;
    private readonly AudioFormat _format;
    private readonly FakeScheduler _scheduler;
    private readonly Channel<TranscriptUpdate> _updates = Channel.CreateUnbounded<TranscriptUpdate>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<ExpectedWord> _words = [];
    private int _nextWord;
    private long _received;
    private Run? _run;
    private Exception? _failure;
    private bool _disposed;

    public FakeSpeechToTextStream(FakeSpeechToText owner, AudioFormat format)
    {
        _owner = owner;
        _format = format;
        _scheduler = new FakeScheduler(owner.Time);
    }

    /// <summary>How much audio has been received: the stream's audio clock.</summary>
    public TimeSpan PositionLocked => _format.DurationOf(_received);

    public void AddWordLocked(ExpectedWord word)
    {
        // Keep words in start order; scripts normally append in order, so this is an append.
        var index = _words.Count;
        while (index > _nextWord && _words[index - 1].Start > word.Start)
        {
            index--;
        }

        _words.Insert(index, word);
    }

    public ValueTask SendAudioAsync(ReadOnlyMemory<byte> audio, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_owner.SyncRoot)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_failure is not null)
            {
                throw _failure;
            }

            _received += audio.Length;
            _owner.OnAudioLocked(audio.Length);
            AdvanceLocked();
            if (_owner.FailAfter is { } failAfter && PositionLocked >= failAfter)
            {
                FailLocked(_owner.Failure);
            }
        }

        return default;
    }

    public ValueTask FinalizeAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_owner.SyncRoot)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            AdvanceLocked();
            if (_run is { } run)
            {
                // The pending run becomes final at once; its interims still in flight are dropped.
                run.Finalized = true;
                _run = null;
                EmitLocked(MakeUpdate(TranscriptUpdateKind.Final, run, endpoint: false));
            }
        }

        return default;
    }

    public async IAsyncEnumerable<TranscriptUpdate> ReadUpdatesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var reader = _updates.Reader;
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (reader.TryRead(out var update))
            {
                yield return update;
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        lock (_owner.SyncRoot)
        {
            if (_disposed)
            {
                return default;
            }

            _disposed = true;
            _owner.OnDisposedLocked(this);
            _updates.Writer.TryComplete();
        }

        _scheduler.Dispose();
        return default;
    }

    public void Fail(Exception exception)
    {
        lock (_owner.SyncRoot)
        {
            FailLocked(exception);
        }
    }

    /// <summary>Hears every word whose audio has arrived and closes runs followed by enough silence.</summary>
    public void AdvanceLocked()
    {
        if (_disposed || _failure is not null)
        {
            return;
        }

        var position = PositionLocked;
        var endpointing = _owner.Endpointing;
        var latency = _owner.Latency;
        while (true)
        {
            ExpectedWord? next = _nextWord < _words.Count ? _words[_nextWord] : null;
            if (_run is { } run)
            {
                var endpointAt = run.End + endpointing;
                if ((next is null || next.Value.Start >= endpointAt) && position >= endpointAt)
                {
                    _run = null;
                    var final = MakeUpdate(TranscriptUpdateKind.Final, run, endpoint: true);
                    _scheduler.After(latency, () => Emit(final, null));
                    continue;
                }
            }

            if (next is { } word && word.End <= position)
            {
                _nextWord++;
                if (_run is null)
                {
                    _run = new Run(word.Start);
                }

                var current = _run;
                current.Add(word);
                var interim = MakeUpdate(TranscriptUpdateKind.Interim, current, endpoint: false);
                _scheduler.After(latency, () => Emit(interim, current));
                continue;
            }

            break;
        }
    }

    private static TranscriptUpdate MakeUpdate(TranscriptUpdateKind kind, Run run, bool endpoint) =>
        new(kind, run.Text.ToString(), endpoint) { Start = run.Start, Duration = run.End - run.Start, Confidence = 1.0 };

    private void Emit(TranscriptUpdate update, Run? interimOf)
    {
        lock (_owner.SyncRoot)
        {
            if (_disposed || _failure is not null || interimOf is { Finalized: true })
            {
                return;
            }

            EmitLocked(update);
        }
    }

    private void EmitLocked(TranscriptUpdate update)
    {
        _owner.RecordLocked(update);
        _updates.Writer.TryWrite(update);
    }

    private void FailLocked(Exception exception)
    {
        if (_disposed || _failure is not null)
        {
            return;
        }

        _failure = exception;
        _updates.Writer.TryComplete(exception);
    }

    private sealed class Run(TimeSpan start)
    {
        public TimeSpan Start { get; } = start;

        public TimeSpan End { get; private set; } = start;

        public StringBuilder Text { get; } = new();

        public bool Finalized { get; set; }

        public void Add(ExpectedWord word)
        {
            if (Text.Length > 0)
            {
                Text.Append(' ');
            }

            Text.Append(word.Text);
            End = word.End;
        }
    }
}
