using VoiceKit.Turns;

namespace VoiceKit.Tests.Turns;

/// <summary>The turn engine's state machine in virtual time (20 ms frames on a FakeTimeProvider).</summary>
public sealed class TurnEngineTests
{
    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    [Test]
    public void Speech_starts_after_the_minimum_duration()
    {
        var h = new TurnEngineHarness().Silence(200).Speak(200);
        var started = h.Single(TurnEventKind.SpeechStarted);
        Assert.That(started.Time, Is.EqualTo(Ms(260)), "three 20 ms frames of speech from 200 ms");
        Assert.That(h.Engine.State, Is.EqualTo(TurnState.CallerSpeaking));
    }

    [Test]
    public void A_click_shorter_than_the_minimum_is_not_speech()
    {
        var h = new TurnEngineHarness().Silence(100).Speak(40).Silence(2000);
        Assert.That(h.Events, Is.Empty, h.Describe());
        Assert.That(h.Engine.State, Is.EqualTo(TurnState.Listening));
    }

    [Test]
    public void A_gap_just_under_the_speech_end_silence_does_not_stop_speech()
    {
        var h = new TurnEngineHarness().Speak(300).Silence(100).Speak(300);
        Assert.That(h.Of(TurnEventKind.SpeechStopped), Is.Empty);
    }

    [Test]
    public void A_gap_exactly_at_the_speech_end_silence_stops_speech()
    {
        var h = new TurnEngineHarness().Speak(300).Silence(120);
        var stopped = h.Single(TurnEventKind.SpeechStopped);
        Assert.That(stopped.Time, Is.EqualTo(Ms(420)));
        Assert.That(stopped.SpeechDuration, Is.EqualTo(Ms(300)));
        Assert.That(h.Engine.State, Is.EqualTo(TurnState.CallerPaused));
    }

    [Test]
    public void Without_transcripts_the_turn_ends_after_the_default_delay_exactly()
    {
        var h = new TurnEngineHarness().Speak(1000).Silence(600);
        var end = h.Single(TurnEventKind.EndOfTurn);
        Assert.That(end.Time, Is.EqualTo(Ms(1600)));
        Assert.That(end.Delay, Is.EqualTo(Ms(600)));
        Assert.That(end.Reason, Is.EqualTo(EndOfTurnReason.Silence));
        Assert.That(h.Engine.State, Is.EqualTo(TurnState.Listening));
    }

    [Test]
    public void Without_transcripts_a_pause_one_frame_short_of_the_delay_does_not_end_the_turn()
    {
        var h = new TurnEngineHarness().Speak(1000).Silence(580).Speak(500);
        Assert.That(h.Of(TurnEventKind.EndOfTurn), Is.Empty);
        Assert.That(h.Engine.State, Is.EqualTo(TurnState.CallerSpeaking));
    }

    [Test]
    public void Speech_the_recogniser_heard_after_the_pause_began_holds_the_end_of_turn_off()
    {
        // The detector heard speech end at 1000 ms; the recogniser reports quiet speech starting at 1250 ms of audio.
        var h = new TurnEngineHarness().Speak(1000).Silence(300).RecogniserHeardSpeechAt(1250).Silence(580);
        Assert.That(h.Of(TurnEventKind.EndOfTurn), Is.Empty, "the silence is counted again from 1300 ms");
        h.Silence(20);
        Assert.That(h.Single(TurnEventKind.EndOfTurn).Time, Is.EqualTo(Ms(1900)));
    }

    [Test]
    public void A_late_speech_start_for_speech_the_engine_already_heard_changes_nothing()
    {
        // Recognisers report a start a few hundred milliseconds late: the start of this very turn must not delay its end.
        var h = new TurnEngineHarness().Speak(1000).Silence(200).RecogniserHeardSpeechAt(40).Silence(400);
        Assert.That(h.Single(TurnEventKind.EndOfTurn).Time, Is.EqualTo(Ms(1600)));
    }

