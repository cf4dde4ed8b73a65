using Microsoft.Extensions.AI;
using VoiceKit.Audio;
using VoiceKit.Testing;

namespace VoiceKit.Tests.Agents;

/// <summary>Whole calls in virtual time: the agent session with fake providers, a simulated caller and an in-memory transport.</summary>
public sealed class VoiceAgentScenarioTests
{
    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    [Test]
    public async Task A_normal_turn_is_answered_and_heard_in_full()
    {
        var s = new CallScenario();
        s.LanguageModel.Enqueue("Your parcel is out for delivery. It should arrive by five today.");
        s.Caller.Silence(Ms(500)).Say("where is my parcel").WaitForAgent().HangUp();

        await s.RunAsync();

        Assert.That(s.Summary.EndReason, Is.EqualTo(CallEndReason.CallerHungUp), s.Describe());
        Assert.That(s.Summary.Turns, Is.EqualTo(1));
        Assert.That(s.History.Select(m => (m.Role, m.Text)), Is.EqualTo(new[]
        {
            (ChatRole.System, "You answer calls for Acme Parcels."),
            (ChatRole.User, "where is my parcel"),
            (ChatRole.Assistant, "Your parcel is out for delivery. It should arrive by five today."),
        }));
        var metrics = s.Summary.TurnMetrics.Single();
        Assert.That(metrics.LanguageModelTimeToFirstToken, Is.EqualTo(Ms(300)).Within(Ms(20)));
        Assert.That(metrics.TextToSpeechTimeToFirstByte, Is.EqualTo(Ms(150)).Within(Ms(20)));
        Assert.That(metrics.TurnLatency, Is.LessThan(Ms(1000)), "caller stop to first agent audio");
        Assert.That(metrics.TurnLatency, Is.GreaterThanOrEqualTo(metrics.EndOfUtteranceDelay + Ms(450)), "endpointing + LLM + TTS at least");
    }

    [Test]
    public async Task The_model_remembers_earlier_turns()
    {
        var s = new CallScenario();
        s.LanguageModel.Enqueue("Sure, what is the order number?", "Thanks, order four two is on its way.");
        s.Caller.Silence(Ms(300)).Say("I want to check an order").WaitForAgent().Say("it is order forty two").WaitForAgent().HangUp();

        await s.RunAsync();

        Assert.That(s.LanguageModel.Requests, Has.Count.EqualTo(2), s.Describe());
        Assert.That(s.LanguageModel.Requests[1].Select(m => m.Text), Is.EqualTo(new[]
        {
            "You answer calls for Acme Parcels.",
            "I want to check an order",
            "Sure, what is the order number?",
            "it is order forty two",
        }));
        Assert.That(s.Summary.Turns, Is.EqualTo(2));
    }

    [Test]
    public async Task A_greeting_is_spoken_first_and_kept_in_history()
    {
        var s = new CallScenario(o => o.Greeting = "Acme Parcels, how can I help?");
        s.LanguageModel.Enqueue("Let me look that up.");
        s.Caller.WaitForAgent().Say("where is my parcel").WaitForAgent().HangUp();

        await s.RunAsync();

        Assert.That(s.History.Select(m => m.Text).Skip(1).First(), Is.EqualTo("Acme Parcels, how can I help?"));
        Assert.That(s.LanguageModel.Requests.Single().Any(m => m.Role == ChatRole.Assistant && m.Text == "Acme Parcels, how can I help?"), Is.True);
    }

    [Test]
    public async Task A_slow_tool_gets_a_filler_phrase_and_its_result_goes_back_to_the_model()
    {
        var runs = 0;
        CallScenario? scenario = null;
        var tool = AIFunctionFactory.Create(async (string orderNumber) =>
        {
            runs++;
            await Task.Delay(TimeSpan.FromSeconds(3), scenario!.Time);
            return $"Order {orderNumber} left the depot this morning.";
        }, "get_order_status", "Looks up an order.");
        var s = scenario = new CallScenario(null, tool);
        s.LanguageModel.Enqueue(
            FakeReply.CallTool("get_order_status", new Dictionary<string, object?> { ["orderNumber"] = "42" }, "call-1"),
            FakeReply.Say("Order forty two left the depot this morning."));
        s.Caller.Silence(Ms(300)).Say("where is order forty two").WaitForAgent(quietFor: Ms(1500)).HangUp();

        await s.RunAsync();

        Assert.That(runs, Is.EqualTo(1));
        Assert.That(s.TextToSpeech.Segments, Does.Contain("One moment while I check that."), s.Describe());
        var second = s.LanguageModel.Requests[1];
        var result = second.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Single();
        Assert.That(result.CallId, Is.EqualTo("call-1"));
        Assert.That(result.Result?.ToString(), Does.Contain("left the depot"));
        Assert.That(s.History.Last(m => m.Role == ChatRole.Assistant).Text, Does.EndWith("Order forty two left the depot this morning."));
        var toolEvent = s.Of<ToolCalledEvent>().Single();
        Assert.That(toolEvent.Elapsed, Is.EqualTo(TimeSpan.FromSeconds(3)).Within(Ms(60)));
        Assert.That(s.Summary.ToolCalls, Is.EqualTo(1));
    }

