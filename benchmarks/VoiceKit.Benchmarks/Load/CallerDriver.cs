using System.Diagnostics;
using VoiceKit.Testing;

namespace VoiceKit.Benchmarks.Load;

/// <summary>
/// The single real-time caller for every call: a dedicated thread that, every 20 ms, sends each started call one 20 ms
/// mu-law frame (the scripted phrase while the call's caller speaks, line noise otherwise). When it falls behind it
/// sends the missed frames at once, so every call's audio clock (and its recogniser's) stays exact.
/// </summary>
/// <remarks>
/// Script per call: after <see cref="LeadFrames"/> of silence, whenever the call's position in its
/// <see cref="CycleFrames"/> cycle is 0 the caller says the phrase (and the words are scripted into its recogniser at
/// their audio times); otherwise it is silent while the agent answers.
/// </remarks>
internal sealed class CallerDriver
{
    public const int LeadFrames = 25;
    private static readonly long s_period = Stopwatch.Frequency * CallerAudio.FrameMilliseconds / 1000;

    private readonly LoadCall[] _calls;
    private readonly CallerAudio _audio;
    private readonly bool _speak;
    private readonly int _cycleFrames;
    private readonly long _totalTicks;
    private readonly long _windowStartTick;
    private readonly long _windowEndTick;
    private readonly (string Text, TimeSpan Start, TimeSpan End)[] _shifted;
    private readonly List<double> _tickLateness = new(64 * 1024);

    public CallerDriver(LoadCall[] calls, CallerAudio audio, bool speak, int cycleFrames, long totalTicks, long windowStartTick, long windowEndTick)
    {
        _calls = calls;
        _audio = audio;
        _speak = speak;
        _cycleFrames = cycleFrames;
        _totalTicks = totalTicks;
        _windowStartTick = windowStartTick;
        _windowEndTick = windowEndTick;
        _shifted = new (string, TimeSpan, TimeSpan)[audio.Words.Length];
    }

    public int CycleFrames => _cycleFrames;

    /// <summary>Stopwatch timestamp of tick 0.</summary>
    public long Origin { get; private set; }

    public int CallsStarted { get; private set; }

    public long FramesSent { get; private set; }

    /// <summary>Frames handed to the transport more than one frame (20 ms) after they were due, in the window.</summary>
    public long LateFrames { get; private set; }

    public long FramesInWindow { get; private set; }

    /// <summary>Lateness of each tick's start in the window, in ms.</summary>
    public IReadOnlyList<double> TickLateness => _tickLateness;

    /// <summary>Worst lateness of any frame in the window, in ms.</summary>
    public double MaxFrameLateness { get; private set; }

    public Snapshot WindowStart { get; private set; }

    public Snapshot WindowEnd { get; private set; }

    public Exception? Error { get; private set; }

    public Thread Start()
    {
        var thread = new Thread(Run) { Name = "load caller driver", IsBackground = true, Priority = ThreadPriority.Highest };
        thread.Start();
        return thread;
    }

    public long TickTimestamp(long tick) => Origin + (tick * s_period);

    private void Run()
    {
        try
        {
            Origin = Stopwatch.GetTimestamp();
            for (var tick = 0L; tick < _totalTicks; tick++)
            {
                var due = TickTimestamp(tick);
                WaitUntil(due);
                if (tick == _windowStartTick)
                {
                    WindowStart = Snapshot.Take(FramesSent);
                }

                if (tick == _windowEndTick)
                {
                    WindowEnd = Snapshot.Take(FramesSent);
                }

                var inWindow = tick >= _windowStartTick && tick < _windowEndTick;
                if (inWindow)
                {
                    _tickLateness.Add(Milliseconds(Stopwatch.GetTimestamp() - due));
                }

                var lateAfter = due + s_period;
                foreach (var call in _calls)
                {
                    if (call.StartTick > tick)
                    {
                        break; // calls are ordered by start tick
                    }

                    if (call.StartTick == tick)
                    {
                        call.Call = call.Agent.StartCall(call.Transport);
                        CallsStarted++;
                    }

                    SendFrame(call, tick);
                    if (inWindow)
                    {
                        FramesInWindow++;
                        var now = Stopwatch.GetTimestamp();
                        if (now > lateAfter)
                        {
                            LateFrames++;
                        }

                        var late = Milliseconds(now - due);
                        if (late > MaxFrameLateness)
                        {
                            MaxFrameLateness = late;
                        }
                    }
                }
            }

            if (_windowEndTick >= _totalTicks)
            {
                WindowEnd = Snapshot.Take(FramesSent);
            }
        }
        catch (Exception e)
        {
            Error = e;
        }
    }

    private void SendFrame(LoadCall call, long tick)
    {
        var frame = tick - call.StartTick;
        if (_speak && call.SpeechFrame < 0 && frame >= LeadFrames && (frame + call.Phase) % _cycleFrames == 0 && call.Segments < call.SpeechEnds.Length)
        {
            // The caller starts a turn: tell the recogniser which words are where on its audio clock (time zero = the
            // first frame this call sent).
            var at = TimeSpan.FromMilliseconds(frame * CallerAudio.FrameMilliseconds);
            for (var i = 0; i < _shifted.Length; i++)
            {
                var w = _audio.Words[i];
                _shifted[i] = (w.Text, w.Start + at, w.End + at);
            }

            call.SpeechToText.Expect(_shifted);
            call.SpeechFrame = 0;
        }

        if (call.SpeechFrame >= 0)
        {
            call.Transport.SendCallerAudio(_audio.SpeechFrame(call.SpeechFrame));
            if (++call.SpeechFrame == _audio.SpeechFrames)
            {
                call.SpeechEnds[call.Segments++] = Stopwatch.GetTimestamp();
                call.SpeechFrame = -1;
            }
        }
        else
        {
            call.Transport.SendCallerAudio(_audio.NoiseFrame(frame + call.Index));
        }

        call.FramesSent++;
        FramesSent++;
    }

    private static void WaitUntil(long due)
    {
        while (true)
        {
            var remaining = due - Stopwatch.GetTimestamp();
            if (remaining <= 0)
            {
                return;
            }

            var ms = remaining * 1000 / Stopwatch.Frequency;
            Thread.Sleep(ms >= 2 ? (int)ms - 1 : 1);
        }
    }

    public static double Milliseconds(long stopwatchTicks) => stopwatchTicks * 1000.0 / Stopwatch.Frequency;
}

/// <summary>Process counters at one instant. <see cref="DriverAllocated"/> is what the driver thread itself allocated.</summary>
internal readonly record struct Snapshot(long Timestamp, long Allocated, long DriverAllocated, TimeSpan Cpu, int Gen0, int Gen1, int Gen2, TimeSpan GcPause, long Frames)
{
    public bool IsSet => Timestamp != 0;

    public static Snapshot Take(long frames) => new(
        Stopwatch.GetTimestamp(),
        GC.GetTotalAllocatedBytes(precise: true),
        GC.GetAllocatedBytesForCurrentThread(),
        Environment.CpuUsage.TotalTime,
        GC.CollectionCount(0),
        GC.CollectionCount(1),
        GC.CollectionCount(2),
        GC.GetTotalPauseDuration(),
        frames);
}
