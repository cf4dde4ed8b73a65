namespace VoiceKit.Turns;

/// <summary>Why the turn engine decided that the caller finished.</summary>
public enum EndOfTurnReason
{
    /// <summary>Not an end-of-turn event.</summary>
    None = 0,

    /// <summary>The transcript looked complete, so the short delay applied.</summary>
    TranscriptComplete = 1,

    /// <summary>The transcript said nothing either way (or there was none), so the default delay applied.</summary>
    Silence = 2,

    /// <summary>The transcript looked unfinished, but the caller stayed silent for the long delay.</summary>
    IncompleteTimeout = 3,

    /// <summary>The speech-to-text service marked the end of an utterance and the transcript did not look unfinished.</summary>
    SpeechToTextEndpoint = 4,

    /// <summary>The hard cap on endpointing delay was reached.</summary>
    MaxDelay = 5,
}
