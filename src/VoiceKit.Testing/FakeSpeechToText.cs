using VoiceKit.Audio;
using VoiceKit.Testing.Internal;

namespace VoiceKit.Testing;

/// <summary>
/// A scripted streaming recogniser. The test (or a <see cref="SimulatedCaller"/>) says which words the caller speaks and
/// where they sit in the audio; the recogniser "hears" a word once it has received the audio up to the word's end, and
/// then, on the injected <see cref="TimeProvider"/>, sends what a Deepgram-like service sends: an interim with the
/// run so far <see cref="Latency"/> after the word, and a final with <see cref="TranscriptUpdate.IsEndpoint"/> set
/// once it has received <see cref="Endpointing"/> of audio after the last word of a run, plus <see cref="Latency"/>.
/// </summary>
/// <remarks>
/// Audio times count from the first audio a stream receives (time zero), so recognition follows the audio actually sent,
/// not the clock. The audio content is ignored: any format is accepted. Properties may be changed at any time and
/// apply to what is scheduled afterwards. Thread-safe.
/// </remarks>
public sealed class FakeSpeechToText : ISpeechToText
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly long _origin;
    private readonly List<(TimeSpan Time, TranscriptUpdate Update)> _updates = [];
    private readonly List<ExpectedWord> _pendingWords = [];
    private FakeSpeechToTextStream? _current;
    private long _receivedAudio;
    private int _streamsOpened;

    /// <summary>Creates a recogniser.</summary>
    /// <param name="timeProvider">The clock updates are sent on; tests pass a FakeTimeProvider.</param>
    public FakeSpeechToText(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _time = timeProvider;
        _origin = timeProvider.GetTimestamp();
    }

    /// <summary>Delay between receiving the audio a result depends on and sending the result. 150 ms by default.</summary>
    public TimeSpan Latency { get; set; } = TimeSpan.FromMilliseconds(150);

    /// <summary>Silence after a word that ends a run (and sends its final with <c>IsEndpoint</c>). 300 ms by default.</summary>
    public TimeSpan Endpointing { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary>
    /// When set, a stream fails once it has received this much audio: <see cref="ISpeechToTextStream.ReadUpdatesAsync"/>
    /// throws <see cref="Failure"/> and further sends throw it too. <see langword="null"/> (never) by default.
    /// </summary>
    public TimeSpan? FailAfter { get; set; }

    /// <summary>The exception a failing stream throws; an <see cref="IOException"/> by default.</summary>
    public Exception Failure { get; set; } = new IOException("The fake speech-to-text provider failed (simulated).");

    /// <summary>Total bytes of audio received by all streams.</summary>
    public long ReceivedAudio
    {
        get
        {
            lock (_lock)
            {
                return _receivedAudio;
            }
        }
    }

    /// <summary>How many streams were opened.</summary>
    public int StreamsOpened
    {
        get
        {
            lock (_lock)
            {
                return _streamsOpened;
            }
        }
    }

    /// <summary>Every update sent by every stream, with the time it was sent (measured from this recogniser's creation).</summary>
    public IReadOnlyList<(TimeSpan Time, TranscriptUpdate Update)> Updates
    {
        get
        {
            lock (_lock)
            {
                return [.. _updates];
            }
        }
    }

    internal TimeProvider Time => _time;

    /// <summary>Scripts words the caller says, on the audio timeline of the open stream (or of the next one opened, when none is open).</summary>
    /// <param name="words">Each word with where it starts and ends in the stream's audio (time zero is the first audio received).</param>
    /// <exception cref="ArgumentException">A word is empty, or ends before it starts.</exception>
    public void Expect(IEnumerable<(string Text, TimeSpan Start, TimeSpan End)> words) => AddWords(words, relativeToNow: false);

    /// <summary>Makes the open stream fail now, as if the provider dropped the connection.</summary>
    /// <param name="exception">What <see cref="ISpeechToTextStream.ReadUpdatesAsync"/> throws; <see cref="Failure"/> when omitted.</param>
    public void Fail(Exception? exception = null)
    {
        FakeSpeechToTextStream? stream;
        lock (_lock)
        {
            stream = _current;
        }

        stream?.Fail(exception ?? Failure);
    }

    /// <inheritdoc />
    /// <returns><paramref name="callFormat"/>: the fake accepts any format.</returns>
    public AudioFormat SelectInputFormat(AudioFormat callFormat) => callFormat;

    /// <inheritdoc />
    public ValueTask<ISpeechToTextStream> StartAsync(AudioFormat format, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!format.IsValid)
        {
            throw new ArgumentException("The audio format is default(AudioFormat); create one with its constructor.", nameof(format));
        }

        lock (_lock)
        {
            _streamsOpened++;
            var stream = new FakeSpeechToTextStream(this, format);
            _current = stream;
            foreach (var word in _pendingWords)
            {
                stream.AddWordLocked(word);
            }

            _pendingWords.Clear();
            return new ValueTask<ISpeechToTextStream>(stream);
        }
    }

    /// <summary>Scripts words with times relative to the audio the open stream has received so far.</summary>
    internal void ExpectFromNow(IEnumerable<(string Text, TimeSpan Start, TimeSpan End)> words) => AddWords(words, relativeToNow: true);

    internal Lock SyncRoot => _lock;

    internal void OnAudioLocked(int bytes) => _receivedAudio += bytes;

    internal void RecordLocked(TranscriptUpdate update) => _updates.Add((_time.GetElapsedTime(_origin), update));

    internal void OnDisposedLocked(FakeSpeechToTextStream stream)
    {
        if (_current == stream)
        {
            _current = null;
        }
    }

    private void AddWords(IEnumerable<(string Text, TimeSpan Start, TimeSpan End)> words, bool relativeToNow)
    {
        ArgumentNullException.ThrowIfNull(words);
        var list = new List<ExpectedWord>();
        foreach (var (text, start, end) in words)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(text, nameof(words));
            if (end < start || start < TimeSpan.Zero)
            {
                throw new ArgumentException($"The word '{text}' has a negative start or ends ({end}) before it starts ({start}).", nameof(words));
            }

            list.Add(new ExpectedWord(text, start, end));
        }

        lock (_lock)
        {
            var offset = relativeToNow && _current is not null ? _current.PositionLocked : TimeSpan.Zero;
            foreach (var word in list)
            {
                var shifted = word with { Start = word.Start + offset, End = word.End + offset };
                if (_current is not null)
                {
                    _current.AddWordLocked(shifted);
                }
                else
                {
                    _pendingWords.Add(shifted);
                }
            }

            _current?.AdvanceLocked();
        }
    }
}