    [Test]
    public void A_complete_transcript_ends_the_turn_after_the_short_delay()
    {
        var h = new TurnEngineHarness().Speak(1000).Say("I need to change my delivery address").Silence(1000);
        var end = h.Single(TurnEventKind.EndOfTurn);
        Assert.That(end.Reason, Is.EqualTo(EndOfTurnReason.TranscriptComplete));
        Assert.That(end.Delay, Is.EqualTo(Ms(260)), "the first frame at or past the 250 ms short delay");
    }

    [Test]
    public void Terminal_punctuation_ends_the_turn_after_the_short_delay()
    {
        var h = new TurnEngineHarness().Speak(600).Say("Thanks.", isFinal: true).Silence(1000);
        Assert.That(h.Single(TurnEventKind.EndOfTurn).Reason, Is.EqualTo(EndOfTurnReason.TranscriptComplete));
    }

    [TestCase("my number is four one five")]
    [TestCase("I want to change the delivery and")]
    [TestCase("so um")]
    [TestCase("it's going to")]
    public void An_unfinished_transcript_waits_the_long_delay(string text)
    {
        var h = new TurnEngineHarness().Speak(1000).Say(text).Silence(1500);
        Assert.That(h.Of(TurnEventKind.EndOfTurn), Is.Empty, "a 1.5 s thinking pause must not end the turn");


        h.Silence(200);
        var end = h.Single(TurnEventKind.EndOfTurn);
        Assert.That(end.Reason, Is.EqualTo(EndOfTurnReason.IncompleteTimeout));
        Assert.That(end.Delay, Is.EqualTo(Ms(1600)));
    }

    [Test]
    public void A_mid_turn_pause_after_an_unfinished_phrase_is_bridged()
    {
        var h = new TurnEngineHarness().Speak(1200).Say("my number is four one five").Silence(900).Speak(800)
            .Say("my number is four one five two three four").Silence(400);
        Assert.That(h.Of(TurnEventKind.EndOfTurn).Count(), Is.EqualTo(0), "900 ms pause bridged");
        Assert.That(h.Engine.State, Is.EqualTo(TurnState.CallerPaused));
    }

    [Test]
    public void The_max_delay_caps_every_wait()
    {
        var options = new TurnEngineOptions { LongEndpointDelay = Ms(2000), MaxEndpointDelay = Ms(2000) };
        var h = new TurnEngineHarness(options).Speak(1000).Say("and").Silence(2500);
        var end = h.Single(TurnEventKind.EndOfTurn);
        Assert.That(end.Reason, Is.EqualTo(EndOfTurnReason.MaxDelay));
        Assert.That(end.Delay, Is.EqualTo(Ms(2000)));
    }

    [Test]
    public void The_recognisers_endpoint_ends_a_complete_turn_at_once()
    {
        var h = new TurnEngineHarness().Speak(1000).Say("yes please").Silence(140);
        Assert.That(h.Of(TurnEventKind.EndOfTurn), Is.Empty);
        h.Say("Yes, please", isFinal: true, isEndpoint: true);
        var end = h.Single(TurnEventKind.EndOfTurn);
        Assert.That(end.Reason, Is.EqualTo(EndOfTurnReason.SpeechToTextEndpoint));
        Assert.That(end.Delay, Is.EqualTo(Ms(140)));
    }

    [Test]
    public void The_recognisers_endpoint_does_not_cut_an_unfinished_turn()
    {
        var h = new TurnEngineHarness().Speak(1000).Silence(200).Say("my number is four one five", isFinal: true, isEndpoint: true).Silence(800);
        Assert.That(h.Of(TurnEventKind.EndOfTurn), Is.Empty);
    }

