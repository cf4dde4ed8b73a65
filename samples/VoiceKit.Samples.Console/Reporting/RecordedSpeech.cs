namespace VoiceKit.Samples.Console.Reporting;

/// <summary>Who spoke when in a call recording, measured from its audio: enough to draw the call without the WAV.</summary>
/// <param name="Duration">Length of the recording, in seconds.</param>
/// <param name="Caller">Speech on the caller's channel (left), in order, not overlapping.</param>
/// <param name="Agent">Speech on the agent's channel (right), in order, not overlapping.</param>
internal sealed record RecordedSpeech(double Duration, IReadOnlyList<SpeechInterval> Caller, IReadOnlyList<SpeechInterval> Agent)
{
    /// <summary>No recording: nothing measured.</summary>
    public static RecordedSpeech None { get; } = new(0, [], []);
}
