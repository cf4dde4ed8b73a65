namespace VoiceKit.Samples.Console.Reporting;

/// <summary>
/// Everything the demo keeps of one call, for the reports written at its end: the events the call published (in
/// order), its summary, the stereo recording (caller left, agent right), and which engines took part.
/// </summary>
/// <param name="Title">A one-line name for the call, e.g. "Acme Parcels: where is my order?".</param>
/// <param name="Engines">What played each part, e.g. "speech-to-text" → "PocketSphinx (offline)"; shown in the reports.</param>
/// <param name="StartedAt">Wall-clock time the call started; event times are relative to it.</param>
/// <param name="Events">Every event the call published, in order (from <see cref="VoiceCall.ReadEventsAsync"/>).</param>
/// <param name="Summary">The call's summary.</param>
/// <param name="RecordingPath">The stereo WAV written through <see cref="VoiceAgentOptions.Recording"/>.</param>
internal sealed record CallRecord(
    string Title,
    IReadOnlyDictionary<string, string> Engines,
    DateTimeOffset StartedAt,
    IReadOnlyList<CallEvent> Events,
    CallSummary Summary,
    string RecordingPath);
