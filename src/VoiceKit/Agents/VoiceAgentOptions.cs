using VoiceKit.Turns;

namespace VoiceKit;

/// <summary>How the agent conducts a call. Defaults suit phone calls; <see cref="Validate"/> runs when the agent is built.</summary>
public sealed class VoiceAgentOptions
{
    /// <summary>The system instructions: who the agent is and how it behaves.</summary>
    public string Instructions { get; set; } = "You are a helpful voice assistant on a phone call. Answer briefly, in plain spoken sentences.";

    /// <summary>What the agent says when it answers an inbound call; null to wait for the caller.</summary>
    public string? Greeting { get; set; }

    /// <summary>What the agent says first on a call it placed (outbound); null to wait for the callee.</summary>
    public string? OpeningLine { get; set; }

    /// <summary>Conversation messages kept for the model (instructions excluded); the oldest go first. Default 40.</summary>
    public int MaxHistoryMessages { get; set; } = 40;

    /// <summary>Turn-taking tuning.</summary>
    public TurnEngineOptions Turns { get; set; } = new();

    /// <summary>What the agent says when the caller has been silent for <see cref="TurnEngineOptions.IdleTimeout"/>.</summary>
    public string IdlePrompt { get; set; } = "Are you still there?";

    /// <summary>How many idle prompts before the agent says <see cref="IdleGoodbye"/> and hangs up. Default 2.</summary>
    public int IdlePromptsBeforeHangUp { get; set; } = 2;

    /// <summary>What the agent says before hanging up on a silent caller.</summary>
    public string IdleGoodbye { get; set; } = "I'll let you go now. Goodbye.";

    /// <summary>The longest a call may last; the agent says <see cref="MaxDurationGoodbye"/> and hangs up. Default 30 minutes.</summary>
    public TimeSpan MaxCallDuration { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>What the agent says when the call reaches <see cref="MaxCallDuration"/>.</summary>
    public string MaxDurationGoodbye { get; set; } = "We've reached the time limit for this call. Goodbye.";

    /// <summary>When a tool has run this long, the agent says a filler phrase so the caller never hears dead air. Default 1.5 s.</summary>
    public TimeSpan ToolFillerDelay { get; set; } = TimeSpan.FromMilliseconds(1500);

    /// <summary>Filler phrases, used in turn.</summary>
    public IList<string> FillerPhrases { get; } = new List<string> { "One moment while I check that.", "Still checking, thanks for waiting." };

    /// <summary>The longest a tool may run; then the model is told it timed out. Default 10 s.</summary>
    public TimeSpan ToolTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Model round trips with tool calls allowed per caller turn. Default 3.</summary>
    public int MaxToolRoundsPerTurn { get; set; } = 3;

    /// <summary>What the agent says if the language model or the synthesiser fails mid-reply.</summary>
    public string ErrorMessage { get; set; } = "Sorry, I'm having trouble right now. Could you say that again?";

    /// <summary>Whether to offer the model an <c>end_call</c> tool. Default true.</summary>
    public bool EnableEndCallTool { get; set; } = true;

    /// <summary>Where the <c>transfer_to_human</c> tool sends the call; null leaves the tool out.</summary>
    public string? TransferDestination { get; set; }

    /// <summary>What to do when an interruption turns out to be noise (no words): repeat the unheard rest, or drop it.</summary>
    public bool RepeatAfterFalseInterruption { get; set; } = true;

    /// <summary>Time after the last key press that ends a DTMF entry (a '#' ends it at once). Default 2 s.</summary>
    public TimeSpan DtmfEntryTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Opt-in call recording: returns a seekable stream for a call's stereo WAV (caller left, agent right, PCM16,
    /// time-aligned), or null not to record that call. The agent writes and disposes the stream.
    /// </summary>
    public Func<CallInfo, Stream?>? Recording { get; set; }

    /// <summary>Checks the options and throws with a message that says what to fix.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public void Validate()
    {
        static void Require(bool ok, string message)
        {
            if (!ok)
            {
                throw new ArgumentException($"Invalid VoiceAgentOptions: {message}");
            }
        }

        Require(!string.IsNullOrWhiteSpace(Instructions), "Instructions must not be empty; say who the agent is.");
        Require(MaxHistoryMessages >= 2, "MaxHistoryMessages must be at least 2.");
        Require(IdlePromptsBeforeHangUp >= 0, "IdlePromptsBeforeHangUp must not be negative.");
        Require(MaxCallDuration > TimeSpan.Zero, "MaxCallDuration must be positive.");
        Require(ToolFillerDelay > TimeSpan.Zero && ToolTimeout > TimeSpan.Zero, "ToolFillerDelay and ToolTimeout must be positive.");
        Require(FillerPhrases.Count > 0 && FillerPhrases.All(p => !string.IsNullOrWhiteSpace(p)), "FillerPhrases needs at least one non-empty phrase.");
        Require(MaxToolRoundsPerTurn >= 1, "MaxToolRoundsPerTurn must be at least 1.");
        Require(DtmfEntryTimeout > TimeSpan.Zero, "DtmfEntryTimeout must be positive.");
        Turns.Validate();
    }
}
