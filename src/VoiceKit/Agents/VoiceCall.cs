using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using VoiceKit.Audio;
using VoiceKit.Turns;

namespace VoiceKit;

/// <summary>
/// One running call: the brain that listens through the recogniser and the turn engine, answers through the language
/// model and the synthesiser, and yields the floor when interrupted. Created by <see cref="VoiceAgent.StartCall"/>.
/// </summary>
/// <remarks>
/// <para>
/// Every decision is made on one loop that reads a bounded queue fed by the input loop (caller audio, key presses), the
/// recogniser loop, a 100 ms timer and the reply tasks; so the call's state is never shared between threads. Caller
/// audio and agent audio each have their own loop, so a slow provider never stalls the caller's audio.
/// </para>
/// <para>Members are thread-safe. Dispose to end the call early.</para>
/// </remarks>
public sealed class VoiceCall : IAsyncDisposable
{
    private static readonly TimeSpan MaxDurationGrace = TimeSpan.FromSeconds(15);

    /// <summary>How long after an end of turn a final may still revise that turn's words (recognisers answer within a second).</summary>
    private static readonly TimeSpan LateFinalWindow = TimeSpan.FromSeconds(1.5);
    private static readonly System.Text.Json.JsonSerializerOptions s_compactJson = new(AIJsonUtilities.DefaultOptions) { WriteIndented = false };

    private readonly VoiceAgent _agent;
    private readonly ITransport _transport;
    private readonly VoiceAgentOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly long _startTimestamp;
    private readonly CancellationTokenSource _callCancellation;
    private readonly Channel<Message> _queue = Channel.CreateBounded<Message>(new BoundedChannelOptions(1024)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private readonly Channel<CallEvent> _events = Channel.CreateBounded<CallEvent>(new BoundedChannelOptions(1024)
    {
        SingleWriter = false,
        FullMode = BoundedChannelFullMode.DropOldest,
    });

    private readonly List<ChatMessage> _history = [];

    /// <summary>False when nobody can read the events (<see cref="VoiceAgent.RunAsync"/>): then none are queued.</summary>
    private readonly bool _publishEvents;
    private readonly Lock _historyLock = new();
    private readonly List<TurnMetrics> _turnMetrics = [];
    private readonly List<Task> _toolTasks = [];
    private readonly List<Task> _replyTasks = [];
    private readonly AudioFormat _vadFormat;
    private readonly AudioFormat _sttFormat;
    private readonly AudioFormat _ttsFormat;
    private readonly AudioConverter? _sttConverter;
    private readonly AudioConverter? _vadConverter;
    private readonly IReadOnlyList<AITool> _tools;
    private readonly TaskCompletionSource<CallSummary> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private TurnEngine _engine = null!;
    private ISpeechToTextStream? _sttStream;
    private AgentReply? _reply;
    private AgentReply? _lastInterrupted;
    private string? _lastInterruptedUnheard;
    private int _replyIds;
    private long _outputCursorTicks;
    private string _callerFinals = string.Empty;
    private string _callerInterim = string.Empty;
    private bool _turnConsumed;
    private string _consumedText = string.Empty;
    private TimeSpan _consumedAt;
    private string _consumedFinals = string.Empty;
    private ChatMessage? _consumedMessage;
    private TimeSpan? _lastFinalAt;
    private int _turns;
    private int _interruptions;
    private int _toolCalls;
    private int _toolFailures;
    private int _idlePrompts;
    private int _fillerIndex;
    private string? _transferredTo;
    private CallEndReason? _endReason;
    private Exception? _error;
    private readonly StringBuilder _dtmf = new();
    private TimeSpan _lastDtmfAt;
    private Task _run = Task.CompletedTask;
    private CallRecorder? _recorder;
    private int _disposed;

    internal VoiceCall(VoiceAgent agent, ITransport transport, CancellationToken cancellationToken, bool publishEvents = true)
    {
        _publishEvents = publishEvents;
        _agent = agent;
        _transport = transport;
        _options = agent.Options;
        _time = agent.TimeProvider;
        _logger = agent.LoggerFactory.CreateLogger<VoiceCall>();
        _startTimestamp = _time.GetTimestamp();
        _callCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // Format negotiation: convert only where the next component cannot take the call's audio as it is.
        var callFormat = transport.Format;
        _vadFormat = AudioFormat.Pcm16(callFormat.SampleRate <= 8000 ? 8000 : 16000);
        _vadConverter = callFormat.Channels != 1 ? throw new NotSupportedException($"Calls must be mono; the transport delivers {callFormat}.")
            : callFormat.Encoding is AudioEncoding.MuLaw or AudioEncoding.ALaw && callFormat.SampleRate == 8000 ? null
            : new AudioConverter(callFormat, _vadFormat);
        _sttFormat = agent.SpeechToText.SelectInputFormat(callFormat);
        _sttConverter = _sttFormat == callFormat ? null : new AudioConverter(callFormat, _sttFormat);
        _ttsFormat = agent.TextToSpeech.SelectOutputFormat(callFormat);

        var tools = new List<AITool>(agent.Tools);
        if (_options.EnableEndCallTool)
        {
            tools.Add(new BuiltInTool(BuiltInTool.EndCall, "End the phone call. Use after saying goodbye, when the caller is done.", () => "The call will end after your reply."));
        }

        if (_options.TransferDestination is not null)
        {
            tools.Add(new BuiltInTool(BuiltInTool.TransferToHuman, "Transfer the caller to a human agent. Tell the caller first.", () => "The caller will be transferred after your reply."));
        }

        _tools = tools;
        lock (_historyLock)
        {
            _history.Add(new ChatMessage(ChatRole.System, _options.Instructions));
        }

        _run = Task.Run(RunAsync);
    }

    /// <summary>What is known about the call.</summary>
    public CallInfo Call => _transport.Call;

    /// <summary>Completes with the call's summary when it ends. Never faults: errors end the call with <see cref="CallEndReason.Error"/>.</summary>
    public Task<CallSummary> Completion => _completion.Task;

    /// <summary>Time since the call started, on the agent's clock.</summary>
    public TimeSpan Elapsed => _time.GetElapsedTime(_startTimestamp);

    /// <summary>A copy of the conversation so far: instructions, caller turns, what the caller heard of the agent, tool calls and results.</summary>
    /// <returns>The messages, oldest first.</returns>
    public IReadOnlyList<ChatMessage> GetHistory()
    {
        lock (_historyLock)
        {
            return [.. _history];
        }
    }

    /// <summary>
    /// Reads the call's events (transcripts, agent speech as heard, tool calls, metrics, the end) as they happen. One
    /// reader; if it falls behind by more than 1,024 events, the oldest are dropped so the call never waits for it.
    /// </summary>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <returns>The events, ending with <see cref="CallEndedEvent"/>.</returns>
    public IAsyncEnumerable<CallEvent> ReadEventsAsync(CancellationToken cancellationToken = default) => _events.Reader.ReadAllAsync(cancellationToken);

    /// <summary>Ends the call (if still running) and waits for it to finish tearing down.</summary>
    /// <returns>A task that completes when the call has ended.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            await _run.ConfigureAwait(false);
            return;
        }

