using System.Runtime.CompilerServices;

namespace VoiceKit.Turns;

/// <summary>
/// Decides, fifty times a second, whether the caller is speaking, whether they have finished, and whether they are
/// interrupting the agent. Driven by caller audio frames, optional transcript signals and agent speech notifications;
/// all timing comes from the injected <see cref="TimeProvider"/>, so a whole call can run in virtual time.
/// </summary>
/// <remarks>
/// <para>
/// States: listening → caller speaking → caller paused → end of turn; agent speaking → interruption candidate →
/// interrupted (or dismissed as a backchannel, cough or echo), and resume when an interruption brings no words.
/// Decisions are queued as <see cref="TurnEvent"/>s; read them with <see cref="TryReadEvent"/> after each input.
/// </para>
/// <para>
/// Endpointing is adaptive: after the caller stops, the engine waits <see cref="TurnEngineOptions.ShortEndpointDelay"/>
/// when the transcript looks complete, <see cref="TurnEngineOptions.LongEndpointDelay"/> when it clearly continues,
/// <see cref="TurnEngineOptions.DefaultEndpointDelay"/> otherwise, and never more than
/// <see cref="TurnEngineOptions.MaxEndpointDelay"/>.
/// </para>
/// <para>
/// One engine per call, used from the call's single loop: it is not thread-safe. Processing a frame allocates nothing.
/// The engine does not own the voice activity detector's lifetime beyond using it.
/// </para>
/// </remarks>
public sealed class TurnEngine
{
    private const int TranscriptCapacity = 1024;
    private const int AgentTextCapacity = 256;
    private static readonly TimeSpan RecentTranscript = TimeSpan.FromMilliseconds(500);

    /// <summary>How far past the detector's last speech a recogniser's speech start must lie to count as new speech (their onsets differ by a frame or two).</summary>
    private static readonly TimeSpan SpeechStartTolerance = TimeSpan.FromMilliseconds(60);

    private readonly IVoiceActivityDetector _vad;
    private readonly TurnEngineOptions _options;
    private readonly TimeProvider _time;
    private readonly ITurnDetector _detector;
    private readonly WordSet _backchannels;
    private readonly EchoGuard _echo;
    private readonly TranscriptBuffer _transcript = new(TranscriptCapacity);
    private readonly char[] _agentText = new char[AgentTextCapacity];
    private readonly long _startTimestamp;

    private TurnEvent[] _events = new TurnEvent[16];
    private int _eventHead;
    private int _eventCount;

    // Caller speech as the voice activity detector sees it.
    private bool _inSpeech;
    private TimeSpan _speechRun;
    private TimeSpan _silenceRun;
    private TimeSpan _speechStart;
    private TimeSpan _lastSpeechEnd;

    /// <summary>Caller audio processed so far: the recogniser's clock, since it is fed the same frames from the same start.</summary>
    private TimeSpan _audioClock;

    /// <summary>Where <see cref="_lastSpeechEnd"/> lies on <see cref="_audioClock"/>.</summary>
    private TimeSpan _lastSpeechEndAudio;

    // Transcript signals.
    private bool _transcriptsSeen;
    private TimeSpan _lastTranscriptUpdate = TimeSpan.MinValue;
    private TimeSpan _sttEndpointAt = TimeSpan.MinValue;
    private float _completion = TranscriptTurnDetector.Unknown;
    private int _agentTextLength;

    // Agent speech and interruptions.
    private bool _agentSpeaking;
    private TimeSpan _agentStartedAt;
    private bool _agentAudioSeen;
    private bool _interruptionUnconfirmed;
    private TimeSpan _interruptedAt;

    private TimeSpan _idleSince;

