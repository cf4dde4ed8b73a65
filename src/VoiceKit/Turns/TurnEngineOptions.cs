namespace VoiceKit.Turns;

/// <summary>
/// Tuning for the <see cref="TurnEngine"/>. The defaults are chosen for phone calls; see docs/turn-taking.md for how
/// they were measured and how to tune them on your own recordings with <c>voicekit turns</c>.
/// </summary>
public sealed class TurnEngineOptions
{
    /// <summary>Speech probability at or above which a frame starts speech. Default 0.5.</summary>
    public float SpeechThreshold { get; set; } = 0.5f;

    /// <summary>Speech probability at or above which a frame continues speech already under way (hysteresis). Default 0.35.</summary>
    public float SpeechContinueThreshold { get; set; } = 0.35f;

    /// <summary>Speech needed before the engine reports <see cref="TurnEventKind.SpeechStarted"/>; shorter bursts are clicks. Default 60 ms.</summary>
    public TimeSpan MinSpeechDuration { get; set; } = TimeSpan.FromMilliseconds(60);

    /// <summary>Silence after which speech counts as stopped. Default 120 ms, longer than the gaps inside words.</summary>
    public TimeSpan SpeechEndSilence { get; set; } = TimeSpan.FromMilliseconds(120);

    /// <summary>
    /// Endpointing delay after the last speech when the transcript looks complete. Default 250 ms: shorter cuts the
    /// 200-250 ms breaths callers take between sentences.
    /// </summary>
    public TimeSpan ShortEndpointDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Endpointing delay when there is no telling from the transcript, or no transcript at all. Default 600 ms.</summary>
    public TimeSpan DefaultEndpointDelay { get; set; } = TimeSpan.FromMilliseconds(600);

    /// <summary>Endpointing delay when the transcript clearly continues ("and", "um", "my number is four one five"). Default 1,600 ms.</summary>
    public TimeSpan LongEndpointDelay { get; set; } = TimeSpan.FromMilliseconds(1600);

    /// <summary>The most the engine ever waits after the last speech, whatever the transcript says. Default 2,500 ms.</summary>
    public TimeSpan MaxEndpointDelay { get; set; } = TimeSpan.FromMilliseconds(2500);