    [Test]
    public async Task A_tool_can_read_the_call_it_serves_to_look_the_caller_up()
    {
        CallInfo? seen = null;
        var tool = AIFunctionFactory.Create((AIFunctionArguments arguments) =>
        {
            seen = arguments.Context?[typeof(CallInfo)] as CallInfo;
            return seen?.From is { } from ? $"The caller {from} has one parcel on the way." : "Unknown caller.";
        }, "look_up_caller", "Looks the caller up by their number.");
        var s = new CallScenario(null, wrapTextToSpeech: null, new CallInfo { CallId = "CA0123", From = "+447700900123" }, tool);
        s.LanguageModel.Enqueue(
            FakeReply.CallTool("look_up_caller", new Dictionary<string, object?>(), "call-7"),
            FakeReply.Say("You have one parcel on the way."));
        s.Caller.Silence(Ms(300)).Say("do I have anything coming").WaitForAgent().HangUp();

        await s.RunAsync();

        Assert.That(seen, Is.SameAs(s.Transport.Call), "the tool got the transport's CallInfo");
        var result = s.LanguageModel.Requests[1].SelectMany(m => m.Contents).OfType<FunctionResultContent>().Single();
        Assert.That(result.Result?.ToString(), Is.EqualTo("The caller +447700900123 has one parcel on the way."));
    }

    [Test]
    public async Task A_barge_in_stops_the_agent_at_once_and_history_holds_only_what_was_heard()
    {
        const string reply = "Your parcel left our depot this morning and it is now with the driver who will deliver it between two and four this afternoon.";
        var s = new CallScenario();
        s.LanguageModel.Enqueue(reply, "Sorry about that. Which order did you mean?");
        s.Caller.Silence(Ms(300)).Say("where is my parcel").InterruptAfterAgentSpeaksFor(TimeSpan.FromSeconds(2), "wait that is not my order")
            .WaitForAgent().HangUp();

        await s.RunAsync();

        Assert.That(s.Transport.ClearCount, Is.EqualTo(1), s.Describe());
        Assert.That(s.Summary.Interruptions, Is.EqualTo(1));
        var cut = s.History.Single(m => m.AdditionalProperties?.ContainsKey("interrupted") == true);
        Assert.That(reply.StartsWith(cut.Text, StringComparison.Ordinal), Is.True, "only a prefix of the reply was heard");
        Assert.That(cut.Text.Length, Is.LessThan(reply.Length / 2));

        // Exactly what played: the fake voice speaks 60 ms per character, so the heard prefix matches the audio played.
        var cleared = s.Transport.Log.Single(e => e.Kind == TransportLogKind.Cleared);
        var firstAudio = s.Transport.Log.Last(e => e.Kind == TransportLogKind.PlaybackStarted && e.Time <= cleared.Time);
        var heardChars = (int)((cleared.PlayedDuration - firstAudio.PlayedDuration) / s.TextToSpeech.DurationPerCharacter);
        Assert.That(cut.Text.Length, Is.LessThanOrEqualTo(heardChars), "never text that was not played");
        Assert.That(cut.Text.Length, Is.GreaterThan(heardChars - 12), "everything heard, to the last whole word");
        Assert.That(s.History.Last(m => m.Role == ChatRole.User).Text, Is.EqualTo("wait that is not my order"));
    }