    [Test]
    public void A_stale_transcript_is_not_judged_until_the_recogniser_catches_up()
    {
        // The last words ("and then") arrive 200 ms after speech ends; judging the stale "I called yesterday" would cut the turn.
        var h = new TurnEngineHarness().Speak(500).Say("I called yesterday").Speak(500).Silence(200);
        h.Say("I called yesterday and then").Silence(1000);
        Assert.That(h.Of(TurnEventKind.EndOfTurn), Is.Empty, h.Describe());
    }

    [Test]
    public void A_cough_with_a_live_transcript_is_not_a_turn()
    {
        var h = new TurnEngineHarness().Say("", isFinal: true).Silence(200).Speak(300).Silence(3000);
        Assert.That(h.Of(TurnEventKind.SpeechStarted).Count(), Is.EqualTo(1));
        Assert.That(h.Of(TurnEventKind.EndOfTurn), Is.Empty);
        Assert.That(h.Engine.State, Is.EqualTo(TurnState.Listening));
    }

    [Test]
    public void Speech_starting_during_agent_speech_is_an_interruption_candidate()
    {
        var h = new TurnEngineHarness().AgentStarts().Silence(300).Speak(100);
        Assert.That(h.Of(TurnEventKind.SpeechStarted).Count(), Is.EqualTo(1));
        Assert.That(h.Engine.State, Is.EqualTo(TurnState.InterruptionCandidate));
        Assert.That(h.Of(TurnEventKind.Interruption), Is.Empty, "100 ms and no words is not yet an interruption");
    }

    [Test]
    public void Words_over_the_agent_interrupt_once_the_minimum_speech_is_reached()
    {
        var h = new TurnEngineHarness().AgentStarts().Silence(400).Speak(100).Say("wait").Speak(60);
        Assert.That(h.Of(TurnEventKind.Interruption), Is.Empty, "160 ms < 200 ms minimum");
        h.Speak(40);
        var interruption = h.Single(TurnEventKind.Interruption);
        Assert.That(interruption.Time, Is.EqualTo(Ms(600)));
        Assert.That(interruption.SpeechDuration, Is.EqualTo(Ms(200)));
        Assert.That(h.Engine.State, Is.EqualTo(TurnState.CallerSpeaking));
    }

    [TestCase("uh-huh")]
    [TestCase("mm-hmm")]
    [TestCase("yeah")]
    [TestCase("okay")]
    [TestCase("right")]
    [TestCase("Yeah, okay.")]
    public void A_backchannel_does_not_interrupt(string backchannel)
    {
        var h = new TurnEngineHarness().AgentStarts().Silence(400).Speak(200).Say(backchannel).Speak(300)
            .Say(backchannel, isFinal: true).Silence(400);
        Assert.That(h.Of(TurnEventKind.Interruption), Is.Empty, h.Describe());
        Assert.That(h.Of(TurnEventKind.EndOfTurn), Is.Empty);
        Assert.That(h.Engine.State, Is.EqualTo(TurnState.AgentSpeaking));
    }

    [Test]
    public void A_backchannel_followed_by_words_interrupts()
    {
        var h = new TurnEngineHarness().AgentStarts().Silence(400).Speak(300).Say("yeah").Speak(100).Say("yeah but");
        Assert.That(h.Single(TurnEventKind.Interruption).Time, Is.EqualTo(Ms(800)));
    }

    [Test]
    public void Sustained_speech_interrupts_without_words()
    {
        var h = new TurnEngineHarness().AgentStarts().Silence(400).Speak(1100);
        Assert.That(h.Of(TurnEventKind.Interruption), Is.Empty, "a drawn-out mm-hmm lasts most of a second");
        h.Speak(300);
        var interruption = h.Single(TurnEventKind.Interruption);
        Assert.That(interruption.SpeechDuration, Is.EqualTo(Ms(1200)));
        Assert.That(interruption.Time, Is.EqualTo(Ms(1600)));
    }

