using VoiceKit.Cli.Turns;

namespace VoiceKit.TurnEval;

/// <summary>One generated call: clean caller audio at 16 kHz plus everything known about it.</summary>
internal sealed record GeneratedCall(string Id, short[] Clean, IReadOnlyList<TimedWord> Words, IReadOnlyList<AgentSpan> Agent, CallLabels Labels);

/// <summary>
/// Builds calls by placing separately synthesised (or recorded) phrases on a timeline with controlled gaps, so every
/// segment, word, pause and turn end is known without hand labels.
/// </summary>
internal sealed class EvalSetGenerator(SpeechSources sources)
{
    // Caller turns: phrases, and after each phrase but the last the kind of pause that follows it.
    private static readonly (string[] Phrases, string[] Pauses)[] SyntheticTurns =
    [
        (["Hi, I'm calling about my order and", "it still hasn't arrived."], ["hesitation"]),
        (["My number is four one five", "five five five", "two three nine eight."], ["hesitation", "hesitation"]),
        (["I'd like to move my appointment to", "next Tuesday afternoon if possible."], ["hesitation"]),
        (["Um", "I'm not sure which plan I have."], ["hesitation"]),
        (["So", "what would it cost to upgrade?"], ["hesitation"]),
        (["The card was charged twice.", "I only bought one ticket."], ["clause"]),
        (["Can you send the invoice to", "my work address instead?"], ["hesitation"]),
        (["I want to cancel because", "the service keeps dropping."], ["hesitation"]),
        (["Yes, that's correct."], []),
        (["My account number is seven seven two", "zero four one."], ["hesitation"]),
        (["I was wondering if you could", "check the status of my refund."], ["hesitation"]),
        (["It happened last week.", "On Thursday, I think."], ["clause"]),
        (["Okay, and", "what about the delivery fee?"], ["hesitation"]),
        (["No, I need it by Friday."], []),
    ];

    private static readonly string[] Backchannels = ["uh-huh", "yeah", "okay", "mm-hmm", "right"];

    private static readonly string[] Interruptions =
        ["wait, that's not what I asked", "no no, I said Tuesday", "hold on, that's wrong", "sorry, can I stop you there"];

    public static readonly Voice[] SyntheticVoices =
    [
        new("espeak-ng", "en-us", 165), new("flite", "slt"), new("espeak-ng", "en-gb", 150), new("flite", "rms"),
        new("espeak-ng", "en-us+f3", 180), new("flite", "awb"), new("espeak-ng", "en-gb-x-rp", 170), new("flite", "kal16"),
        new("espeak-ng", "en-us+m3", 140), new("espeak-ng", "en-029", 160),
    ];

    /// <summary>Generates the calls: one per synthetic voice, and two from pocketsphinx-testdata recordings.</summary>
    public IReadOnlyList<GeneratedCall> Generate(bool quick)
    {
        var calls = new List<GeneratedCall>();
        var voices = SyntheticVoices.Where(v => SpeechSources.HasTool(v.Engine)).ToArray();
        var count = quick ? Math.Min(2, voices.Length) : voices.Length;
        for (var i = 0; i < count; i++)
        {
            var voice = voices[i];
            var turns = Enumerable.Range(0, 5).Select(k => SyntheticTurns[((i * 5) + k) % SyntheticTurns.Length])
                .Select(t => (t.Phrases.Select(p => sources.Synthesise(voice, p)).ToArray(), t.Pauses)).ToArray();
            calls.Add(Build($"synth{i:D2}", voice.ToString(), turns, voice, seed: 100 + i));
        }

        if (SpeechSources.HasPocketsphinx)
        {
            var recordings = sources.Recordings().ToDictionary(p => p.Text[..Math.Min(24, p.Text.Length)]);
            Phrase R(string start) => recordings.First(r => r.Key.StartsWith(start, StringComparison.Ordinal)).Value;
            var helper = voices.FirstOrDefault() ?? new Voice("espeak-ng", "en-us", 165);
            (Phrase[], string[])[] first =
            [
                ([R("he was not"), R("unless to be")], ["clause"]),
                ([R("four queen"), R("eight of spades")], ["clause"]),
                ([R("and mister john")], []),
                ([R("ten of clubs"), R("seven of clubs")], ["clause"]),
                ([R("five five")], []),
            ];
            (Phrase[], string[])[] second =
            [
                ([R("had he married"), R("he might even")], ["clause"]),
                ([R("five five")], []),
                ([R("he was not")], []),
                ([R("eight of spades")], []),
                ([R("unless to be")], []),
            ];
            calls.Add(Build("real00", "pocketsphinx-testdata (overlaps: " + helper + ")", first, helper, seed: 200));
            if (!quick)
            {
                calls.Add(Build("real01", "pocketsphinx-testdata (overlaps: " + helper + ")", second, helper, seed: 201));
            }
        }

        return calls;
    }

