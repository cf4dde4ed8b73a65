using VoiceKit;
using VoiceKit.Samples.Console;

// The README's demo: a whole simulated phone call to a parcel company's agent, offline by default (PocketSphinx,
// a rule-based language model, Flite), on cloud engines for each part whose key is set (see DemoEngines).
//   dotnet run --project samples/VoiceKit.Samples.Console -c Release [-- --output DIR]
var output = args.Length == 2 && args[0] == "--output" ? args[1] : Path.Combine("artifacts", "demo-call");
if (args.Length is not (0 or 2) || (args.Length == 2 && args[0] != "--output"))
{
    Console.Error.WriteLine("usage: VoiceKit.Samples.Console [--output DIR]");
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
var console = new LiveConsole(Console.Out, LiveConsole.TerminalSupportsColor);

DemoResult result;
try
{
    if (!await EngineInstaller.EnsureInstalledAsync(DemoEngines.OfflineEnginesNeeded(Environment.GetEnvironmentVariable), console, cancel.Token))
    {
        return 2;
    }

    var engines = DemoEngines.FromEnvironment(Environment.GetEnvironmentVariable);
    result = await DemoCall.RunAsync(engines, output, console, cancel.Token);
}
catch (OperationCanceledException)
{
    console.WriteLine("Cancelled.");
    return 130;
}
catch (Exception e) when (e is InvalidOperationException or VoiceProviderException or System.Security.Authentication.AuthenticationException or UriFormatException)
{
    // Engines that cannot start (a missing model, a bad key, a malformed OPENAI_BASE_URL): say so plainly, no stack trace.
    console.WriteLine($"The demo could not run: {e.Message}");
    return 1;
}

var summary = result.Summary;

console.WriteLine();
console.WriteHeading($"Call ended: {LiveConsole.Describe(summary.EndReason)} after {summary.Duration.TotalSeconds:0.0} s.");
var tools = result.Events.OfType<ToolCalledEvent>().Select(t => $"{t.Name} {t.Elapsed.TotalSeconds:0.0} s").ToList();
console.WriteLine($"  {summary.Turns} turns, {summary.Interruptions} barge-in(s), {summary.ToolCalls} tool call(s){(tools.Count > 0 ? $" ({string.Join(", ", tools)})" : "")}.");
var latencies = summary.TurnMetrics.Where(m => m.TurnLatency is not null).Select(m => m.TurnLatency!.Value.TotalMilliseconds).Order().ToList();
if (latencies.Count > 0)
{
    console.WriteLine($"  Caller stops -> agent's first audio, per the session's metrics: median {latencies[latencies.Count / 2]:0} ms, worst {latencies[^1]:0} ms over {latencies.Count} turns.");
}

var heard = result.AnswerDelays.Select(d => d.TotalMilliseconds).Order().ToList();
if (heard.Count > 0)
{
    console.WriteLine($"  The same, as the caller heard it (last sound to first sound): median {heard[heard.Count / 2]:0} ms, worst {heard[^1]:0} ms.");
}

console.WriteLine($"  Recognition: word error rate {result.CallerWordErrorRate:0.00} on the caller's {result.CallerWords} words.");
console.WriteLine($"  Recording:  {result.RecordingPath} (stereo: caller left, agent right)");
console.WriteLine($"  Transcript: {result.TranscriptPath}");
console.WriteLine($"  Timeline:   {result.TimelinePath} (open in a browser)");
if (result.CallerFailure is OperationCanceledException)
{
    console.WriteLine("Cancelled.");
    return 130;
}

if (!result.Succeeded)
{
    console.WriteLine($"The call did not go as scripted{(result.CallerFailure is { } failure ? $": {failure.Message}" : "")}. The reports above show where.");
    return 1;
}

return 0;
