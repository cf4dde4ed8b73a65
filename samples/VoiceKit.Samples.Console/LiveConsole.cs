using System.Globalization;
using VoiceKit.Turns;

namespace VoiceKit.Samples.Console;

/// <summary>
/// The demo's console view: the transcript as the call runs, one line per event, with each turn's latency broken down
/// under the caller's words. Colour when the output is a terminal (and NO_COLOR is not set).
/// </summary>
internal sealed class LiveConsole(TextWriter output, bool color)
{
    private const string Reset = "\u001b[0m";
    private const string Dim = "\u001b[2m";
    private const string Bold = "\u001b[1m";
    private const string Cyan = "\u001b[36m";
    private const string Green = "\u001b[32m";
    private const string Yellow = "\u001b[33m";
    private const string Magenta = "\u001b[35m";
    private const string Red = "\u001b[31m";

    /// <summary>Whether colour suits <see cref="System.Console.Out"/>.</summary>
    public static bool TerminalSupportsColor =>
        !System.Console.IsOutputRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));

    /// <summary>The header: what the call is and which engine plays each part.</summary>
    public void ShowHeader(string title, IReadOnlyDictionary<string, string> engines)
    {
        output.WriteLine(Paint(Bold, $"VoiceKit demo: {title}"));
        foreach (var (part, engine) in engines)
        {
            output.WriteLine($"  {part,-16} {engine}");
        }

        output.WriteLine();
        output.WriteLine(Paint(Dim, "  time    who      what was said (agent lines appear when the agent stops; the caller's when the turn ends)"));
    }

    /// <summary>Shows one event of the call.</summary>
    public void Show(CallEvent callEvent)
    {
        var at = Time(callEvent.Time);
        switch (callEvent)
        {
            case CallerSpokeEvent c:
                output.WriteLine($"  {at}  {Paint(Cyan, "caller")}   {c.Text}");
                break;
            case AgentSpokeEvent { Text.Length: > 0 } a:
                output.WriteLine($"  {at}  {Paint(Green, "agent ")}   {a.Text}{(a.Interrupted ? Paint(Yellow, "  [cut off here]") : "")}");
                break;
            case TurnDecisionEvent { Turn.Kind: TurnEventKind.Interruption } t:
                output.WriteLine(Paint(Yellow, $"  {at}  barge-in  the caller spoke over the agent ({t.Turn.SpeechDuration.TotalMilliseconds:0} ms of speech): agent stopped, its audio cleared"));
                break;
            case ToolCalledEvent t:
                var result = t.Failed ? Paint(Red, $"failed: {t.Result}") : t.Result;
                output.WriteLine(Paint(Magenta, $"  {at}  tool      {t.Name}({t.Arguments}) in {t.Elapsed.TotalSeconds:0.0} s") + $" -> {result}");
                break;
            case TurnMetricsEvent m:
                output.WriteLine(Paint(Dim, $"          turn {m.Metrics.Turn,-3} {Breakdown(m.Metrics)}"));
                break;
            case DtmfEvent d:
                output.WriteLine($"  {at}  keypad    {d.Digits}");
                break;
            case ProviderErrorEvent e:
                output.WriteLine(Paint(Red, $"  {at}  error     {e.Error.Message}"));
                break;
            case CallEndedEvent ended:
                output.WriteLine(Paint(Dim, $"  {at}  hang-up   {Describe(ended.Summary.EndReason)}"));
                break;
        }
    }

    /// <summary>A turn's latency breakdown on one line.</summary>
    public static string Breakdown(TurnMetrics m) =>
        $"endpointing {Ms(m.EndOfUtteranceDelay)} | STT final {Ms(m.SpeechToTextFinalDelay)} | LLM first token {Ms(m.LanguageModelTimeToFirstToken)} | " +
        $"TTS first byte {Ms(m.TextToSpeechTimeToFirstByte)} | total {Ms(m.TurnLatency)}";

    /// <summary>How the call ended, in words.</summary>
    public static string Describe(CallEndReason reason) => reason switch
    {
        CallEndReason.AgentHungUp => "the agent hung up",
        CallEndReason.CallerHungUp => "the caller hung up",
        CallEndReason.Transferred => "transferred",
        _ => reason.ToString(),
    };

    /// <summary>Writes a line as is.</summary>
    public void WriteLine(string text = "") => output.WriteLine(text);

    /// <summary>Writes a line in bold.</summary>
    public void WriteHeading(string text) => output.WriteLine(Paint(Bold, text));

    private static string Ms(TimeSpan? value) => value is { } v ? $"{v.TotalMilliseconds:0} ms" : "-";

    private static string Time(TimeSpan t) =>
        string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalMinutes}:{t.Seconds:00}.{t.Milliseconds / 100}");

    private string Paint(string style, string text) => color ? style + text + Reset : text;
}
