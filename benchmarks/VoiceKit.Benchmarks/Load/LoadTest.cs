using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using VoiceKit.Testing;

namespace VoiceKit.Benchmarks.Load;

/// <summary>
/// Load test: N concurrent calls through the full session (transport → turn engine → STT; LLM → clause chunker → TTS →
/// transport) on real timers, with fake providers at fixed latencies, driven by one real-time caller.
/// </summary>
/// <remarks>
/// <code>
/// dotnet run -c Release --project benchmarks/VoiceKit.Benchmarks -- load --calls 1000 --seconds 60
/// dotnet run -c Release --project benchmarks/VoiceKit.Benchmarks -- load --calls 1000 --seconds 30 --listen
/// </code>
/// Options: <c>--calls N</c> (100), <c>--seconds S</c> (60), <c>--stagger S</c> (calls start evenly over the first S
/// seconds; 5), <c>--warmup S</c> (measurement starts S seconds after the last call started; 5), <c>--listen</c>
/// (listening-only steady state: callers silent, agents silent), <c>--llm-delta-ms D</c> (delay between LLM words; 0).
/// </remarks>
internal static class LoadTest
{
    private static readonly TimeSpan s_sttLatency = TimeSpan.FromMilliseconds(150);
    private static readonly TimeSpan s_llmTimeToFirstToken = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan s_ttsTimeToFirstByte = TimeSpan.FromMilliseconds(150);
    private const string CallerPhrase = "where is my order now";            // 21 characters: 1.5 s at 14 characters a second
    private const string AgentReply = "Sure, it ships today.";               // 21 characters: 1.26 s of audio at 60 ms a character
    private const int SpeechFrames = 75;                                     // 1.5 s
    private const int CycleFrames = 225;                                     // speak 1.5 s, then 3 s for the agent to answer

    public static async Task<int> RunAsync(string[] args)
    {
        var options = LoadOptions.Parse(args);
        if (options is null)
        {
            return 2;
        }

        var audio = CallerAudio.Create(CallerPhrase, TimeSpan.FromMilliseconds(SpeechFrames * CallerAudio.FrameMilliseconds));
        var ticksPerSecond = 1000 / CallerAudio.FrameMilliseconds;
        var totalTicks = (long)(options.Seconds * ticksPerSecond);
        var staggerTicks = (long)(options.Stagger * ticksPerSecond);
        var windowStartTick = Math.Min(totalTicks - ticksPerSecond, staggerTicks + (long)(options.Warmup * ticksPerSecond));
        if (windowStartTick <= staggerTicks)
        {
            Console.Error.WriteLine("--seconds must exceed --stagger + --warmup + 1.");
            return 2;
        }

        Console.WriteLine($"VoiceKit load test: {options.Calls} calls, {options.Seconds:0} s, mode {(options.Listen ? "listen-only" : "conversation")}, "
            + $"{Environment.ProcessorCount} cores, {(GCSettings.IsServerGC ? "server" : "workstation")} GC{(GCSettings.LatencyMode == GCLatencyMode.Interactive ? " (concurrent)" : "")}, .NET {Environment.Version}");

        var baselineHeap = GC.GetTotalMemory(forceFullCollection: true);
        var baselineWorkingSet = Environment.WorkingSet;

        var maxSegments = (int)(totalTicks / CycleFrames) + 2;
        var calls = new LoadCall[options.Calls];
        for (var i = 0; i < calls.Length; i++)
        {
            calls[i] = CreateCall(i, startTick: i * staggerTicks / calls.Length, phase: (i * 97) % CycleFrames, options, maxSegments);
        }

        var driver = new CallerDriver(calls, audio, speak: !options.Listen, CycleFrames, totalTicks, windowStartTick, windowEndTick: totalTicks);
        var thread = driver.Start();
        await Task.Run(thread.Join);
        if (driver.Error is not null)
        {
            Console.Error.WriteLine($"The driver failed: {driver.Error}");
            return 1;
        }

        var memory = GC.GetGCMemoryInfo();
        var workingSet = Environment.WorkingSet;
        var liveHeap = GC.GetTotalMemory(forceFullCollection: true);

        // End every call from the caller's side and collect the summaries.
        foreach (var call in calls)
        {
            call.Transport.HangUpFromCaller();
        }

        var completions = calls.Where(c => c.Call is not null).Select(c => c.Call!.Completion).ToArray();
        try
        {
            await Task.WhenAll(completions).WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            Console.Error.WriteLine("Some calls did not end within 30 s of the hang-up.");
        }

        var report = new LoadReport(options, driver, calls, s_llmTimeToFirstToken + s_ttsTimeToFirstByte)
        {
            BaselineHeap = baselineHeap,
            BaselineWorkingSet = baselineWorkingSet,
            HeapSize = memory.HeapSizeBytes,
            WorkingSet = workingSet,
            LiveHeap = liveHeap,
        };
        report.Print(Console.Out);

        foreach (var call in calls)
        {
            if (call.Call is { } c)
            {
                await c.DisposeAsync();
            }
        }

        return 0;
    }

    private static LoadCall CreateCall(int index, long startTick, int phase, LoadOptions options, int maxSegments)
    {
        var time = TimeProvider.System;
        var stt = new FakeSpeechToText(time) { Latency = s_sttLatency };
        var reply = FakeReply.Say(AgentReply);
        var llm = new FakeLanguageModel(time)
        {
            TimeToFirstToken = s_llmTimeToFirstToken,
            DeltaInterval = TimeSpan.FromMilliseconds(options.LlmDeltaMilliseconds),
            Responder = _ => reply,
        };
        var tts = new FakeTextToSpeech(time) { TimeToFirstByte = s_ttsTimeToFirstByte };
        var agent = new VoiceAgentBuilder()
            .UseSpeechToText(stt)
            .UseLanguageModel(llm)
            .UseTextToSpeech(tts)
            .UseTimeProvider(time)
            .Configure(o =>
            {
                if (options.Listen)
                {
                    o.Turns.IdleTimeout = TimeSpan.FromHours(1); // a silent caller is not prompted: nothing but frames flows
                }
            })
            .Build();

        var origin = Stopwatch.GetTimestamp();
        var transport = new InMemoryTransport(time, call: new CallInfo { CallId = "load-" + index.ToString(CultureInfo.InvariantCulture) }) { KeepPlayedAudio = false };
        return new LoadCall(index, startTick, phase, transport, stt, agent, origin, maxSegments);
    }
}

/// <summary>Command-line options of the load test.</summary>
internal sealed record LoadOptions(int Calls, double Seconds, double Stagger, double Warmup, bool Listen, int LlmDeltaMilliseconds)
{
    public static LoadOptions? Parse(string[] args)
    {
        var calls = 100;
        double seconds = 60, stagger = 5, warmup = 5;
        var listen = false;
        var delta = 0;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--calls": calls = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--seconds": seconds = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--stagger": stagger = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--warmup": warmup = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--listen": listen = true; break;
                case "--llm-delta-ms": delta = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                default:
                    Console.Error.WriteLine($"Unknown option {args[i]}. Usage: load [--calls N] [--seconds S] [--stagger S] [--warmup S] [--listen] [--llm-delta-ms D]");
                    return null;
            }
        }

        return new LoadOptions(calls, seconds, stagger, warmup, listen, delta);
    }
}