    [Test]
    public async Task A_synthesiser_that_throws_a_socket_error_when_abandoned_is_not_a_provider_failure()
    {
        // Real adapters abort their socket on barge-in, and a read cut short that way may throw a socket error rather than
        // OperationCanceledException. The reply was cancelled: that is not a failure to apologise for.
        const string reply = "Your parcel left our depot this morning and it is now with the driver who will deliver it between two and four this afternoon.";
        var s = new CallScenario(configure: null, wrapTextToSpeech: tts => new SocketErrorOnCancelTextToSpeech(tts), call: null);
        s.LanguageModel.Enqueue(reply, "Sorry about that. Which order did you mean?");
        s.Caller.Silence(Ms(300)).Say("where is my parcel").InterruptAfterAgentSpeaksFor(TimeSpan.FromSeconds(2), "wait that is not my order")
            .WaitForAgent().HangUp();

        await s.RunAsync();

        Assert.That(s.Summary.Interruptions, Is.EqualTo(1), s.Describe());
        Assert.That(s.Of<ProviderErrorEvent>(), Is.Empty, "no provider error reported for an abandoned reply");
        Assert.That(s.Of<AgentSpokeEvent>().Select(e => e.Text), Has.None.EqualTo(new VoiceAgentOptions().ErrorMessage), "no apology for a failure that did not happen");
        Assert.That(s.Of<AgentSpokeEvent>().Last().Text, Is.EqualTo("Sorry about that. Which order did you mean?"));
    }

    [Test]
    public async Task A_noise_that_interrupts_without_words_lets_the_agent_resume()
    {
        const string reply = "Your parcel left our depot this morning and it is now with the driver who will deliver it this afternoon.";
        var s = new CallScenario();
        s.LanguageModel.Enqueue(reply);
        s.Caller.Silence(Ms(300)).Say("where is my parcel")
            .InterruptAfterAgentSpeaksFor(TimeSpan.FromSeconds(1.5), "mm hmm mm hmm mm hmm mm hmm")
            .WaitForAgent(quietFor: Ms(2500)).HangUp();

        await s.RunAsync();

        Assert.That(s.Of<TurnDecisionEvent>().Count(e => e.Turn.Kind == VoiceKit.Turns.TurnEventKind.Resume), Is.EqualTo(1), s.Describe());
        Assert.That(s.Summary.Interruptions, Is.Zero, "a false interruption is not counted");
        var spoken = s.Of<AgentSpokeEvent>().ToList();
        Assert.That(spoken.Last().Interrupted, Is.False);
        Assert.That(reply.EndsWith(spoken.Last().Text, StringComparison.Ordinal), Is.True, "the unheard rest is spoken again");
        Assert.That(s.Summary.Turns, Is.EqualTo(1), "the backchannels are not a turn");
    }

    [Test]
    public async Task An_interruption_during_a_tool_call_keeps_the_result_and_runs_the_tool_once()
    {
        var runs = 0;
        CallScenario? scenario = null;
        var tool = AIFunctionFactory.Create(async () =>
        {
            runs++;
            await Task.Delay(TimeSpan.FromSeconds(4), scenario!.Time);
            return "The driver is two stops away.";
        }, "locate_driver", "Finds the driver.");
        var s = scenario = new CallScenario(null, tool);
        s.LanguageModel.Enqueue(
            FakeReply.CallTool("locate_driver", callId: "call-7"),
            FakeReply.Say("The driver is two stops away."),
            FakeReply.Say("Yes, two stops away."));
        s.Caller.Silence(Ms(300)).Say("where is the driver")
            .InterruptAfterAgentSpeaksFor(TimeSpan.FromSeconds(1), "is it close")
            .WaitForAgent(quietFor: Ms(1500)).HangUp();

        await s.RunAsync();

        Assert.That(runs, Is.EqualTo(1), s.Describe());
        var last = s.LanguageModel.Requests.Last();
        var calls = last.SelectMany(m => m.Contents).OfType<FunctionCallContent>().ToList();
        var results = last.SelectMany(m => m.Contents).OfType<FunctionResultContent>().ToList();
        Assert.That(calls.Select(c => c.CallId), Is.EqualTo(new[] { "call-7" }));
        Assert.That(results.Select(r => r.CallId), Is.EqualTo(new[] { "call-7" }), "no orphaned tool call");
        Assert.That(s.Summary.ToolCalls, Is.EqualTo(1));
        var history = s.History.ToList();
        var request = history.FindIndex(m => m.Contents.OfType<FunctionCallContent>().Any());
        Assert.That(history[request + 1].Role, Is.EqualTo(ChatRole.Tool), "the result follows its call directly, as chat APIs require");
        Assert.That(history[request].Contents.OfType<TextContent>(), Is.Empty, "spoken text is recorded once, as heard");
    }