    [Test]
    public void A_cough_during_agent_speech_does_not_interrupt()
    {
        var h = new TurnEngineHarness().AgentStarts().Silence(400).Speak(300).Silence(1000);
        Assert.That(h.Of(TurnEventKind.Interruption), Is.Empty);
        Assert.That(h.Engine.State, Is.EqualTo(TurnState.AgentSpeaking));
    }

    [Test]
    public void An_interruption_without_words_resumes_the_agent()
    {
        var h = new TurnEngineHarness().Say("", isFinal: true).AgentStarts().Silence(400).Speak(1400).Silence(1500);
        var interruption = h.Single(TurnEventKind.Interruption);
        var resume = h.Single(TurnEventKind.Resume);
        Assert.That(resume.Time - interruption.Time, Is.EqualTo(Ms(1500)));
        Assert.That(h.Engine.State, Is.EqualTo(TurnState.AgentSpeaking));
        Assert.That(h.Of(TurnEventKind.EndOfTurn), Is.Empty);
    }

    [Test]
    public void An_interruption_that_brings_words_does_not_resume()
    {
        var h = new TurnEngineHarness().Say("", isFinal: true).AgentStarts().Silence(400).Speak(1400).Say("hold on I have a question").Silence(2000);
        Assert.That(h.Of(TurnEventKind.Resume), Is.Empty);
        Assert.That(h.Single(TurnEventKind.EndOfTurn).Reason, Is.EqualTo(EndOfTurnReason.TranscriptComplete).Or.EqualTo(EndOfTurnReason.Silence));
    }

    [Test]
    public void Caller_audio_in_the_echo_guard_window_is_ignored()
    {
        var h = new TurnEngineHarness().AgentStarts().Speak(180);
        Assert.That(h.Events, Is.Empty, "the first 200 ms of agent speech is echo territory");
    }

    [Test]
    public void Caller_audio_that_tracks_the_agents_output_is_echo()
    {
        var h = new TurnEngineHarness().AgentStarts();
        short[] envelope = [9000, 9000, 3000, 600, 9000, 4000, 800, 600, 9000, 9000, 2000];
        var agent = new short[160];
        for (var i = 0; i < 150; i++)
        {
            Array.Fill(agent, envelope[i % envelope.Length]);
            h.Engine.ProcessAgentAudio(agent);
            var echoed = envelope[(i + envelope.Length - 2) % envelope.Length]; // 40 ms late
            h.FeedFrame((short)(echoed / 6));                                     // 15 dB down
        }

        Assert.That(h.Of(TurnEventKind.Interruption), Is.Empty, h.Describe());
    }

    [Test]
    public void Caller_speech_that_does_not_track_the_agent_still_interrupts()
    {
        var h = new TurnEngineHarness().AgentStarts();
        short[] envelope = [9000, 9000, 3000, 600, 9000, 4000, 800, 600, 9000, 9000, 2000];
        short[] caller = [2000, 2500, 3000, 2000, 1500, 2800];
        var agent = new short[160];
        for (var i = 0; i < 150; i++)
        {
            Array.Fill(agent, envelope[i % envelope.Length]);
            h.Engine.ProcessAgentAudio(agent);
            h.FeedFrame(i < 20 ? (short)0 : caller[i % caller.Length]);
        }

        Assert.That(h.Of(TurnEventKind.Interruption).Count(), Is.EqualTo(1), h.Describe());
    }

    [Test]
    public void Long_silence_reports_the_caller_idle_once_per_period()
    {
        var h = new TurnEngineHarness().Silence(7980);
        Assert.That(h.Of(TurnEventKind.CallerIdle), Is.Empty);
        h.Silence(20);
        Assert.That(h.Single(TurnEventKind.CallerIdle).Time, Is.EqualTo(Ms(8000)));
        h.Silence(8000);
        Assert.That(h.Of(TurnEventKind.CallerIdle).Select(e => e.Time), Is.EqualTo(new[] { Ms(8000), Ms(16000) }));
    }

