namespace VoiceKit.Samples.Console;

/// <summary>What the demo call produced.</summary>
/// <param name="Summary">The call's summary.</param>
/// <param name="Events">Every event of the call, in order.</param>
/// <param name="RecordingPath">The stereo WAV (caller left, agent right).</param>
/// <param name="TranscriptPath">The JSON transcript.</param>
/// <param name="TimelinePath">The HTML timeline.</param>
/// <param name="CallerWordErrorRate">Word error rate of everything the agent answered against everything the caller said.</param>
/// <param name="CallerWords">How many words the caller said.</param>
/// <param name="AnswerDelays">For each caller line the agent answered, from the caller's last sound to the agent's first, as the caller heard it.</param>
/// <param name="CallerFailure">Why the simulated caller stopped early (the agent stopped answering, or the demo was cancelled), if it did.</param>
/// <param name="Succeeded">Whether the call went as scripted: every line said, the order looked up, and the agent hung up.</param>
internal sealed record DemoResult(
    CallSummary Summary,
    IReadOnlyList<CallEvent> Events,
    string RecordingPath,
    string TranscriptPath,
    string TimelinePath,
    double CallerWordErrorRate,
    int CallerWords,
    IReadOnlyList<TimeSpan> AnswerDelays,
    Exception? CallerFailure,
    bool Succeeded);