        _endReason ??= CallEndReason.Cancelled;
        await _callCancellation.CancelAsync().ConfigureAwait(false);
        await _run.ConfigureAwait(false);
        _callCancellation.Dispose();
    }

    private CancellationToken CallToken => _callCancellation.Token;

    private TimeSpan OutputCursor
    {
        get => TimeSpan.FromTicks(Volatile.Read(ref _outputCursorTicks));
        set => Volatile.Write(ref _outputCursorTicks, value.Ticks);
    }

    private async Task RunAsync()
    {
        var loops = new List<Task>();
        ITimer? timer = null;
        try
        {
            VoiceCallLog.CallStarted(_logger, Call.CallId, _transport.Format.ToString());
            _engine = new TurnEngine(new AdaptiveVoiceActivityDetector(_vadFormat.SampleRate), _options.Turns, _time);
            if (_options.Recording?.Invoke(Call) is { } recording)
            {
                _recorder = new CallRecorder(recording, _transport.Format, _vadFormat.SampleRate);
            }

            _sttStream = await _agent.SpeechToText.StartAsync(_sttFormat, CallToken).ConfigureAwait(false);
            loops.Add(Task.Run(InputLoopAsync));
            loops.Add(Task.Run(RecognitionLoopAsync));
            timer = _time.CreateTimer(static state => ((VoiceCall)state!).Post(new Message(MessageKind.Tick)), this, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100));

            var opening = Call.IsOutbound ? _options.OpeningLine : _options.Greeting;
            if (!string.IsNullOrWhiteSpace(opening))
            {
                StartScriptedReply(opening);
            }

            await BrainLoopAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (CallToken.IsCancellationRequested)
        {
            _endReason ??= CallEndReason.Cancelled;
        }
        catch (Exception e)
        {
            _error = e;
            _endReason ??= CallEndReason.Error;
            VoiceCallLog.TransportFailed(_logger, Call.CallId, e);
        }
        finally
        {
            // Ordered teardown: stop input, cancel in-flight work, release providers and pooled buffers.
            timer?.Dispose();
            await _callCancellation.CancelAsync().ConfigureAwait(false);
            await CancelReplyAsync().ConfigureAwait(false);
            await WhenAllQuietly(loops).ConfigureAwait(false);
            await WhenAllQuietly(SnapshotReplyTasks()).ConfigureAwait(false);
            await WhenAllQuietly(SnapshotToolTasks()).ConfigureAwait(false);
            if (_sttStream is not null)
            {
                await DisposeQuietlyAsync(_sttStream).ConfigureAwait(false);
            }

            if (_recorder is not null)
            {
                await DisposeQuietlyAsync(_recorder).ConfigureAwait(false);
            }

            _queue.Writer.TryComplete();
            while (_queue.Reader.TryRead(out var left))
            {
                left.Frame?.Dispose();
            }

            var summary = new CallSummary
            {
                CallId = Call.CallId,
                EndReason = _endReason ?? CallEndReason.Cancelled,
                Duration = Elapsed,
                Turns = _turns,
                Interruptions = _interruptions,
                ToolCalls = _toolCalls,
                ToolFailures = _toolFailures,
                TransferredTo = _transferredTo,
                TurnMetrics = [.. _turnMetrics],
                Error = _error,
            };
            VoiceCallLog.CallEnded(_logger, Call.CallId, summary.EndReason, summary.Duration.TotalSeconds, summary.Turns, summary.Interruptions);
            Publish(new CallEndedEvent(Elapsed, summary));
            _events.Writer.TryComplete();
            _completion.TrySetResult(summary);
        }
    }

    // ---- loops feeding the brain -------------------------------------------------------------------------------

    private async Task InputLoopAsync()
    {
        var sttBuffer = _sttConverter is null ? [] : new byte[_sttConverter.GetMaxOutputLength(_transport.Format.BytesPer(60))];
        try
        {
            await foreach (var e in _transport.ReadEventsAsync(CallToken).ConfigureAwait(false))
            {
                switch (e.Kind)
                {
                    case TransportEventKind.Audio:
                        using (var frame = e.Frame!)
                        {
                            await SendToRecogniserAsync(frame, sttBuffer).ConfigureAwait(false);
                            var pcm = DecodeForTurnEngine(frame);
                            if (!_queue.Writer.TryWrite(new Message(MessageKind.CallerAudio, pcm)))
                            {
                                try
                                {
                                    await _queue.Writer.WriteAsync(new Message(MessageKind.CallerAudio, pcm), CallToken).ConfigureAwait(false);
                                }
                                catch
                                {
                                    pcm.Dispose(); // the queue is closing: the frame has no other owner
                                    throw;
                                }
                            }
                        }

                        break;
                    case TransportEventKind.Dtmf:
                        await _queue.Writer.WriteAsync(new Message(MessageKind.Dtmf, Digit: e.Digit), CallToken).ConfigureAwait(false);
                        break;
                    case TransportEventKind.Ended:
                        await _queue.Writer.WriteAsync(new Message(MessageKind.TransportEnded), CallToken).ConfigureAwait(false);
                        return;
                }
            }

            Post(new Message(MessageKind.TransportEnded));
        }
        catch (Exception e) when (CallToken.IsCancellationRequested && e is OperationCanceledException or ChannelClosedException)
        {
            // The call is ending.
        }
        catch (Exception e)
        {
            Post(new Message(MessageKind.TransportFailed, Payload: e));
        }
    }

    private async ValueTask SendToRecogniserAsync(AudioFrame frame, byte[] buffer)
    {
        if (_sttStream is null)
        {
            return;
        }

        try
        {
            if (_sttConverter is null)
            {
                await _sttStream.SendAudioAsync(frame.Memory, CallToken).ConfigureAwait(false);
                return;
            }

            if (_sttConverter.GetMaxOutputLength(frame.Length) > buffer.Length)
            {
                throw new InvalidOperationException($"Caller frames of {frame.Length} bytes are longer than 60 ms.");
            }

            var written = _sttConverter.Convert(frame.Span, buffer);
            await _sttStream.SendAudioAsync(buffer.AsMemory(0, written), CallToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Post(new Message(MessageKind.ProviderFailed, Payload: e));
        }
    }

    private AudioFrame DecodeForTurnEngine(AudioFrame frame)
    {
        if (_vadConverter is null)
        {
            var pcm = AudioFramePool.Shared.Rent(_vadFormat, frame.Length * 2);
            AudioCodec.Decode(frame.Format.Encoding, frame.Span, MemoryMarshal.Cast<byte, short>(pcm.Span));
            return pcm;
        }

        var length = _vadConverter.GetMaxOutputLength(frame.Length);
        var converted = AudioFramePool.Shared.Rent(_vadFormat, length);
        var written = _vadConverter.Convert(frame.Span, converted.Span);
        if (written == length)
        {
            return converted;
        }

        var exact = AudioFramePool.Shared.Rent(_vadFormat, written);
        converted.Span[..written].CopyTo(exact.Span);
        converted.Dispose();
        return exact;
    }

    private async Task RecognitionLoopAsync()
    {
        try
        {
            await foreach (var update in _sttStream!.ReadUpdatesAsync(CallToken).ConfigureAwait(false))
            {
                await _queue.Writer.WriteAsync(new Message(MessageKind.Transcript, Payload: update), CallToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (CallToken.IsCancellationRequested && e is OperationCanceledException or ChannelClosedException)
        {
            // The call is ending.
        }
        catch (Exception e)
        {
            Post(new Message(MessageKind.ProviderFailed, Payload: e));
        }
    }

    private void Post(Message message)
    {
        if (!_queue.Writer.TryWrite(message))
        {
            message.Frame?.Dispose();
        }
    }

    // ---- the brain -------------------------------------------------------------------------------------------

    private async Task BrainLoopAsync()
    {
        // The queue is read with an uncancellable wait, which a bounded channel serves without allocating; ending the
        // call completes the queue instead.
        using var registration = CallToken.Register(static state => ((VoiceCall)state!)._queue.Writer.TryComplete(), this);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            while (reader.TryRead(out var message))
            {
                await HandleAsync(message).ConfigureAwait(false);
                await HandleTurnEventsAsync().ConfigureAwait(false);
                await CheckPlaybackAsync().ConfigureAwait(false);
                if (_endReason is not null)
                {
                    return;
                }
            }
        }

        _endReason ??= CallEndReason.Cancelled;
    }

    private async ValueTask HandleAsync(Message message)
    {
        switch (message.Kind)
        {
            case MessageKind.CallerAudio:
                using (var pcm = message.Frame!)
                {
                    var samples = MemoryMarshal.Cast<byte, short>(pcm.Span);
                    _engine.ProcessAudio(samples);
                    _recorder?.WriteCallerFrame(samples, _transport.PlayedDuration);
                }

                break;
            case MessageKind.Transcript:
                OnTranscript((TranscriptUpdate)message.Payload!);
                break;
            case MessageKind.Dtmf:
                _dtmf.Append(message.Digit);
                _lastDtmfAt = Elapsed;
                if (message.Digit == '#')
                {
                    await DeliverDtmfAsync().ConfigureAwait(false);
                }

                break;
            case MessageKind.Tick:
                _engine.Poll();
                if (_dtmf.Length > 0 && Elapsed - _lastDtmfAt >= _options.DtmfEntryTimeout)
                {
                    await DeliverDtmfAsync().ConfigureAwait(false);
                }

                if (Elapsed >= _options.MaxCallDuration + MaxDurationGrace)
                {
                    // The goodbye never finished playing (a stuck synthesiser, repeated barge-ins): end the call anyway.
                    _endReason ??= CallEndReason.MaxDuration;
                    await _transport.HangUpAsync(CallToken).ConfigureAwait(false);
                }
                else if (Elapsed >= _options.MaxCallDuration && _reply?.HangUpReason != CallEndReason.MaxDuration)
                {
                    await CancelReplyAsync().ConfigureAwait(false);
                    StartScriptedReply(_options.MaxDurationGoodbye).HangUpAfter = true;
                    _reply!.HangUpReason = CallEndReason.MaxDuration;
                }

                break;
            case MessageKind.ReplyFirstAudio:
                OnReplyFirstAudio((AgentReply)message.Payload!);
                break;
            case MessageKind.ToolFinished:
                Publish((ToolCalledEvent)message.Payload!);
                break;
            case MessageKind.ReplyFailed:
                await OnReplyFailedAsync((AgentReply)message.Reply!, (Exception)message.Payload!).ConfigureAwait(false);
                break;
            case MessageKind.ProviderFailed:
                VoiceCallLog.ProviderFailed(_logger, Call.CallId, (Exception)message.Payload!);
                Publish(new ProviderErrorEvent(Elapsed, (Exception)message.Payload!));
                break;
            case MessageKind.TransportEnded:
                _endReason ??= CallEndReason.CallerHungUp;
                break;
            case MessageKind.TransportFailed:
                _error = (Exception)message.Payload!;
                _endReason ??= CallEndReason.Error;
                VoiceCallLog.TransportFailed(_logger, Call.CallId, _error);
                break;
        }
    }

    /// <summary>The caller paused: ask the recogniser for a final now rather than after its own endpointing.</summary>
    private async ValueTask FinalizeRecognitionAsync()
    {
        if (_sttStream is null)
        {
            return;
        }

        try
        {
            await _sttStream.FinalizeAsync(CallToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Publish(new ProviderErrorEvent(Elapsed, e));
        }
    }

    private void OnTranscript(TranscriptUpdate update)
    {
        if (update.Kind == TranscriptUpdateKind.UtteranceEnd)
        {
            _engine.OnSpeechToTextEndpoint();
            return;
        }

        if (update.Kind == TranscriptUpdateKind.SpeechStarted)
        {
            // The recogniser is fed every caller frame from the call's start, so its clock is the engine's audio clock.
            if (update.Start is { } start)
            {
                _engine.OnSpeechToTextSpeechStarted(start);
            }

            return;
        }

        if (update.Kind == TranscriptUpdateKind.Error)
        {
            var error = update.RawRepresentation as Exception ?? new InvalidOperationException(update.Text);
            VoiceCallLog.ProviderFailed(_logger, Call.CallId, error);
            Publish(new ProviderErrorEvent(Elapsed, error));
            return;
        }

        if (update.Kind != TranscriptUpdateKind.Interim && update.Kind != TranscriptUpdateKind.Final)
        {
            return;
        }

        var isFinal = update.Kind == TranscriptUpdateKind.Final;
        if (_turnConsumed)
        {
            // The tail of a turn already answered (the final often lands just after the end-of-turn decision) settles
            // that turn's text rather than starting the next one. Words it did not contain are new speech.
            // A final may revise the interim it settles, but only soon after the turn ended: later, similar words are the
            // caller saying it again.
            if (!IsTailOf(_consumedText, update.Text, allowRevision: isFinal && Elapsed - _consumedAt <= LateFinalWindow))
            {
                _turnConsumed = false;
            }
            else
            {
                if (isFinal)
                {
                    _lastFinalAt = Elapsed;
                    ReplaceConsumedText(Join(_consumedFinals, update.Text));
                }

                return;
            }
        }

        if (isFinal)
        {
            _callerFinals = Join(_callerFinals, update.Text);
            _callerInterim = string.Empty;
            _lastFinalAt = Elapsed;
        }
        else
        {
            _callerInterim = update.Text;
        }

        _engine.OnTranscript(update.Text, isFinal, update.IsEndpoint);
    }

    private async ValueTask HandleTurnEventsAsync()
    {
        while (_engine.TryReadEvent(out var turn))
        {
            Publish(new TurnDecisionEvent(Elapsed, turn));
            switch (turn.Kind)
            {
                case TurnEventKind.SpeechStarted:
                    _turnConsumed = false;
                    _idlePrompts = 0;
                    break;
                case TurnEventKind.SpeechStopped:
                    await FinalizeRecognitionAsync().ConfigureAwait(false);
                    break;
                case TurnEventKind.EndOfTurn:
                    await OnEndOfTurnAsync(turn).ConfigureAwait(false);
                    break;
                case TurnEventKind.Interruption:
                    await OnInterruptionAsync().ConfigureAwait(false);
                    break;
                case TurnEventKind.Resume:
                    OnFalseInterruption();
                    break;
                case TurnEventKind.CallerIdle:
                    OnCallerIdle();
                    break;
            }
        }
    }

    private async ValueTask OnEndOfTurnAsync(TurnEvent turn)
    {
        var finals = _callerFinals;
        var text = Join(_callerFinals, _callerInterim).Trim();
        _callerFinals = _callerInterim = string.Empty;
        if (text.Length == 0)
        {
            return; // Speech with no words (audio-only noise): nothing to answer.
        }

        _turnConsumed = true;
        _consumedText = text;
        _consumedAt = Elapsed;
        _consumedFinals = finals;
        _lastInterrupted = null;
        _turns++;

        // A reply still thinking (no audio yet) answered a turn the caller has now extended: answer the whole turn.
        // Cancel it first, so what it said lands in history before the caller's new words.
        await CancelReplyAsync().ConfigureAwait(false);
        _consumedMessage = new ChatMessage(ChatRole.User, text);
        AppendHistory(_consumedMessage);
        Publish(new CallerSpokeEvent(Elapsed, text));
        var callerStopped = Elapsed - turn.Delay;
        StartModelReply(new AgentReply(++_replyIds, CallToken)
        {
            Turn = _turns,
            CallerStoppedAt = callerStopped,
            EndOfUtteranceDelay = turn.Delay,
            SpeechToTextFinalDelay = _lastFinalAt is { } f && f >= callerStopped ? f - callerStopped : null,
        });
    }

    private async ValueTask OnInterruptionAsync()
    {
        var reply = _reply;
        if (reply is null)
        {
            return;
        }

        _interruptions++;
        VoiceKitTelemetry.Interruptions.Add(1);
        var heard = await CancelReplyAsync().ConfigureAwait(false);
        _lastInterrupted = reply;
        _lastInterruptedUnheard = heard.Unheard;
        _engine.OnAgentSpeechStopped(heard.Heard);
    }

    private void OnFalseInterruption()
    {
        // Noise or a backchannel, not an interruption: it does not count, and the agent carries on.
        _interruptions = Math.Max(0, _interruptions - 1);
        VoiceKitTelemetry.FalseInterruptions.Add(1);
        if (_options.RepeatAfterFalseInterruption && _reply is null && _lastInterrupted is not null && !string.IsNullOrWhiteSpace(_lastInterruptedUnheard))
        {
            var repeat = StartScriptedReply(_lastInterruptedUnheard!);
            repeat.HangUpAfter = _lastInterrupted.HangUpAfter;
            repeat.HangUpReason = _lastInterrupted.HangUpReason;
            repeat.TransferAfter = _lastInterrupted.TransferAfter;
        }

        _lastInterrupted = null;
    }

    private void OnCallerIdle()
    {
        if (_reply is not null)
        {
            return;
        }

        if (_idlePrompts >= _options.IdlePromptsBeforeHangUp)
        {
            var goodbye = StartScriptedReply(_options.IdleGoodbye);
            goodbye.HangUpAfter = true;
            goodbye.HangUpReason = CallEndReason.CallerIdle;
            return;
        }

        _idlePrompts++;
        StartScriptedReply(_options.IdlePrompt);
    }

    private async ValueTask DeliverDtmfAsync()
    {
        var digits = _dtmf.ToString();
        _dtmf.Clear();
        Publish(new DtmfEvent(Elapsed, digits));
        _turns++;
        _lastInterrupted = null;
        await CancelReplyAsync().ConfigureAwait(false);
        AppendHistory(new ChatMessage(ChatRole.User, $"[The caller pressed these keys on the keypad: {digits}]"));
        StartModelReply(new AgentReply(++_replyIds, CallToken) { Turn = _turns, CallerStoppedAt = Elapsed });
    }

    private void OnReplyFirstAudio(AgentReply reply)
    {
        if (reply != _reply || reply.Cancellation.IsCancellationRequested)
        {
            return;
        }

        _engine.OnAgentSpeechStarted();
        if (reply.Turn == 0 || reply.FirstAudioQueuedAt is null)
        {
            return;
        }

        var metrics = new TurnMetrics
        {
            Turn = reply.Turn,
            EndOfUtteranceDelay = reply.EndOfUtteranceDelay,
            SpeechToTextFinalDelay = reply.SpeechToTextFinalDelay,
            LanguageModelTimeToFirstToken = reply.LanguageModelFirstTokenAt - reply.LanguageModelRequestAt,
            TextToSpeechTimeToFirstByte = reply.TextToSpeechFirstAudioAt - reply.TextToSpeechFirstTextAt,
            TurnLatency = reply.FirstAudioQueuedAt - reply.CallerStoppedAt,
        };
        _turnMetrics.Add(metrics);
        reply.Activity?.SetTag("voicekit.turn.latency_ms", metrics.TurnLatency?.TotalMilliseconds);
        reply.Activity?.SetTag("voicekit.turn.end_of_utterance_ms", metrics.EndOfUtteranceDelay.TotalMilliseconds);
        VoiceKitTelemetry.Record(VoiceKitTelemetry.TurnLatency, metrics.TurnLatency);
        VoiceKitTelemetry.Record(VoiceKitTelemetry.EndOfUtteranceDelay, metrics.EndOfUtteranceDelay);
        VoiceKitTelemetry.Record(VoiceKitTelemetry.SpeechToTextFinalDelay, metrics.SpeechToTextFinalDelay);
        VoiceKitTelemetry.Record(VoiceKitTelemetry.LanguageModelTimeToFirstToken, metrics.LanguageModelTimeToFirstToken);
        VoiceKitTelemetry.Record(VoiceKitTelemetry.TextToSpeechTimeToFirstByte, metrics.TextToSpeechTimeToFirstByte);
        VoiceCallLog.TurnLatency(_logger, Call.CallId, metrics.Turn, metrics.TurnLatency?.TotalMilliseconds ?? 0);
        Publish(new TurnMetricsEvent(Elapsed, metrics));
    }

    private async ValueTask OnReplyFailedAsync(AgentReply reply, Exception error)
    {
        VoiceCallLog.ProviderFailed(_logger, Call.CallId, error);
        Publish(new ProviderErrorEvent(Elapsed, error));
        if (reply != _reply)
        {
            return;
        }

        // Keep what was heard, then say something sensible rather than going silent.
        await CancelReplyAsync().ConfigureAwait(false);
        if (reply.ScriptedText != _options.ErrorMessage)
        {
            StartScriptedReply(_options.ErrorMessage);
        }
    }

    /// <summary>Ends the current reply once the caller has heard all of it; then hangs up or transfers if it asked to.</summary>
    private async ValueTask CheckPlaybackAsync()
    {
        var reply = _reply;
        if (reply is null || !reply.Finished)
        {
            return;
        }

        var end = reply.Segments.AudioEnd;
        if (end is not null && _transport.PlayedDuration < end)
        {
            return;
        }

        _reply = null;
        var text = reply.Segments.FullText;
        if (end is not null)
        {
            AppendHistory(new ChatMessage(ChatRole.Assistant, text));
            Publish(new AgentSpokeEvent(Elapsed, text, Interrupted: false));
            _engine.OnAgentSpeechStopped(text);
        }

        if (reply.TransferAfter is { } destination)
        {
            _transferredTo = destination;
            _endReason = CallEndReason.Transferred;
            await _transport.TransferAsync(destination, CallToken).ConfigureAwait(false);
        }
        else if (reply.HangUpAfter)
        {
            _endReason = reply.HangUpReason;
            await _transport.HangUpAsync(CallToken).ConfigureAwait(false);
        }

        DisposeWhenDone(reply);
    }

    /// <summary>Cancels the current reply, drops its unplayed audio and records what the caller heard of it.</summary>
    private async ValueTask<(string Heard, string Unheard)> CancelReplyAsync()
    {
        var reply = _reply;
        if (reply is null)
        {
            return (string.Empty, string.Empty);
        }

        _reply = null;
        await reply.Cancellation.CancelAsync().ConfigureAwait(false);

        // Only the audio pump can queue audio: once it has stopped, nothing more reaches the caller.
        await WhenAllQuietly([reply.AudioPump]).ConfigureAwait(false);
        var heard = (Heard: string.Empty, Unheard: reply.Segments.FullText);
        if (reply.Segments.AudioEnd is not null)
        {
            // Any audio queued is dropped, so history and the output timeline hold only what was heard.
            try
            {
                await _transport.ClearAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (_endReason is not null)
            {
                VoiceCallLog.ProviderFailed(_logger, Call.CallId, e); // the call is ending anyway
            }

            var played = _transport.PlayedDuration;
            OutputCursor = played;
            _recorder?.OnCleared(played);
            heard = reply.Segments.Split(played);
            if (heard.Heard.Length > 0)
            {
                var message = new ChatMessage(ChatRole.Assistant, heard.Heard);
                (message.AdditionalProperties ??= [])["interrupted"] = true;
                AppendHistory(message);
            }

            Publish(new AgentSpokeEvent(Elapsed, heard.Heard, Interrupted: true));
        }

        DisposeWhenDone(reply);
        return heard;
    }

    // ---- replies ---------------------------------------------------------------------------------------------

    private AgentReply StartScriptedReply(string text)
    {
        var reply = new AgentReply(++_replyIds, CallToken) { ScriptedText = text };
        Start(reply);
        return reply;
    }

    private void Start(AgentReply reply)
    {
        Debug.Assert(_reply is null, "A reply started while another was current; cancel it first.");
        _reply = reply;
        reply.Task = Task.Run(() => RunReplyAsync(reply));
        lock (_replyTasks)
        {
            _replyTasks.RemoveAll(t => t.IsCompleted);
            _replyTasks.Add(reply.Task);
        }
    }

    /// <summary>Releases a reply once its task has finished (it may still be winding down after a cancel).</summary>
    private static void DisposeWhenDone(AgentReply reply) =>
        _ = reply.Task.ContinueWith(static (_, state) => ((AgentReply)state!).Dispose(), reply, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    private void StartModelReply(AgentReply reply)
    {
        // One span per turn. It is not made current here: the brain loop goes on to other calls' work in between.
        var previous = Activity.Current;
        reply.Activity = VoiceKitTelemetry.ActivitySource.StartActivity("voicekit.turn");
        reply.Activity?.SetTag("voicekit.call_id", Call.CallId);
        reply.Activity?.SetTag("voicekit.turn", reply.Turn);
        Activity.Current = previous;
        Start(reply);
    }

    private async Task RunReplyAsync(AgentReply reply)
    {
        var token = reply.Cancellation.Token;
        ITextToSpeechStream? tts = null;
        try
        {
            async ValueTask SpeakAsync(string text)
            {
                if (tts is null)
                {
                    tts = await _agent.TextToSpeech.StartAsync(_ttsFormat, token).ConfigureAwait(false);
                    var stream = tts;
                    reply.AudioPump = Task.Run(() => PumpAudioAsync(reply, stream), CancellationToken.None);
                }

                reply.TextToSpeechFirstTextAt ??= Elapsed;
                reply.Segments.AddText(text);
                await tts.SendTextAsync(text, token).ConfigureAwait(false);
            }

            if (reply.ScriptedText is not null)
            {
                await SpeakAsync(reply.ScriptedText).ConfigureAwait(false);
            }
            else
            {
                await GenerateAsync(reply, SpeakAsync, token).ConfigureAwait(false);
            }

            if (tts is not null)
            {
                await tts.FlushAsync(token).ConfigureAwait(false);
                await reply.AudioPump.ConfigureAwait(false);
            }
        }
        catch (Exception) when (token.IsCancellationRequested)
        {
            // Cancelled: see PumpAudioAsync. A failure after cancellation is not reported as the reply failing.
        }
        catch (Exception e)
        {
            Post(new Message(MessageKind.ReplyFailed, Payload: e, Reply: reply));
        }
        finally
        {
            if (tts is not null)
            {
                await DisposeQuietlyAsync(tts).ConfigureAwait(false);
            }

            reply.Finished = true;
            Post(new Message(MessageKind.Tick));
        }
    }

    private async Task GenerateAsync(AgentReply reply, Func<string, ValueTask> speak, CancellationToken token)
    {
        await WhenAllQuietly(SnapshotToolTasks().Select(t => t.WaitAsync(token))).ConfigureAwait(false); // an interrupted turn's tool results first
        token.ThrowIfCancellationRequested();
        var messages = SnapshotHistory();
        var chatOptions = new ChatOptions { Tools = [.. _tools] };
        for (var round = 0; ; round++)
        {
            var chunker = new ClauseChunker();
            var calls = new List<FunctionCallContent>();
            var text = new StringBuilder();
            reply.LanguageModelRequestAt ??= Elapsed;
            var allowTools = round < _options.MaxToolRoundsPerTurn;
            await foreach (var update in _agent.LanguageModel.StreamAsync(messages, allowTools ? chatOptions : null, token).ConfigureAwait(false))
            {
                if (update.Contents.Count > 0)
                {
                    reply.LanguageModelFirstTokenAt ??= Elapsed; // text or a tool call: the model has answered
                }

                foreach (var content in update.Contents)
                {
                    switch (content)
                    {
                        case TextContent { Text.Length: > 0 } delta:
                            reply.LanguageModelFirstTokenAt ??= Elapsed;
                            text.Append(delta.Text);
                            foreach (var clause in chunker.Add(delta.Text))
                            {
                                await speak(clause).ConfigureAwait(false);
                            }

                            break;
                        case FunctionCallContent call when allowTools:
                            calls.Add(call);
                            break;
                    }
                }
            }

            if (chunker.Flush() is { } rest)
            {
                await speak(rest).ConfigureAwait(false);
            }

            if (calls.Count == 0)
            {
                return;
            }

            // The model asked for tools: record the request, run them (with a filler if slow), and ask again.
            // Only the calls: the text spoken so far reaches history as what the caller heard, once it has played.
            var request = new ChatMessage(ChatRole.Assistant, [.. calls]);
            messages.Add(request);
            AppendHistory(request);
            var results = RunToolsAsync(reply, calls, request);
            var filler = Task.Delay(_options.ToolFillerDelay, _time, token);
            if (await Task.WhenAny(results, filler).ConfigureAwait(false) == filler && !results.IsCompleted)
            {
                await speak(_options.FillerPhrases[(Interlocked.Increment(ref _fillerIndex) - 1) % _options.FillerPhrases.Count]).ConfigureAwait(false);
            }

            var toolMessage = await results.WaitAsync(token).ConfigureAwait(false);
            messages.Add(toolMessage);
        }
    }

    /// <summary>
    /// Runs a round of tool calls. Tools run to completion (or their timeout) even if the caller interrupts, and their
    /// results always reach the history, so no call is left without a result and none is executed twice.
    /// </summary>
    private Task<ChatMessage> RunToolsAsync(AgentReply reply, List<FunctionCallContent> calls, ChatMessage request)
    {
        var task = Task.Run(async () =>
        {
            var results = new List<AIContent>();
            foreach (var call in calls)
            {
                results.Add(await InvokeToolAsync(reply, call).ConfigureAwait(false));
            }

            var message = new ChatMessage(ChatRole.Tool, results);
            InsertToolResult(request, message); // straight into history, so the next reply sees it even after an interruption
            return message;
        });
        lock (_toolTasks)
        {
            _toolTasks.RemoveAll(t => t.IsCompleted);
            _toolTasks.Add(task);
        }

        return task;
    }

    private async Task<FunctionResultContent> InvokeToolAsync(AgentReply reply, FunctionCallContent call)
    {
        Interlocked.Increment(ref _toolCalls);
        var started = Elapsed;
        var tool = _tools.OfType<AIFunction>().FirstOrDefault(t => t.Name == call.Name);
        object? result;
        var failed = false;
        using var activity = VoiceKitTelemetry.ActivitySource.StartActivity("voicekit.tool " + call.Name);
        if (tool is null)
        {
            result = $"Error: there is no tool named '{call.Name}'.";
            failed = true;
        }
        else
        {
            using var timeout = new CancellationTokenSource(_options.ToolTimeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, CallToken);
            try
            {
                // WaitAsync: a tool that ignores its token still cannot hold the turn past its timeout.
                // The call's metadata (who called, the CallSid, custom parameters) reaches tools through the arguments'
                // context, so a tool can look the caller up: a parameter of type AIFunctionArguments receives it.
                var toolArguments = new AIFunctionArguments(call.Arguments) { Context = new Dictionary<object, object?> { [typeof(CallInfo)] = Call } };
                result = await tool.InvokeAsync(toolArguments, linked.Token).AsTask()
                    .WaitAsync(_options.ToolTimeout, _time, CallToken).ConfigureAwait(false);
                if (call.Name == BuiltInTool.EndCall)
                {
                    reply.HangUpAfter = true;
                }
                else if (call.Name == BuiltInTool.TransferToHuman)
                {
                    reply.TransferAfter = _options.TransferDestination;
                }
            }
            catch (Exception e) when (e is TimeoutException || (e is OperationCanceledException && timeout.IsCancellationRequested))
            {
                result = $"Error: the tool timed out after {_options.ToolTimeout.TotalSeconds:0.#} seconds. Tell the caller you could not get that information right now.";
                failed = true;
            }
            catch (Exception e) when (!CallToken.IsCancellationRequested)
            {
                VoiceCallLog.ToolFailed(_logger, Call.CallId, call.Name, e);
                result = "Error: the tool failed. Apologise briefly and offer another way to help.";
                failed = true;
            }
        }

        if (failed)
        {
            Interlocked.Increment(ref _toolFailures);
            activity?.SetStatus(ActivityStatusCode.Error);
        }

        var arguments = call.Arguments is null ? "{}" : System.Text.Json.JsonSerializer.Serialize(call.Arguments, s_compactJson.GetTypeInfo(typeof(IDictionary<string, object?>)));
        Post(new Message(MessageKind.ToolFinished, Payload: new ToolCalledEvent(Elapsed, call.Name, arguments, result?.ToString() ?? string.Empty, Elapsed - started, failed)));
        return new FunctionResultContent(call.CallId, result);
    }

    private async Task PumpAudioAsync(AgentReply reply, ITextToSpeechStream tts)
    {
        var token = reply.Cancellation.Token;
        var converter = _ttsFormat == _transport.Format ? null : new AudioConverter(_ttsFormat, _transport.Format);
        var callFormat = _transport.Format;
        try
        {
            await foreach (var chunk in tts.ReadAudioAsync(token).ConfigureAwait(false))
            {
                if (chunk.Audio.IsEmpty)
                {
                    continue;
                }

                reply.TextToSpeechFirstAudioAt ??= Elapsed;
                byte[]? rented = null;
                var audio = chunk.Audio;
                if (converter is not null)
                {
                    rented = ArrayPool<byte>.Shared.Rent(converter.GetMaxOutputLength(chunk.Audio.Length - (chunk.Audio.Length % _ttsFormat.BlockAlign)));
                    var written = converter.Convert(chunk.Audio.Span[..(chunk.Audio.Length - (chunk.Audio.Length % _ttsFormat.BlockAlign))], rented);
                    audio = rented.AsMemory(0, written);
                }

                try
                {
                    token.ThrowIfCancellationRequested();
                    var start = OutputCursor;
                    var end = start + callFormat.DurationOf(audio.Length);
                    reply.Segments.AddAudio(chunk.Segment, start, end);
                    await _transport.SendAudioAsync(audio, token).ConfigureAwait(false);
                    _recorder?.AddAgentAudio(audio.Span);
                    OutputCursor = end;
                    if (!reply.FirstAudioQueued)
                    {
                        reply.FirstAudioQueued = true;
                        reply.FirstAudioQueuedAt = Elapsed;
                        Post(new Message(MessageKind.ReplyFirstAudio, Payload: reply));
                    }
                }
                finally
                {
                    if (rented is not null)
                    {
                        ArrayPool<byte>.Shared.Return(rented);
                    }
                }
            }
        }
        catch (Exception) when (token.IsCancellationRequested)
        {
            // The reply was cancelled (barge-in, hang-up): whatever the synthesiser threw while being abandoned (an aborted
            // socket, a disposed stream) is a consequence of that, not a provider failure.
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private void AppendHistory(ChatMessage message)
    {
        lock (_historyLock)
        {
            _history.Add(message);

            // Bound the history, keeping the instructions, and never leaving a tool result without its call.
            while (_history.Count - 1 > _options.MaxHistoryMessages || (_history.Count > 1 && _history[1].Role == ChatRole.Tool))
            {
                _history.RemoveAt(1);
            }
        }
    }

    /// <summary>Puts a tool result directly after the request that asked for it, as chat APIs require.</summary>
    private void InsertToolResult(ChatMessage request, ChatMessage result)
    {
        lock (_historyLock)
        {
            var index = _history.IndexOf(request);
            if (index < 0)
            {
                return; // The request has been trimmed from the bounded history; its result would be an orphan.
            }

            _history.Insert(index + 1, result);
        }
    }

    /// <summary>Settles the answered turn's text with the recogniser's late final (the turn's own message only).</summary>
    private void ReplaceConsumedText(string text)
    {
        lock (_historyLock)
        {
            var index = _consumedMessage is null ? -1 : _history.IndexOf(_consumedMessage);
            if (index > 0 && !string.IsNullOrWhiteSpace(text))
            {
                _consumedMessage = new ChatMessage(ChatRole.User, text.Trim());
                _history[index] = _consumedMessage;
            }
        }
    }

    private List<ChatMessage> SnapshotHistory()
    {
        lock (_historyLock)
        {
            return [.. _history];
        }
    }

    private Task[] SnapshotReplyTasks()
    {
        lock (_replyTasks)
        {
            return [.. _replyTasks];
        }
    }

    private Task[] SnapshotToolTasks()
    {
        lock (_toolTasks)
        {
            return [.. _toolTasks];
        }
    }

    private void Publish(CallEvent callEvent)
    {
        if (_publishEvents)
        {
            _events.Writer.TryWrite(callEvent);
        }
    }

    /// <summary>
    /// Whether a transcript update that arrived after its turn was answered belongs to that turn, ignoring case and
    /// punctuation: its words are a run of the answered words; or, for a final (<paramref name="allowRevision"/>), mostly
    /// the same words (at least two in three), since a recogniser's final often revises a word or two of the interim the
    /// turn was answered on ("hi eight i'm calling" becomes "hi i'm calling"). Only asked while no new speech has started
    /// since the turn ended.
    /// </summary>
    internal static bool IsTailOf(string consumed, string update, bool allowRevision)
    {
        static string[] Words(string s) =>
            new string([.. s.Select(c => char.IsLetterOrDigit(c) || c == '\'' ? char.ToLowerInvariant(c) : ' ')])
                .Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var updateWords = Words(update);
        var consumedWords = Words(consumed);
        if (updateWords.Length == 0 || consumedWords.AsSpan().IndexOf(updateWords) >= 0)
        {
            return true;
        }

        if (!allowRevision || updateWords.Length < 2)
        {
            return false;
        }

        var unmatched = consumedWords.ToList();
        var shared = updateWords.Count(word => unmatched.Remove(word));
        return shared * 3 >= updateWords.Length * 2;
    }

    private static string Join(string a, string b) => a.Length == 0 ? b : b.Length == 0 ? a : a + " " + b;

    private static async Task WhenAllQuietly(IEnumerable<Task> tasks)
    {
        foreach (var task in tasks.ToArray())
        {
            try
            {
                await task.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Already reported where it happened; teardown goes on.
            }
        }
    }

    private static async ValueTask DisposeQuietlyAsync(IAsyncDisposable disposable)
    {
        try
        {
            await disposable.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // A provider failing to close must not stop the call from ending.
        }
    }

    private enum MessageKind
    {
        CallerAudio,
        Transcript,
        Dtmf,
        Tick,
        ReplyFirstAudio,
        ReplyFailed,
        ToolFinished,
        ProviderFailed,
        TransportEnded,
        TransportFailed,
    }

    /// <summary>An item on the brain's queue. A struct, so caller audio (50 a second) allocates no envelope.</summary>
    private readonly record struct Message(MessageKind Kind, AudioFrame? Frame = null, object? Payload = null, char Digit = '\0', AgentReply? Reply = null);
}