    [Test]
    public void Idle_is_counted_from_the_end_of_agent_speech_and_never_during_it()
    {
        var h = new TurnEngineHarness().AgentStarts().Silence(10000).AgentStops("How can I help?").Silence(7000);
        Assert.That(h.Of(TurnEventKind.CallerIdle), Is.Empty);
        h.Silence(1000);
        Assert.That(h.Single(TurnEventKind.CallerIdle).Time, Is.EqualTo(Ms(18000)));
    }

    [Test]
    public void A_short_answer_to_a_yes_no_question_ends_the_turn_fast()
    {
        var h = new TurnEngineHarness().AgentStarts().Silence(1000).AgentStops("Would you like a text message when it ships?")
            .Silence(200).Speak(300).Say("yes").Silence(400);
        var end = h.Single(TurnEventKind.EndOfTurn);
        Assert.That(end.Reason, Is.EqualTo(EndOfTurnReason.TranscriptComplete));
        Assert.That(end.Delay, Is.LessThan(Ms(300)));
    }

    [Test]
    public void Poll_runs_timers_without_audio()
    {
        var h = new TurnEngineHarness().Speak(1000).Silence(200);
        h.Time.Advance(Ms(400));
        h.Engine.Poll();
        h.Drain();
        Assert.That(h.Single(TurnEventKind.EndOfTurn).Delay, Is.EqualTo(Ms(600)));
    }

    [Test]
    public void Invalid_options_say_what_to_fix()
    {
        var options = new TurnEngineOptions { ShortEndpointDelay = Ms(2000) };
        Assert.That(() => new TurnEngine(new LevelVad(), options), Throws.ArgumentException.With.Message.Contains("ShortEndpointDelay <= DefaultEndpointDelay"));
        Assert.That(() => new TurnEngine(new LevelVad(), new TurnEngineOptions { SpeechThreshold = 0 }), Throws.ArgumentException.With.Message.Contains("SpeechThreshold"));
        Assert.That(() => new TurnEngine(null!), Throws.ArgumentNullException);
    }

    [Test]
    public void Events_are_never_lost_when_the_owner_reads_late()
    {
        var clock = new ManualClock();
        var engine = new TurnEngine(new LevelVad(), timeProvider: clock);
        var speech = new short[160];
        var silence = new short[160];
        Array.Fill(speech, (short)5000);
        for (var turn = 0; turn < 40; turn++)
        {
            for (var i = 0; i < 10; i++)
            {
                clock.Advance(20);
                engine.ProcessAudio(speech);
            }

            for (var i = 0; i < 40; i++)
            {
                clock.Advance(20);
                engine.ProcessAudio(silence);
            }
        }

        var count = 0;
        while (engine.TryReadEvent(out _))
        {
            count++;
        }

        Assert.That(count, Is.EqualTo(40 * 3), "start, stop and end of turn for each of 40 turns");
    }

    [Test]
    public void Processing_frames_allocates_nothing()
    {
        var clock = new ManualClock();
        var engine = new TurnEngine(new LevelVad(), timeProvider: clock);
        var speech = new short[160];
        var silence = new short[160];
        Array.Fill(speech, (short)5000);
        void Run(int frames)
        {
            for (var i = 0; i < frames; i++)
            {
                clock.Advance(20);
                engine.ProcessAudio(i % 50 < 20 ? speech : silence);
                if (i % 25 == 0)
                {
                    engine.OnTranscript("I would like to check my order", isFinal: false);
                }

                engine.ProcessAgentAudio(speech);
                while (engine.TryReadEvent(out _))
                {
                }
            }
        }

        Run(500); // warm up
        var before = GC.GetAllocatedBytesForCurrentThread();
        Run(5000);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    /// <summary>A clock that only moves when told, with no timer machinery (so it allocates nothing).</summary>
    private sealed class ManualClock : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(int ms) => _ticks += ms * TimeSpan.TicksPerMillisecond;
    }
}
