namespace VoiceKit.Cli.Turns;

/// <summary>One decision of the turn engine, as <c>voicekit turns</c> prints it.</summary>
/// <param name="TimeMs">When the engine decided, in milliseconds from the start of the file.</param>
/// <param name="Event">speech_start, speech_end, end_of_turn, interruption, resume or idle.</param>
/// <param name="Reason">For end_of_turn: transcript_complete, silence, incomplete_timeout, stt_endpoint or max_delay.</param>
/// <param name="DelayMs">For end_of_turn: time from the caller's last speech to the decision.</param>
/// <param name="Text">For end_of_turn: the simulated transcript of the turn, when words were given.</param>
/// <param name="SpeechMs">For speech_end and interruption: how long the caller had been speaking.</param>
public sealed record TurnEventRecord(int TimeMs, string Event, string? Reason = null, int? DelayMs = null, string? Text = null, int? SpeechMs = null);