    /// <summary>Creates an engine for one call.</summary>
    /// <param name="voiceActivityDetector">Scores caller frames; its <see cref="IVoiceActivityDetector.SampleRate"/> is the rate of the frames passed to <see cref="ProcessAudio"/>.</param>
    /// <param name="options">Tuning; <c>null</c> for the phone-call defaults. Validated here; later changes are not seen.</param>
    /// <param name="timeProvider">The clock; <c>null</c> for <see cref="TimeProvider.System"/>.</param>
    /// <exception cref="ArgumentException">The options are invalid; the message says what to fix.</exception>
    public TurnEngine(IVoiceActivityDetector voiceActivityDetector, TurnEngineOptions? options = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(voiceActivityDetector);
        _options = options ?? new TurnEngineOptions();
        _options.Validate();
        _vad = voiceActivityDetector;
        _time = timeProvider ?? TimeProvider.System;
        _detector = _options.TurnDetector ?? TranscriptTurnDetector.Instance;
        _backchannels = new WordSet(_options.Backchannels);
        _echo = new EchoGuard(_options.EchoCorrelationThreshold);
        _startTimestamp = _time.GetTimestamp();
    }

    /// <summary>The current state.</summary>
    public TurnState State { get; private set; }

    /// <summary>The sample rate of caller frames, from the voice activity detector.</summary>
    public int SampleRate => _vad.SampleRate;

    /// <summary>Time since the engine was created, on its clock. Event times are on this scale.</summary>
    public TimeSpan Now => _time.GetElapsedTime(_startTimestamp);

    /// <summary>Takes one caller frame (mono PCM16 at <see cref="SampleRate"/>, 10/20/30 ms) and updates every decision.</summary>
    /// <param name="frame">The caller audio.</param>
    public void ProcessAudio(ReadOnlySpan<short> frame)
    {
        var now = Now;
        var probability = _vad.Process(frame);
        var frameDuration = TimeSpan.FromTicks(frame.Length * TimeSpan.TicksPerSecond / _vad.SampleRate);

        if (_agentAudioSeen)
        {
            _echo.AddCallerLevel(LevelDb(frame));
        }

        var speech = probability >= (_inSpeech ? _options.SpeechContinueThreshold : _options.SpeechThreshold);
        if (speech && _agentSpeaking && IsEcho(now))
        {
            speech = false;
        }

        _audioClock += frameDuration;
        TrackSpeech(speech, confident: speech && probability >= _options.SpeechThreshold, now, frameDuration);
        Evaluate(now);
    }

    /// <summary>
    /// Takes agent audio as it plays (mono PCM16, any frame size), so the echo guard can recognise the agent's own voice
    /// coming back in the caller's audio. Optional.
    /// </summary>
    /// <param name="frame">Agent audio at the moment it is played to the caller.</param>
    public void ProcessAgentAudio(ReadOnlySpan<short> frame)
    {
        _agentAudioSeen = true;
        _echo.AddAgentLevel(LevelDb(frame));
    }

    /// <summary>Takes a transcript update for the caller's speech.</summary>
    /// <param name="text">An interim (replaces the open segment) or a final (commits it).</param>
    /// <param name="isFinal">Whether the text is final for its segment.</param>
    /// <param name="isEndpoint">Whether the recogniser itself marked the end of the utterance (Deepgram's speech_final).</param>
    public void OnTranscript(ReadOnlySpan<char> text, bool isFinal, bool isEndpoint = false)
    {
        var now = Now;
        _transcriptsSeen = true;
        _transcript.Update(text, isFinal);
        _lastTranscriptUpdate = now;
        if (isEndpoint)
        {
            _sttEndpointAt = now;
        }

        _completion = _detector.GetEndOfTurnProbability(_transcript.Text, AgentText);
        if (_interruptionUnconfirmed && CountWords() > 0)
        {
            _interruptionUnconfirmed = false;
        }

        Evaluate(now);
    }

    /// <summary>Takes the recogniser's own end-of-utterance signal without text (Deepgram's UtteranceEnd).</summary>
    public void OnSpeechToTextEndpoint()
    {
        var now = Now;
        _sttEndpointAt = now;
        Evaluate(now);
    }

