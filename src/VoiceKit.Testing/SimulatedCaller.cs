using Microsoft.Extensions.Time.Testing;
using VoiceKit.Audio;
using VoiceKit.Testing.Internal;

namespace VoiceKit.Testing;

/// <summary>
/// Plays the caller of an <see cref="InMemoryTransport"/> from a script, in virtual time: it speaks (synthetic
/// speech-like audio, with the words scripted into a <see cref="FakeSpeechToText"/> at matching audio times), pauses,
/// presses keys, barges in and hangs up. Between and during actions it sends a 20 ms frame every 20 ms, line noise when
/// silent, like a phone line.
/// </summary>
/// <remarks>
/// <para>
/// The caller owns the clock. Script actions are queued by the fluent methods and run by <see cref="RunAsync"/>, one
/// 20 ms step at a time: advance the <see cref="FakeTimeProvider"/> by 20 ms, <see cref="VirtualTime.Settle"/>, send the
/// frame that just elapsed, settle again. The step loop runs on a thread of its own (not a pool thread). Only one
/// <see cref="RunAsync"/> may run at a time; queue more actions and call it again to continue the call.
/// </para>
/// <para>
/// Speech lasts one second per <see cref="CharactersPerSecond"/> characters (spaces included), rounded up to whole
/// frames; each word is timed by its characters' place in the phrase. The recogniser's audio clock must follow the
/// caller's: the agent should send it every frame from the moment it opens its stream.
/// </para>
/// </remarks>
public sealed class SimulatedCaller
{
    private const int FrameMilliseconds = 20;
    private static readonly TimeSpan s_frame = TimeSpan.FromMilliseconds(FrameMilliseconds);

    private readonly InMemoryTransport _transport;
    private readonly FakeTimeProvider _time;
    private readonly FakeSpeechToText? _speechToText;
    private readonly Queue<Func<IEnumerable<bool>>> _script = new();
    private readonly short[] _frame;
    private readonly byte[] _encoded;
    private CallerVoice? _voice;
    private int _running;

    /// <summary>Creates a caller for <paramref name="transport"/>.</summary>
    /// <param name="transport">The call; its format must be mono.</param>
    /// <param name="timeProvider">The clock the transport and the code under test run on.</param>
    /// <param name="speechToText">The recogniser that should hear the caller's words, if any.</param>
    /// <exception cref="NotSupportedException">The transport's format has more than one channel.</exception>
    public SimulatedCaller(InMemoryTransport transport, FakeTimeProvider timeProvider, FakeSpeechToText? speechToText = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(timeProvider);
        if (transport.Format.Channels != 1)
        {
            throw new NotSupportedException("SimulatedCaller speaks mono audio only.");
        }

        _transport = transport;
        _time = timeProvider;
        _speechToText = speechToText;
        var samples = transport.Format.SamplesPer(FrameMilliseconds);
        _frame = new short[samples];
        _encoded = new byte[AudioCodec.GetEncodedLength(transport.Format.Encoding, samples)];
    }

    /// <summary>Speaking rate, in characters per second (spaces included). 14 by default, about 150 words a minute.</summary>
    public double CharactersPerSecond { get; set; } = 14;

    /// <summary>RMS level of speech, in dBFS. −20 by default.</summary>
    public double SpeechLevel { get; set; } = -20;

    /// <summary>RMS level of the line noise sent when the caller is silent, in dBFS. −70 by default.</summary>
    public double NoiseLevel { get; set; } = -70;

    /// <summary>Seed of the line noise; the same seed gives the same audio. 1 by default.</summary>
    public uint Seed { get; set; } = 1;

    /// <summary>Virtual time the caller has stepped so far.</summary>
    public TimeSpan Elapsed { get; private set; }

    /// <summary>Says <paramref name="text"/> as one phrase (no pause inside). Chain <see cref="Silence"/> and another <see cref="Say"/> for a turn with pauses.</summary>
    /// <param name="text">The words.</param>
    /// <returns>This caller, for chaining.</returns>
    public SimulatedCaller Say(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        return Add(() => SaySteps(text));
    }

    /// <summary>Stays silent (line noise) for <paramref name="duration"/>, rounded up to whole 20 ms frames.</summary>
    /// <param name="duration">How long.</param>
    /// <returns>This caller, for chaining.</returns>
    public SimulatedCaller Silence(TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        return Add(() => SilenceSteps(Frames(duration)));
    }