    [Test]
    public async Task A_silent_caller_is_prompted_then_the_agent_hangs_up()
    {
        var s = new CallScenario(o =>
        {
            o.Greeting = "Hello?";
            o.Turns.IdleTimeout = TimeSpan.FromSeconds(5);
            o.IdlePromptsBeforeHangUp = 2;
        });
        s.Caller.WaitUntil(() => s.Transport.IsHungUp, TimeSpan.FromSeconds(40));

        await s.RunAsync();

        Assert.That(s.Summary.EndReason, Is.EqualTo(CallEndReason.CallerIdle), s.Describe());
        Assert.That(s.Transport.IsHungUp, Is.True);
        Assert.That(s.Of<AgentSpokeEvent>().Select(e => e.Text), Is.EqualTo(new[] { "Hello?", "Are you still there?", "Are you still there?", "I'll let you go now. Goodbye." }));
    }

    [Test]
    public async Task The_transfer_tool_hands_the_call_to_a_human_after_the_agent_says_so()
    {
        var s = new CallScenario(o => o.TransferDestination = "+15550100");
        s.LanguageModel.Enqueue(FakeReply.CallTool("transfer_to_human", callId: "t1"), FakeReply.Say("I'll put you through to a colleague now."));
        s.Caller.Silence(Ms(300)).Say("I want to speak to a person").WaitUntil(() => s.Transport.TransferredTo is not null, TimeSpan.FromSeconds(20));

        await s.RunAsync();

        Assert.That(s.Transport.TransferredTo, Is.EqualTo("+15550100"), s.Describe());
        Assert.That(s.Summary.EndReason, Is.EqualTo(CallEndReason.Transferred));
        Assert.That(s.Summary.TransferredTo, Is.EqualTo("+15550100"));
        Assert.That(s.History.Last().Text, Is.EqualTo("I'll put you through to a colleague now."), "the caller heard it before the transfer");
    }

    [Test]
    public async Task The_end_call_tool_hangs_up_after_the_goodbye()
    {
        var s = new CallScenario();
        s.LanguageModel.Enqueue(FakeReply.CallTool("end_call", callId: "e1"), FakeReply.Say("Thanks for calling, goodbye."));
        s.Caller.Silence(Ms(300)).Say("that is all thanks").WaitUntil(() => s.Transport.IsHungUp, TimeSpan.FromSeconds(20));

        await s.RunAsync();

        Assert.That(s.Summary.EndReason, Is.EqualTo(CallEndReason.AgentHungUp), s.Describe());
        Assert.That(s.History.Last().Text, Is.EqualTo("Thanks for calling, goodbye."));
    }

    [Test]
    public async Task A_language_model_failure_mid_turn_is_apologised_for_and_the_call_goes_on()
    {
        var s = new CallScenario();
        s.LanguageModel.Enqueue(FakeReply.Fail(new IOException("model unavailable")), FakeReply.Say("Your parcel arrives today."));
        s.Caller.Silence(Ms(300)).Say("where is my parcel").WaitForAgent().Say("where is my parcel please").WaitForAgent().HangUp();

        await s.RunAsync();

        Assert.That(s.Of<ProviderErrorEvent>().Single().Error.Message, Is.EqualTo("model unavailable"), s.Describe());
        Assert.That(s.Of<AgentSpokeEvent>().Select(e => e.Text), Is.EqualTo(new[] { "Sorry, I'm having trouble right now. Could you say that again?", "Your parcel arrives today." }));
        Assert.That(s.Summary.EndReason, Is.EqualTo(CallEndReason.CallerHungUp));
    }

    [Test]
    public async Task Keypad_digits_reach_the_model()
    {
        var s = new CallScenario();
        s.LanguageModel.Enqueue("Thanks, I have your account.");
        s.Caller.Silence(Ms(300)).PressKeys("4521#").WaitForAgent().HangUp();

        await s.RunAsync();

        Assert.That(s.LanguageModel.Requests.Single().Last().Text, Does.Contain("4521#"), s.Describe());
        Assert.That(s.Of<DtmfEvent>().Single().Digits, Is.EqualTo("4521#"));
    }

