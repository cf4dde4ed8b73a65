using VoiceKit.Cli.Turns;

namespace VoiceKit.TurnEval;

/// <summary>
/// The baseline: a silence timer on the same detector's probabilities (speech when p ≥ 0.5, 20 ms frames). End of turn
/// after <c>silenceMs</c> of continuous non-speech following caller speech; interruption after 300 ms of continuous
/// speech while the agent speaks. Speech that starts while the agent speaks opens a turn only once it interrupts.
/// </summary>
internal static class SilenceTimerBaseline
{
    public const int InterruptionSpeechMs = 300;

    public static IReadOnlyList<TurnEventRecord> Run(float[] probabilities, int frameMs, IReadOnlyList<AgentSpan> agent, int silenceMs)
    {
        var events = new List<TurnEventRecord>();
        var inTurn = false;
        var silence = 0;
        var speechRun = 0;
        for (var f = 0; f < probabilities.Length; f++)
        {
            var t = (f + 1) * frameMs;
            var agentSpeaking = agent.Any(a => t > a.StartMs && t <= a.EndMs);
            var speech = probabilities[f] >= 0.5f;
            speechRun = speech ? speechRun + frameMs : 0;
            if (speech)
            {
                silence = 0;
                if (!inTurn && agentSpeaking && speechRun >= InterruptionSpeechMs)
                {
                    events.Add(new TurnEventRecord(t, "interruption"));
                    inTurn = true;
                }
                else if (!inTurn && !agentSpeaking)
                {
                    inTurn = true;
                }
            }
            else if (inTurn)
            {
                silence += frameMs;
                if (silence >= silenceMs)
                {
                    events.Add(new TurnEventRecord(t, "end_of_turn"));
                    inTurn = false;
                }
            }
        }

        return events;
    }
}