    /// <summary>Presses keys, one every 200 ms.</summary>
    /// <param name="keys">The keys, each one of 0-9, *, #, A-D.</param>
    /// <returns>This caller, for chaining.</returns>
    public SimulatedCaller PressKeys(string keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return Add(() => KeySteps(keys));
    }

    /// <summary>Hangs up; the script ends there.</summary>
    /// <returns>This caller, for chaining.</returns>
    public SimulatedCaller HangUp() => Add(HangUpSteps);

    /// <summary>Listens (silent) until the agent has played some audio since this action began and then been quiet for <paramref name="quietFor"/>.</summary>
    /// <param name="quietFor">How long the agent must be quiet; 600 ms when omitted.</param>
    /// <param name="timeout">Virtual time to wait at most; 30 s when omitted.</param>
    /// <returns>This caller, for chaining.</returns>
    /// <remarks><see cref="RunAsync"/> fails with <see cref="TimeoutException"/> when the agent does not finish in time.</remarks>
    public SimulatedCaller WaitForAgent(TimeSpan? quietFor = null, TimeSpan? timeout = null)
    {
        var quiet = quietFor ?? TimeSpan.FromMilliseconds(600);
        return Add(() => WaitForAgentSteps(quiet, timeout ?? TimeSpan.FromSeconds(30)));
    }

    /// <summary>Listens (silent) until <paramref name="condition"/> holds, checked after every step.</summary>
    /// <param name="condition">What to wait for.</param>
    /// <param name="timeout">Virtual time to wait at most; 30 s when omitted.</param>
    /// <returns>This caller, for chaining.</returns>
    /// <remarks><see cref="RunAsync"/> fails with <see cref="TimeoutException"/> when the condition does not hold in time.</remarks>
    public SimulatedCaller WaitUntil(Func<bool> condition, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return Add(() => WaitSteps(condition, timeout ?? TimeSpan.FromSeconds(30), "the condition"));
    }

    /// <summary>Barges in: listens until the agent has been audible for <paramref name="agentAudible"/> since this action began, then says <paramref name="text"/>.</summary>
    /// <param name="agentAudible">How much agent audio to hear first.</param>
    /// <param name="text">What the caller says over the agent.</param>
    /// <param name="timeout">Virtual time to wait at most for the agent; 30 s when omitted.</param>
    /// <returns>This caller, for chaining.</returns>
    public SimulatedCaller InterruptAfterAgentSpeaksFor(TimeSpan agentAudible, string text, TimeSpan? timeout = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(agentAudible, TimeSpan.Zero);
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        return Add(() => InterruptSteps(agentAudible, text, limit));
    }