    /// <summary>
    /// Takes the recogniser's own speech-start signal (Deepgram's SpeechStarted). When it reports speech that began after
    /// the caller's last speech as this engine heard it (quiet speech the detector missed, while the turn is pausing), the
    /// end-of-turn silence is counted again from now, so the caller is not cut off. A signal for speech the engine already
    /// heard (the recogniser reports starts late) changes nothing.
    /// </summary>
    /// <param name="audioTime">
    /// Where the speech starts in the recogniser's audio stream; its time zero is the first frame given to
    /// <see cref="ProcessAudio"/>, as when the recogniser is fed the same frames from the start of the call.
    /// </param>
    public void OnSpeechToTextSpeechStarted(TimeSpan audioTime)
    {
        var now = Now;
        if (State == TurnState.CallerPaused && audioTime > _lastSpeechEndAudio + SpeechStartTolerance)
        {
            _lastSpeechEnd = now;
            _lastSpeechEndAudio = _audioClock;
        }

        Evaluate(now);
    }

    /// <summary>The agent started speaking (its first audio reached the caller).</summary>
    public void OnAgentSpeechStarted()
    {
        var now = Now;
        _agentSpeaking = true;
        _agentStartedAt = now;
        _interruptionUnconfirmed = false;
        _echo.Reset();
        if (State == TurnState.Listening)
        {
            State = TurnState.AgentSpeaking;
        }
        else if (State is TurnState.CallerSpeaking or TurnState.CallerPaused)
        {
            // The agent talks over a caller turn in progress (e.g. a greeting): the caller's speech now competes with it.
            _transcript.Clear();
            State = _inSpeech ? TurnState.InterruptionCandidate : TurnState.AgentSpeaking;
            _speechStart = now;
        }

        Evaluate(now);
    }

    /// <summary>The agent stopped speaking: finished, cancelled, or cut off after an interruption.</summary>
    /// <param name="spokenText">What the caller heard the agent say, for judging short answers to yes/no questions.</param>
    public void OnAgentSpeechStopped(ReadOnlySpan<char> spokenText = default)
    {
        var now = Now;
        _agentSpeaking = false;
        if (!spokenText.IsEmpty)
        {
            var tail = spokenText.TrimEnd();
            tail = tail.Length > _agentText.Length ? tail[^_agentText.Length..] : tail;
            tail.CopyTo(_agentText);
            _agentTextLength = tail.Length;
        }

        if (State == TurnState.AgentSpeaking)
        {
            State = TurnState.Listening;
            _idleSince = now;
        }
        else if (State == TurnState.InterruptionCandidate)
        {
            // The agent finished while the caller was already talking: an ordinary caller turn.
            State = TurnState.CallerSpeaking;
        }

        Evaluate(now);
    }

    /// <summary>Runs the timers without new audio (endpointing, false-interruption and idle timeouts).</summary>
    public void Poll() => Evaluate(Now);

    /// <summary>Reads the next decision, oldest first.</summary>
    /// <param name="turnEvent">The event, when one was waiting.</param>
    /// <returns>Whether an event was waiting.</returns>
    public bool TryReadEvent(out TurnEvent turnEvent)
    {
        if (_eventCount == 0)
        {
            turnEvent = default;
            return false;
        }

        turnEvent = _events[_eventHead];
        _eventHead = (_eventHead + 1) % _events.Length;
        _eventCount--;
        return true;
    }

    private ReadOnlySpan<char> AgentText => _agentText.AsSpan(0, _agentTextLength);

    private bool IsEcho(TimeSpan now) =>
        now - _agentStartedAt < _options.EchoGuardDuration || (_agentAudioSeen && _echo.IsEcho());

