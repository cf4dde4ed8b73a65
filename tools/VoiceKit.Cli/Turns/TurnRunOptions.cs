using VoiceKit.Turns;

namespace VoiceKit.Cli.Turns;

/// <summary>How <see cref="TurnRunner"/> simulates the recogniser and configures the engine.</summary>
public sealed record TurnRunOptions
{
    /// <summary>Latency of the simulated recogniser: each word arrives this long after it ends. Default 150 ms.</summary>
    public int SttDelayMs { get; init; } = 150;

    /// <summary>Silence after a word after which the simulated recogniser sends a final with its endpoint flag (Deepgram's endpointing). Default 300 ms.</summary>
    public int SttEndpointingMs { get; init; } = 300;

    /// <summary>The engine's tuning.</summary>
    public TurnEngineOptions Engine { get; init; } = new();

    /// <summary>Makes the voice activity detector for a sample rate; <c>null</c> for the built-in <see cref="AdaptiveVoiceActivityDetector"/>.</summary>
    public Func<int, IVoiceActivityDetector>? VoiceActivityDetector { get; init; }
}