    /// <summary>
    /// Runs the actions queued so far, 20 ms of virtual time per step, and settles at the end. Stops early when the
    /// call ends (either side hangs up, or the agent transfers).
    /// </summary>
    /// <param name="cancellationToken">Stops the run between steps.</param>
    /// <returns>A task that completes when the queued actions are done.</returns>
    /// <exception cref="InvalidOperationException">Another run is in progress.</exception>
    /// <exception cref="TimeoutException">A wait action timed out, or the system never settled.</exception>
    public Task RunAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _running, 1) == 1)
        {
            throw new InvalidOperationException("The simulated caller is already running.");
        }

        return Task.Factory.StartNew(
            () =>
            {
                try
                {
                    Run(cancellationToken);
                }
                finally
                {
                    Volatile.Write(ref _running, 0);
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning | TaskCreationOptions.RunContinuationsAsynchronously,
            TaskScheduler.Default);
    }

    private SimulatedCaller Add(Func<IEnumerable<bool>> action)
    {
        lock (_script)
        {
            _script.Enqueue(action);
        }

        return this;
    }

    private void Run(CancellationToken cancellationToken)
    {
        _voice ??= new CallerVoice(_transport.Format.SampleRate, SpeechLevel, NoiseLevel, Seed);
        VirtualTime.Settle();
        while (true)
        {
            Func<IEnumerable<bool>>? action;
            lock (_script)
            {
                if (!_script.TryDequeue(out action))
                {
                    break;
                }
            }

            if (_transport.IsEnded)
            {
                continue;
            }

            foreach (var send in action())
            {
                cancellationToken.ThrowIfCancellationRequested();
                Step(send);
                if (_transport.IsEnded)
                {
                    break;
                }
            }
        }

        VirtualTime.Settle();
    }

    /// <summary>One 20 ms step: time passes, the system reacts, the frame that just elapsed arrives, the system reacts.</summary>
    private void Step(bool sendFrame)
    {
        _time.Advance(s_frame);
        Elapsed += s_frame;
        VirtualTime.Settle();
        if (sendFrame)
        {
            AudioCodec.Encode(_transport.Format.Encoding, _frame, _encoded);
            _transport.SendCallerAudio(_encoded);
            VirtualTime.Settle();
        }
    }

    private static int Frames(TimeSpan duration) => (int)((duration.Ticks + s_frame.Ticks - 1) / s_frame.Ticks);

    private IEnumerable<bool> SilenceSteps(int frames)
    {
        for (var i = 0; i < frames; i++)
        {
            _voice!.Noise(_frame);
            yield return true;
        }
    }

    private IEnumerable<bool> SaySteps(string text)
    {
        var frames = Math.Max(1, Frames(TimeSpan.FromSeconds(text.Length / CharactersPerSecond)));
        var duration = s_frame * frames;
        _speechToText?.ExpectFromNow(TimeWords(text, duration));
        var speech = _voice!.Speech(frames * _frame.Length);
        for (var f = 0; f < frames; f++)
        {
            _voice.Noise(_frame);
            var offset = f * _frame.Length;
            for (var i = 0; i < _frame.Length; i++)
            {
                _frame[i] = (short)Math.Clamp(Math.Round(_frame[i] + speech[offset + i]), short.MinValue, short.MaxValue);
            }

            yield return true;
        }
    }

    private static List<(string Text, TimeSpan Start, TimeSpan End)> TimeWords(string text, TimeSpan duration)
    {
        var words = new List<(string, TimeSpan, TimeSpan)>();
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            var start = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i > start)
            {
                words.Add((text[start..i], duration * start / text.Length, duration * i / text.Length));
            }
        }

        return words;
    }

    private IEnumerable<bool> KeySteps(string keys)
    {
        foreach (var key in keys)
        {
            _transport.PressKey(key);
            foreach (var step in SilenceSteps(10))
            {
                yield return step;
            }
        }
    }

    private IEnumerable<bool> HangUpSteps()
    {
        _transport.HangUpFromCaller();
        yield break;
    }

    private IEnumerable<bool> WaitSteps(Func<bool> condition, TimeSpan timeout, string what)
    {
        var waited = TimeSpan.Zero;
        while (!condition())
        {
            if (waited >= timeout)
            {
                throw new TimeoutException($"The simulated caller waited {timeout.TotalSeconds:0.###} s of virtual time for {what}.");
            }

            _voice!.Noise(_frame);
            yield return true;
            waited += s_frame;
        }
    }

    private IEnumerable<bool> WaitForAgentSteps(TimeSpan quietFor, TimeSpan timeout)
    {
        var playedAtStart = _transport.PlayedDuration;
        var quietSince = TimeSpan.Zero;
        var now = TimeSpan.Zero;
        bool Finished()
        {
            if (_transport.IsPlaying || _transport.PlayedDuration == playedAtStart)
            {
                quietSince = now;
                return false;
            }

            return now - quietSince >= quietFor;
        }

        var waited = TimeSpan.Zero;
        while (!Finished())
        {
            if (waited >= timeout)
            {
                throw new TimeoutException($"The simulated caller waited {timeout.TotalSeconds:0.###} s of virtual time for the agent to speak and finish.");
            }

            _voice!.Noise(_frame);
            yield return true;
            waited += s_frame;
            now += s_frame;
        }
    }

    private IEnumerable<bool> InterruptSteps(TimeSpan agentAudible, string text, TimeSpan timeout)
    {
        var playedAtStart = _transport.PlayedDuration;
        foreach (var step in WaitSteps(() => _transport.PlayedDuration - playedAtStart >= agentAudible, timeout, "the agent to be audible"))
        {
            yield return step;
        }

        foreach (var step in SaySteps(text))
        {
            yield return step;
        }
    }
}
