using Microsoft.Extensions.AI;
using VoiceKit.Audio;
using VoiceKit.Local;
using VoiceKit.Samples.Console.Reporting;
using VoiceKit.Testing;

namespace VoiceKit.Samples.Console;

/// <summary>
/// One whole simulated phone call to Acme Parcels' agent, in real time: the <see cref="VoicedCaller"/> on one end of an
/// in-memory phone line (8 kHz mu-law), the VoiceKit agent on the other; then the recording, the JSON transcript and
/// the timeline are written to the output directory.
/// </summary>
internal static class DemoCall
{
    /// <summary>The call's name in the console and the reports.</summary>
    public const string Title = "Acme Parcels, \"where is my order?\" (a simulated phone call, 8 kHz mu-law, real time)";

    /// <summary>What the agent is told; a real language model follows it, the rule-based one behaves accordingly.</summary>
    public const string Instructions =
        "You answer phone calls for Acme Parcels, a parcel delivery company. Be brief, warm and plain-spoken: one or two " +
        "short sentences per reply, no lists, no markdown. To find a parcel, ask for the six-digit order number and call " +
        "get_order_status with the digits only; read the result to the caller. When the caller has nothing else, say " +
        "goodbye and call end_call.";

    /// <summary>The agent's first words.</summary>
    public const string Greeting = "Thanks for calling Acme Parcels. How can I help you today?";

    /// <summary>Runs the call and writes the reports.</summary>
    /// <param name="engines">The agent's engines.</param>
    /// <param name="outputDirectory">Where call.wav, transcript.json and timeline.html go (created if missing).</param>
    /// <param name="console">Where the live transcript goes.</param>
    /// <param name="cancellationToken">Ends the call early (the reports are still written).</param>
    public static async Task<DemoResult> RunAsync(DemoEngines engines, string outputDirectory, LiveConsole console, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(outputDirectory);
        var recordingPath = Path.Combine(outputDirectory, "call.wav");
        var transcriptPath = Path.Combine(outputDirectory, "transcript.json");
        var timelinePath = Path.Combine(outputDirectory, "timeline.html");

        var orders = OrderBook.Load(Path.Combine(AppContext.BaseDirectory, "orders.json"), backEndDelay: TimeSpan.FromSeconds(2.2));
        var lookup = AIFunctionFactory.Create(orders.GetOrderStatusAsync, ParcelDeskChatClient.OrderTool, "Looks up where a parcel is, by its six-digit order number.");
        var agent = new VoiceAgentBuilder()
            .UseSpeechToText(engines.SpeechToText)
            .UseLanguageModel(engines.LanguageModel)
            .UseTextToSpeech(engines.TextToSpeech)
            .WithInstructions(Instructions)
            .WithGreeting(Greeting)
            .WithTools(lookup)
            .Configure(o =>
            {
                o.ToolFillerDelay = TimeSpan.FromSeconds(0.6); // the order system takes 2.2 s: say something well before
                o.Recording = _ => File.Create(recordingPath);
            })
            .Build();

        var transport = new InMemoryTransport(TimeProvider.System, AudioFormat.Telephony, new CallInfo { From = "+441130000001", To = "+441130000100" });
        var caller = new VoicedCaller(transport, CallerScript.Lines, new FliteTextToSpeechOptions { Voice = "rms" }.AsFliteTextToSpeech());
        await caller.PrepareAsync(cancellationToken).ConfigureAwait(false);

        console.ShowHeader(Title, engines.Labels);
        var startedAt = DateTimeOffset.Now;
        var events = new List<CallEvent>();
        var call = agent.StartCall(transport);

        // The listener ends when the call is disposed; it is never cancelled, so no event is lost from the reports.
        var listener = Task.Run(async () =>
        {
            await foreach (var e in call.ReadEventsAsync().ConfigureAwait(false))
            {
                events.Add(e);
                console.Show(e);
            }
        });

        Exception? failure = null;
        CallSummary summary;
        try
        {
            try
            {
                await caller.RunAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // A caller that gave up (the agent stopped answering) or a cancelled demo: end the call and still write
                // the reports, which are what shows what went wrong.
                failure = e;
            }
            finally
            {
                if (!transport.IsEnded)
                {
                    transport.HangUpFromCaller();
                }
            }

            summary = await call.Completion.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            await call.DisposeAsync().ConfigureAwait(false);
            await listener.ConfigureAwait(false);
        }

        var record = new CallRecord(Title, engines.Labels, startedAt, events, summary, recordingPath);
        CallTranscriptWriter.Write(record, transcriptPath);
        CallTimelineWriter.Write(record, timelinePath);

        var said = string.Join(' ', caller.Spoken.Select(s => CallerScript.Words(s.Line))); // the lines actually said
        var heard = string.Join(' ', events.OfType<CallerSpokeEvent>().Select(e => e.Text));
        var succeeded = failure is null && summary.EndReason == CallEndReason.AgentHungUp && caller.Spoken.Count == CallerScript.Lines.Count &&
            events.OfType<ToolCalledEvent>().Any(t => t.Name == ParcelDeskChatClient.OrderTool && !t.Failed);
        return new DemoResult(summary, events, recordingPath, transcriptPath, timelinePath,
            WordErrorRate.Compute(said, heard), WordErrorRate.Words(said).Length, caller.AnswerDelays, failure, succeeded);
    }
}
