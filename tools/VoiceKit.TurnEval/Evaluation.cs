using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using VoiceKit.Audio;
using VoiceKit.Cli.Turns;
using VoiceKit.Turns;

namespace VoiceKit.TurnEval;

/// <summary>Generates the evaluation set into a directory and scores every condition.</summary>
internal static class Evaluation
{
    public static IReadOnlyList<ConditionResult> Run(string outDirectory, bool quick, TextWriter log, out int callCount)
    {
        var clock = Stopwatch.StartNew();
        Directory.CreateDirectory(outDirectory);
        var sources = new SpeechSources(Path.Combine(outDirectory, "cache"));
        var calls = new EvalSetGenerator(sources).Generate(quick);
        log.WriteLine($"generated {calls.Count} calls in {clock.Elapsed.TotalSeconds:F1} s");

        // Babble: six talkers, each the phrases of one synthetic voice (or the recordings) end to end.
        var talkers = EvalSetGenerator.SyntheticVoices.Where(v => SpeechSources.HasTool(v.Engine)).Skip(2).Take(5)
            .Select(v => new[] { "I was wondering if you could check the status of my refund.", "The card was charged twice, I only bought one ticket.", "My account number is seven seven two zero four one." }
                .SelectMany(t => sources.Synthesise(v, t).Samples).ToArray())
            .Concat(SpeechSources.HasPocketsphinx ? [sources.Recordings().SelectMany(p => p.Samples).ToArray()] : [])
            .ToList();
        var babble16 = NoiseMixer.Babble(talkers, 16_000 * 30, seed: 7);
        var babble8 = Signal.Resample(babble16, 16_000, 8_000);

        var json = new JsonSerializerOptions { WriteIndented = false };
        var results = new List<ConditionResult>();
        var silences = new[] { 300, 500, 800 };
        foreach (var condition in Condition.All(quick))
        {
            var rate = condition.SampleRate;
            var vadScore = new VadScore();
            var engine = new TurnScore();
            var baselines = silences.ToDictionary(n => n, _ => new TurnScore());
            foreach (var call in calls)
            {
                var clean = Signal.Resample(call.Clean, 16_000, rate);
                var mask = new bool[clean.Length];
                foreach (var segment in call.Labels.Speech)
                {
                    for (var i = segment.StartMs * rate / 1000; i < Math.Min(mask.Length, segment.EndMs * rate / 1000); i++)
                    {
                        mask[i] = true;
                    }
                }

                // string.GetHashCode is randomised per process; the set must be the same on every run.
                var seed = (StableHash(call.Id) & 0xffff) ^ condition.Name.Length;
                var audio = NoiseMixer.Mix(clean, mask, condition.Noise, condition.SnrDb, rate == 16_000 ? babble16 : babble8, seed);
                var directory = Path.Combine(outDirectory, condition.Name, call.Id);
                Directory.CreateDirectory(directory);
                if (condition.MuLaw)
                {
                    audio = Signal.MuLawRoundTrip(audio, out var encoded);
                    WavFile.WriteFile(Path.Combine(directory, "call.wav"), AudioFormat.Telephony, encoded);
                }
                else
                {
                    WavFile.WriteFile(Path.Combine(directory, "call.wav"), AudioFormat.Pcm16(rate), MemoryMarshal.AsBytes(audio.AsSpan()));
                }

                File.WriteAllText(Path.Combine(directory, "words.json"), JsonSerializer.Serialize(call.Words, json));
                File.WriteAllText(Path.Combine(directory, "agent.json"), JsonSerializer.Serialize(call.Agent, json));
                File.WriteAllText(Path.Combine(directory, "labels.json"), JsonSerializer.Serialize(call.Labels, json));

                var vad = new AdaptiveVoiceActivityDetector(rate);
                var frame = rate / 50;
                var probabilities = new float[audio.Length / frame];
                for (var f = 0; f < probabilities.Length; f++)
                {
                    probabilities[f] = vad.Process(audio.AsSpan(f * frame, frame));
                }

                vadScore.Add(probabilities, 20, call.Labels.Speech);
                engine.Add(TurnRunner.Run(audio, rate, call.Words, call.Agent, new TurnRunOptions()), call.Labels);
                foreach (var n in silences)
                {
                    baselines[n].Add(SilenceTimerBaseline.Run(probabilities, 20, call.Agent, n), call.Labels);
                }
            }

            results.Add(new ConditionResult(condition, vadScore, engine, baselines));
            log.WriteLine($"{condition.Name}: VAD F1 {vadScore.F1:F3}, EOT median {engine.MedianDelay} ms ({clock.Elapsed.TotalSeconds:F0} s)");
        }

        callCount = calls.Count;
        return results;
    }

    /// <summary>FNV-1a: the same value in every process, unlike <see cref="string.GetHashCode()"/>.</summary>
    private static int StableHash(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash & 0x7fffffff);
    }
}