    private void TrackSpeech(bool speech, bool confident, TimeSpan now, TimeSpan frameDuration)
    {
        if (speech)
        {
            _silenceRun = TimeSpan.Zero;
            _speechRun += frameDuration;

            // Endpointing delays count from the last confident frame: a detector's decaying tail (between the continue
            // and start thresholds) keeps speech going but is not evidence the caller is still talking.
            if (confident || !_inSpeech)
            {
                _lastSpeechEnd = now;
                _lastSpeechEndAudio = _audioClock;
            }

            if (!_inSpeech && _speechRun >= _options.MinSpeechDuration)
            {
                _inSpeech = true;
                _speechStart = now - _speechRun;
                Emit(new TurnEvent(TurnEventKind.SpeechStarted, now));
                OnCallerSpeechStarted();
            }

            return;
        }

        if (!_inSpeech)
        {
            _speechRun = TimeSpan.Zero; // a burst shorter than MinSpeechDuration: a click, not speech
            return;
        }

        _silenceRun += frameDuration;
        if (_silenceRun >= _options.SpeechEndSilence)
        {
            _inSpeech = false;
            _speechRun = TimeSpan.Zero;
            Emit(new TurnEvent(TurnEventKind.SpeechStopped, now, speechDuration: _lastSpeechEnd - _speechStart));
            OnCallerSpeechStopped(now);
        }
    }

    private void OnCallerSpeechStarted()
    {
        switch (State)
        {
            case TurnState.Listening:
                _transcript.Clear();
                _completion = TranscriptTurnDetector.Unknown;
                _sttEndpointAt = TimeSpan.MinValue;
                State = TurnState.CallerSpeaking;
                break;
            case TurnState.CallerPaused:
                State = TurnState.CallerSpeaking;
                break;
            case TurnState.AgentSpeaking:
                // Words that arrived just now belong to this speech (the recogniser can beat the detector when the echo
                // guard held it back); older ones are the tail of the caller's previous turn.
                if (_lastTranscriptUpdate < Now - RecentTranscript)
                {
                    _transcript.Clear();
                }

                State = TurnState.InterruptionCandidate;
                break;
        }
    }

    private void OnCallerSpeechStopped(TimeSpan now)
    {
        switch (State)
        {
            case TurnState.CallerSpeaking:
                State = TurnState.CallerPaused;
                break;
            case TurnState.InterruptionCandidate:
                // Too short or only backchannels: the agent keeps talking, and the words are not a turn.
                _transcript.Clear();
                State = TurnState.AgentSpeaking;
                break;
        }

        _idleSince = now;
    }

    private void Evaluate(TimeSpan now)
    {
        switch (State)
        {
            case TurnState.InterruptionCandidate:
                EvaluateInterruption(now);
                break;
            case TurnState.CallerSpeaking:
            case TurnState.CallerPaused:
                if (_interruptionUnconfirmed)
                {
                    EvaluateFalseInterruption(now);
                }

                if (State == TurnState.CallerPaused)
                {
                    EvaluateEndOfTurn(now);
                }

                break;
            case TurnState.Listening:
                if (now - _idleSince >= _options.IdleTimeout)
                {
                    _idleSince = now;
                    Emit(new TurnEvent(TurnEventKind.CallerIdle, now));
                }

                break;
        }
    }

    private void EvaluateInterruption(TimeSpan now)
    {
        if (!_inSpeech)
        {
            return;
        }

        // Measured to the last confident frame, so a detector's decaying tail does not stretch an "mm-hmm" into an
        // interruption.
        var speech = _lastSpeechEnd - _speechStart;
        var words = CountWords();
        var byWords = speech >= _options.InterruptionMinSpeech && words >= _options.InterruptionMinWords;
        if (!byWords && speech < _options.InterruptionWithoutWords)
        {
            return;
        }

        _agentSpeaking = false;
        _interruptionUnconfirmed = words == 0;
        _interruptedAt = now;
        State = TurnState.CallerSpeaking;
        Emit(new TurnEvent(TurnEventKind.Interruption, now, speechDuration: speech));
    }

    private void EvaluateFalseInterruption(TimeSpan now)
    {
        if (!_transcriptsSeen || now - _interruptedAt < _options.FalseInterruptionTimeout)
        {
            return;
        }

        // No words came: noise, a cough or a backchannel. Give the floor back to the agent.
        _interruptionUnconfirmed = false;
        _transcript.Clear();
        _agentSpeaking = true;
        _agentStartedAt = now;
        State = TurnState.AgentSpeaking;
        Emit(new TurnEvent(TurnEventKind.Resume, now));
    }