    [Test]
    public async Task The_first_clause_is_synthesised_before_the_model_finishes()
    {
        var s = new CallScenario();
        s.LanguageModel.DeltaInterval = Ms(100);
        s.LanguageModel.Enqueue("Sure, I can help with that. Your parcel is with the driver and should arrive this afternoon.");
        s.Caller.Silence(Ms(300)).Say("where is my parcel").WaitForAgent().HangUp();

        await s.RunAsync();

        Assert.That(s.TextToSpeech.Segments.First(), Is.EqualTo("Sure, I can help with that."), s.Describe());
        var metrics = s.Summary.TurnMetrics.Single();
        var wholeReply = TimeSpan.FromMilliseconds(100 * 17);
        Assert.That(metrics.TurnLatency - metrics.EndOfUtteranceDelay, Is.LessThan(wholeReply), "speech starts long before the last token");
    }

    [Test]
    public async Task Phone_audio_reaches_a_recogniser_that_accepts_it_unconverted()
    {
        var s = new CallScenario();
        s.LanguageModel.Enqueue("Hello.");
        s.Caller.Silence(Ms(300)).Say("hello").WaitForAgent().HangUp();

        await s.RunAsync();

        var seconds = s.Summary.Duration.TotalSeconds;
        Assert.That(s.SpeechToText.ReceivedAudio, Is.EqualTo(8000 * seconds).Within(8000 * 0.25), "8 kHz mu-law: one byte per sample, no resampling");
        Assert.That(s.SpeechToText.ReceivedAudio % 160, Is.Zero, "whole 20 ms frames");
    }

    [Test]
    public async Task A_recording_has_the_caller_left_and_what_the_caller_heard_right()
    {
        var recording = new MemoryStream();
        var kept = new KeepOpenStream(recording);
        var s = new CallScenario(o => o.Recording = _ => kept);
        s.LanguageModel.Enqueue("Your parcel arrives today.");
        s.Caller.Silence(Ms(300)).Say("where is my parcel").WaitForAgent().HangUp();

        await s.RunAsync();

        recording.Position = 0;
        var wav = WavFile.Read(recording);
        Assert.That(wav.Format, Is.EqualTo(new AudioFormat(AudioEncoding.Pcm16, 8000, 2)));
        Assert.That(wav.Duration, Is.EqualTo(s.Summary.Duration).Within(Ms(200)));
        var samples = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, short>(wav.Data.Span).ToArray();
        double Energy(int channel, double from, double to) => samples.Where((_, i) => i % 2 == channel && i / 2 >= from * 8000 && i / 2 < to * 8000).Select(x => (double)x * x).DefaultIfEmpty().Average();
        var agentSpoke = s.Of<AgentSpokeEvent>().Single().Time.TotalSeconds;
        var agentAudio = s.TextToSpeech.DurationOf("Your parcel arrives today.").TotalSeconds;
        Assert.That(Energy(0, 0.6, 1.5), Is.GreaterThan(Energy(0, 0, 0.25) * 100), "the caller speaks on the left");
        Assert.That(Energy(1, agentSpoke - agentAudio + 0.2, agentSpoke - 0.2), Is.GreaterThan(1e5), "the agent speaks on the right");
        Assert.That(Energy(1, 0, 0.5), Is.Zero, "and only when it played");
    }

    [Test]
    public async Task A_call_that_reaches_its_maximum_duration_ends_politely()
    {
        var s = new CallScenario(o => o.MaxCallDuration = TimeSpan.FromSeconds(4));
        s.LanguageModel.Enqueue("Let me see.");
        s.Caller.Silence(Ms(300)).Say("where is my parcel").WaitUntil(() => s.Transport.IsHungUp, TimeSpan.FromSeconds(20));

        await s.RunAsync();

        Assert.That(s.Summary.EndReason, Is.EqualTo(CallEndReason.MaxDuration), s.Describe());
        Assert.That(s.History.Last().Text, Is.EqualTo("We've reached the time limit for this call. Goodbye."));
    }

    [Test]
    public async Task History_is_bounded_without_orphaning_tool_results()
    {
        var s = new CallScenario(o => o.MaxHistoryMessages = 3);
        s.LanguageModel.Enqueue("One.", "Two.", "Three.");
        s.Caller.Silence(Ms(300)).Say("first").WaitForAgent().Say("second").WaitForAgent().Say("third").WaitForAgent().HangUp();

        await s.RunAsync();

        var history = s.History;
        Assert.That(history[0].Role, Is.EqualTo(ChatRole.System), "instructions always stay");
        Assert.That(history.Skip(1).Select(m => m.Text), Is.EqualTo(new[] { "Two.", "third", "Three." }));
    }