    /// <summary>
    /// Lays out a call: 0.8 s lead-in; per exchange a caller turn (mid-turn pauses of 300–900 ms), the agent replying
    /// 0.7 s after the turn end for 2.5–4 s, and during the reply in rotation nothing, a backchannel, an interruption
    /// (the agent keeps talking as a static script must, at least 1.6 s into it; it ends a turn of its own) or a click; 1 s of silence before the next turn.
    /// </summary>
    private GeneratedCall Build(string id, string voiceName, (Phrase[] Phrases, string[] Pauses)[] turns, Voice overlapVoice, int seed)
    {
        var random = new Random(seed);
        var timeline = new Timeline();
        var agent = new List<AgentSpan>();
        var pauses = new List<MidTurnPause>();
        var ends = new List<TurnEnd>();
        var backchannels = new List<CallerOverlap>();
        var interruptions = new List<CallerOverlap>();
        var noises = new List<NoiseEvent>();
        var now = 800;
        for (var k = 0; k < turns.Length; k++)
        {
            var (phrases, kinds) = turns[k];
            var text = new List<string>();
            for (var p = 0; p < phrases.Length; p++)
            {
                var (spanStart, spanEnd) = timeline.Place(phrases[p], now);
                text.Add(phrases[p].Text);
                now = spanEnd;
                if (p < phrases.Length - 1)
                {
                    var pause = random.Next(300, 901);
                    pauses.Add(new MidTurnPause(spanEnd, spanEnd + pause, kinds[p], LastWord(phrases[p].Text)));
                    now = spanEnd + pause;
                }

                _ = spanStart;
            }

            ends.Add(new TurnEnd(now, "turn", string.Join(" ", text)));
            var agentStart = now + 700;
            var agentEnd = agentStart + random.Next(2500, 4001);
            switch (k % 4)
            {
                case 1:
                {
                    var phrase = sources.Synthesise(overlapVoice, Backchannels[random.Next(Backchannels.Length)]);
                    var (s, e) = timeline.Place(phrase, agentStart + 1000);
                    backchannels.Add(new CallerOverlap(s, e, phrase.Text));
                    break;
                }

                case 2:
                {
                    var phrase = sources.Synthesise(overlapVoice, Interruptions[random.Next(Interruptions.Length)]);
                    var (s, e) = timeline.Place(phrase, agentStart + 1200);
                    interruptions.Add(new CallerOverlap(s, e, phrase.Text));
                    // A static script cannot stop the agent when the engine decides, so the agent keeps talking as it
                    // would if nobody reacted: to the end of its reply or of the interruption, and at least past the
                    // 1.5 s detection window.
                    var interruptedEnd = Math.Max(s + 1600, Math.Min(agentEnd, e));
                    agent.Add(new AgentSpan(agentStart, interruptedEnd));
                    ends.Add(new TurnEnd(e, "interruption", phrase.Text));
                    agentStart = Math.Max(e + 700, interruptedEnd + 100);
                    agentEnd = agentStart + 2000;
                    break;
                }

                case 3:
                    timeline.Click(agentStart + 900, random);
                    noises.Add(new NoiseEvent(agentStart + 900, "click"));
                    break;
            }

            agent.Add(new AgentSpan(agentStart, agentEnd));
            now = agentEnd + 1000;
        }

        var duration = now + 1000;
        var clean = timeline.Render(duration);
        var labels = new CallLabels(voiceName, duration, timeline.Segments, pauses, ends, backchannels, interruptions, noises);
        return new GeneratedCall(id, clean, timeline.Words, agent, labels);
    }

    private static string LastWord(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1];

    /// <summary>Caller audio under construction, with the segments and words it holds.</summary>
    private sealed class Timeline
    {
        private readonly List<(int AtSample, short[] Samples)> _clips = [];

        public List<SpeechSegment> Segments { get; } = [];

        public List<TimedWord> Words { get; } = [];

        /// <summary>Places a phrase so that its speech starts at <paramref name="speechStartMs"/>; returns its speech span.</summary>
        public (int Start, int End) Place(Phrase phrase, int speechStartMs)
        {
            var clipStart = speechStartMs - phrase.Span.StartMs;
            _clips.Add((clipStart * 16, phrase.Samples));
            foreach (var (s, e) in phrase.Segments)
            {
                Segments.Add(new SpeechSegment(clipStart + s, clipStart + e));
            }

            // Word times: the phrase's speech span shared among its words in proportion to their letters.
            var words = phrase.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var letters = words.Select(w => Math.Max(1, w.Count(char.IsLetterOrDigit))).ToArray();
            var total = letters.Sum();
            var start = clipStart + phrase.Span.StartMs;
            var length = phrase.Span.EndMs - phrase.Span.StartMs;
            var done = 0;
            for (var w = 0; w < words.Length; w++)
            {
                var from = start + (length * done / total);
                done += letters[w];
                Words.Add(new TimedWord(words[w], from, start + (length * done / total)));
            }

            return (start, start + length);
        }

        /// <summary>A 1 ms click of random polarity, 6–20 dB above the speech level.</summary>
        public void Click(int atMs, Random random)
        {
            var amplitude = random.Next(8000, 30000) * (random.Next(2) == 0 ? -1 : 1);
            var click = new short[16];
            for (var i = 0; i < click.Length; i++)
            {
                click[i] = (short)(amplitude * (1 - (i / 16.0)));
            }

            _clips.Add((atMs * 16, click));
        }

        public short[] Render(int durationMs)
        {
            var mix = new int[durationMs * 16];
            foreach (var (at, samples) in _clips)
            {
                for (var i = 0; i < samples.Length && at + i < mix.Length; i++)
                {
                    mix[at + i] += samples[i];
                }
            }

            Segments.Sort((a, b) => a.StartMs.CompareTo(b.StartMs));
            Words.Sort((a, b) => a.StartMs.CompareTo(b.StartMs));
            return mix.Select(v => (short)Math.Clamp(v, short.MinValue, short.MaxValue)).ToArray();
        }
    }
}