    /// <summary>
    /// How long to wait for the transcript to catch up with the end of speech before judging it: until an update arrives
    /// after the speech stopped (or this much time passes), the default delay applies. Default 300 ms.
    /// </summary>
    public TimeSpan TranscriptLag { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary>Probability from the <see cref="TurnDetector"/> at or above which the short delay applies. Default 0.75.</summary>
    public float CompleteThreshold { get; set; } = 0.75f;

    /// <summary>Probability from the <see cref="TurnDetector"/> at or below which the long delay applies. Default 0.3.</summary>
    public float IncompleteThreshold { get; set; } = 0.3f;

    /// <summary>Judges transcripts; <c>null</c> means the built-in <see cref="TranscriptTurnDetector"/>.</summary>
    public ITurnDetector? TurnDetector { get; set; }

    /// <summary>Speech over the agent needed, together with <see cref="InterruptionMinWords"/>, to interrupt. Default 200 ms.</summary>
    public TimeSpan InterruptionMinSpeech { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Words, other than backchannels, needed to interrupt. Default 1.</summary>
    public int InterruptionMinWords { get; set; } = 1;

    /// <summary>
    /// Speech over the agent that interrupts even without words: the path for calls without a transcript and for a slow
    /// recogniser. Longer than a drawn-out "mm-hmm" (which can last most of a second). Default 1,200 ms.
    /// </summary>
    public TimeSpan InterruptionWithoutWords { get; set; } = TimeSpan.FromMilliseconds(1200);

    /// <summary>
    /// After an interruption, how long to wait for words other than backchannels; none means it was a false
    /// interruption and the engine reports <see cref="TurnEventKind.Resume"/>. Only applies once the call has produced
    /// any transcript. Default 1,500 ms.
    /// </summary>
    public TimeSpan FalseInterruptionTimeout { get; set; } = TimeSpan.FromMilliseconds(1500);

    /// <summary>Caller audio is ignored for this long after the agent starts speaking (echo of the first syllable). Default 200 ms.</summary>
    public TimeSpan EchoGuardDuration { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Correlation between the caller's and the agent's level envelopes at or above which caller audio during agent
    /// speech is taken as echo. Needs agent audio through <see cref="TurnEngine.ProcessAgentAudio"/>. 0 turns it off.
    /// Default 0.85.
    /// </summary>
    public float EchoCorrelationThreshold { get; set; } = 0.85f;

    /// <summary>Words that acknowledge without taking the turn; they never interrupt the agent.</summary>
    public ICollection<string> Backchannels { get; } = new List<string>
    {
        "uh-huh", "uh", "huh", "uhhuh", "mhm", "mm", "mmm", "hmm", "mm-hmm", "mmhmm", "hm", "yeah", "yep", "yes", "yup", "ok",
        "okay", "right", "sure", "alright", "oh", "ah", "aha", "i", "see", "got", "it", "cool", "great", "wow", "really",
    };

    /// <summary>Silence from both sides after which the engine reports <see cref="TurnEventKind.CallerIdle"/> (and again after each further period). Default 8 s.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>Checks the options and throws with a message that says what to fix.</summary>
    /// <exception cref="ArgumentException">An option is out of range or inconsistent with another.</exception>
    public void Validate()
    {
        static void Require(bool ok, string message)
        {
            if (!ok)
            {
                throw new ArgumentException($"Invalid TurnEngineOptions: {message}");
            }
        }

        Require(SpeechThreshold is > 0 and <= 1, $"SpeechThreshold must be in (0, 1]; it is {SpeechThreshold}.");
        Require(SpeechContinueThreshold > 0 && SpeechContinueThreshold <= SpeechThreshold, $"SpeechContinueThreshold must be in (0, SpeechThreshold]; it is {SpeechContinueThreshold}.");
        Require(MinSpeechDuration >= TimeSpan.Zero, "MinSpeechDuration must not be negative.");
        Require(SpeechEndSilence > TimeSpan.Zero, "SpeechEndSilence must be positive.");
        Require(ShortEndpointDelay >= SpeechEndSilence, $"ShortEndpointDelay ({ShortEndpointDelay.TotalMilliseconds} ms) must be at least SpeechEndSilence ({SpeechEndSilence.TotalMilliseconds} ms).");
        Require(ShortEndpointDelay <= DefaultEndpointDelay && DefaultEndpointDelay <= LongEndpointDelay && LongEndpointDelay <= MaxEndpointDelay,
            "endpoint delays must be ordered: ShortEndpointDelay <= DefaultEndpointDelay <= LongEndpointDelay <= MaxEndpointDelay.");
        Require(TranscriptLag >= TimeSpan.Zero, "TranscriptLag must not be negative.");
        Require(CompleteThreshold is >= 0 and <= 1 && IncompleteThreshold is >= 0 and <= 1 && IncompleteThreshold < CompleteThreshold,
            "thresholds must satisfy 0 <= IncompleteThreshold < CompleteThreshold <= 1.");
        Require(InterruptionMinSpeech >= TimeSpan.Zero, "InterruptionMinSpeech must not be negative.");
        Require(InterruptionMinWords >= 0, "InterruptionMinWords must not be negative.");
        Require(InterruptionWithoutWords >= InterruptionMinSpeech, "InterruptionWithoutWords must be at least InterruptionMinSpeech.");
        Require(FalseInterruptionTimeout > TimeSpan.Zero, "FalseInterruptionTimeout must be positive.");
        Require(EchoGuardDuration >= TimeSpan.Zero, "EchoGuardDuration must not be negative.");
        Require(EchoCorrelationThreshold is >= 0 and <= 1, "EchoCorrelationThreshold must be in [0, 1] (0 turns it off).");
        Require(IdleTimeout > TimeSpan.Zero, "IdleTimeout must be positive.");
    }
}
