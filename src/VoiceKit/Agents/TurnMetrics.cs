namespace VoiceKit;

/// <summary>Latencies of one agent turn, from the caller stopping to the agent's first audio.</summary>
public sealed record TurnMetrics
{
    /// <summary>The turn's number in the call, from 1.</summary>
    public int Turn { get; init; }

    /// <summary>Caller's last speech to the end-of-turn decision.</summary>
    public TimeSpan EndOfUtteranceDelay { get; init; }

    /// <summary>Caller's last speech to the recogniser's final transcript, when one arrived.</summary>
    public TimeSpan? SpeechToTextFinalDelay { get; init; }

    /// <summary>Request to first text token of the language model.</summary>
    public TimeSpan? LanguageModelTimeToFirstToken { get; init; }

    /// <summary>First text sent to the synthesiser to its first audio.</summary>
    public TimeSpan? TextToSpeechTimeToFirstByte { get; init; }

    /// <summary>Caller's last speech to the first agent audio queued for the caller: what the caller feels.</summary>
    public TimeSpan? TurnLatency { get; init; }
}
