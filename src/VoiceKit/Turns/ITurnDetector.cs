namespace VoiceKit.Turns;

/// <summary>
/// Judges from the words so far whether the caller has finished their turn. The turn engine asks it whenever the
/// transcript changes and picks a short or long endpointing delay from the answer.
/// </summary>
/// <remarks>
/// Called on the call's own loop, so an implementation must answer quickly (well under a frame, 20 ms) and must not
/// block. A model-based classifier plugs in here; <see cref="TranscriptTurnDetector"/> is the built-in heuristic.
/// </remarks>
public interface ITurnDetector
{
    /// <summary>Estimates the probability that the caller's turn is complete.</summary>
    /// <param name="callerText">What the caller said this turn, as transcribed so far.</param>
    /// <param name="agentText">What the agent said last (for example, a yes/no question), or empty.</param>
    /// <returns>A probability from 0 (clearly unfinished) to 1 (clearly finished); 0.5 when there is no telling.</returns>
    float GetEndOfTurnProbability(ReadOnlySpan<char> callerText, ReadOnlySpan<char> agentText);
}