    [Test]
    public async Task A_failing_tool_and_a_hanging_tool_become_errors_the_model_can_explain()
    {
        CallScenario? scenario = null;
        var broken = AIFunctionFactory.Create(string () => throw new InvalidOperationException("database down"), "check_refund", "Checks a refund.");
        var hanging = AIFunctionFactory.Create(async (CancellationToken ct) =>
        {
            await Task.Delay(TimeSpan.FromMinutes(5), scenario!.Time, ct);
            return "never";
        }, "check_driver", "Checks the driver.");
        var s = scenario = new CallScenario(o => o.ToolTimeout = TimeSpan.FromSeconds(2), broken, hanging);
        s.LanguageModel.Enqueue(
            FakeReply.CallTool("check_refund", callId: "r1"),
            FakeReply.CallTool("check_driver", callId: "d1"),
            FakeReply.Say("Sorry, I can't check that right now."));
        s.Caller.Silence(Ms(300)).Say("where is my refund").WaitForAgent(quietFor: Ms(1500)).HangUp();

        await s.RunAsync();

        var results = s.LanguageModel.Requests.Last().SelectMany(m => m.Contents).OfType<FunctionResultContent>().ToDictionary(r => r.CallId, r => r.Result?.ToString());
        Assert.That(results["r1"], Does.StartWith("Error: the tool failed"), s.Describe());
        Assert.That(results["d1"], Does.StartWith("Error: the tool timed out after 2 seconds"));
        Assert.That(results.Values, Has.None.Contains("database down"), "exception details stay out of the conversation");
        Assert.That(s.Summary.ToolFailures, Is.EqualTo(2));
        Assert.That(s.History.Last().Text, Does.EndWith("Sorry, I can't check that right now."));
    }

    [Test]
    public async Task Tool_rounds_per_turn_are_capped()
    {
        var runs = 0;
        var tool = AIFunctionFactory.Create(() => ++runs, "count", "Counts.");
        var s = new CallScenario(o => o.MaxToolRoundsPerTurn = 2, tool);
        s.LanguageModel.Enqueue(
            FakeReply.CallTool("count", callId: "c1"),
            FakeReply.CallTool("count", callId: "c2"),
            FakeReply.CallTool("count", callId: "c3"));
        s.Caller.Silence(Ms(300)).Say("count for me").Silence(TimeSpan.FromSeconds(3)).HangUp();

        await s.RunAsync();

        Assert.That(runs, Is.EqualTo(2), s.Describe());
        Assert.That(s.LanguageModel.Requests, Has.Count.EqualTo(3), "the third round is asked without tools, and its tool call is ignored");
    }

    [Test]
    public async Task An_outbound_call_opens_with_its_opening_line()
    {
        var s = new CallScenario(o =>
        {
            o.Greeting = "Inbound greeting.";
            o.OpeningLine = "Hi, this is Acme Parcels calling about your delivery.";
        });
        var outbound = new InMemoryTransport(s.Time, call: new CallInfo { IsOutbound = true, To = "+15550199" });
        var call = s.Agent.StartCall(outbound);
        await new SimulatedCaller(outbound, s.Time, s.SpeechToText).WaitForAgent().HangUp().RunAsync();
        VirtualTime.Advance(s.Time, TimeSpan.FromSeconds(1));
        var summary = await call.Completion.WaitAsync(TimeSpan.FromSeconds(20));
        await call.DisposeAsync();

        Assert.That(call.GetHistory()[1].Text, Is.EqualTo("Hi, this is Acme Parcels calling about your delivery."));
        Assert.That(summary.EndReason, Is.EqualTo(CallEndReason.CallerHungUp));
    }

    /// <summary>Lets a test read a stream the agent disposes at the end of the call.</summary>
    private sealed class KeepOpenStream(Stream inner) : Stream
    {
        public override bool CanRead => inner.CanRead;
        public override bool CanSeek => inner.CanSeek;
        public override bool CanWrite => inner.CanWrite;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => inner.Position = value; }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
        public override void SetLength(long value) => inner.SetLength(value);
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    }
}
