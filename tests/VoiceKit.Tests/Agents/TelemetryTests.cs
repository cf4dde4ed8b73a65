using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace VoiceKit.Tests.Agents;

[NonParallelizable]
public sealed class TelemetryTests
{
    [Test]
    public async Task Each_turn_records_latency_histograms_and_a_span()
    {
        var measurements = new List<(string Name, double Value)>();
        using var meters = new MeterListener();
        meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "VoiceKit")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        meters.SetMeasurementEventCallback<double>((instrument, value, _, _) =>
        {
            lock (measurements)
            {
                measurements.Add((instrument.Name, value));
            }
        });
        meters.Start();
        var spans = new List<Activity>();
        using var activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "VoiceKit",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                lock (spans)
                {
                    spans.Add(a);
                }
            },
        };
        ActivitySource.AddActivityListener(activities);

        var s = new CallScenario();
        s.LanguageModel.Enqueue("Your parcel arrives today.");
        s.Caller.Silence(TimeSpan.FromMilliseconds(300)).Say("where is my parcel").WaitForAgent().HangUp();
        await s.RunAsync();

        var callLatency = s.Summary.TurnMetrics.Single().TurnLatency!.Value.TotalSeconds;
        lock (measurements)
        {
            Assert.That(measurements.Where(m => m.Name == "voicekit.turn.latency").Select(m => m.Value), Does.Contain(callLatency));
            Assert.That(measurements.Select(m => m.Name), Is.SupersetOf(new[]
            {
                "voicekit.turn.end_of_utterance_delay", "voicekit.llm.time_to_first_token", "voicekit.tts.time_to_first_byte",
            }));
        }

        lock (spans)
        {
            var turn = spans.Where(a => a.OperationName == "voicekit.turn" && (string?)a.GetTagItem("voicekit.call_id") == s.Call.Call.CallId).ToList();
            Assert.That(turn, Has.Count.EqualTo(1));
            Assert.That(turn[0].GetTagItem("voicekit.turn.latency_ms"), Is.EqualTo(callLatency * 1000).Within(0.001));
        }
    }
}