    private void EvaluateEndOfTurn(TimeSpan now)
    {
        if (_speechRun > TimeSpan.Zero)
        {
            return; // Speech is coming back (not yet long enough to report): the caller is not done.
        }

        var silence = now - _lastSpeechEnd;
        if (silence >= _options.MaxEndpointDelay)
        {
            // With a live transcript and still no words, it was noise (a cough, a click): no turn to answer.
            if (_transcriptsSeen && _transcript.IsEmpty)
            {
                _transcript.Clear();
                State = TurnState.Listening;
                _idleSince = now;
                return;
            }

            EndTurn(now, EndOfTurnReason.MaxDelay, silence);
            return;
        }

        if (!_transcriptsSeen)
        {
            if (silence >= _options.DefaultEndpointDelay)
            {
                EndTurn(now, EndOfTurnReason.Silence, silence);
            }

            return;
        }

        if (_transcript.IsEmpty)
        {
            return; // The recogniser has not caught up yet, or this was noise: wait, up to the max delay.
        }

        // The recogniser has caught up when an update arrived after the speech ended, give or take the silence the
        // detector needs to notice an end; or when the transcript lag has passed anyway.
        var transcriptCaughtUp = _lastTranscriptUpdate >= _lastSpeechEnd - _options.SpeechEndSilence || silence >= _options.TranscriptLag;
        if (!transcriptCaughtUp)
        {
            return;
        }

        if (_sttEndpointAt >= _lastSpeechEnd && _completion > _options.IncompleteThreshold)
        {
            EndTurn(now, EndOfTurnReason.SpeechToTextEndpoint, silence);
            return;
        }

        var (delay, reason) = _completion >= _options.CompleteThreshold ? (_options.ShortEndpointDelay, EndOfTurnReason.TranscriptComplete)
            : _completion <= _options.IncompleteThreshold ? (_options.LongEndpointDelay, EndOfTurnReason.IncompleteTimeout)
            : (_options.DefaultEndpointDelay, EndOfTurnReason.Silence);
        if (silence >= delay)
        {
            EndTurn(now, reason, silence);
        }
    }

    private void EndTurn(TimeSpan now, EndOfTurnReason reason, TimeSpan delay)
    {
        _transcript.Clear();
        _completion = TranscriptTurnDetector.Unknown;
        _sttEndpointAt = TimeSpan.MinValue;
        _interruptionUnconfirmed = false;
        State = TurnState.Listening;
        _idleSince = now;
        // Reported from the acoustic end of speech: the detector's own hangover is added back (timers are unchanged).
        Emit(new TurnEvent(TurnEventKind.EndOfTurn, now, reason, delay + _vad.SpeechEndLag));
    }

    private int CountWords()
    {
        var cursor = new WordCursor(_transcript.Text);
        var count = 0;
        ReadOnlySpan<char> word;
        while (!(word = cursor.Previous()).IsEmpty)
        {
            if (!_backchannels.Contains(word))
            {
                count++;
            }
        }

        return count;
    }

    private void Emit(TurnEvent turnEvent)
    {
        if (_eventCount == _events.Length)
        {
            // Only when the owner stops reading events; grow rather than lose a decision.
            var grown = new TurnEvent[_events.Length * 2];
            for (var i = 0; i < _eventCount; i++)
            {
                grown[i] = _events[(_eventHead + i) % _events.Length];
            }

            _events = grown;
            _eventHead = 0;
        }

        _events[(_eventHead + _eventCount) % _events.Length] = turnEvent;
        _eventCount++;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float LevelDb(ReadOnlySpan<short> frame)
    {
        if (frame.IsEmpty)
        {
            return -90f;
        }

        long sum = 0;
        foreach (var s in frame)
        {
            sum += s * s;
        }

        var meanSquare = (float)sum / frame.Length / (32768f * 32768f);
        return meanSquare <= 1e-9f ? -90f : 10f * MathF.Log10(meanSquare);
    }
}
