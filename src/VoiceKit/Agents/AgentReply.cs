namespace VoiceKit;

/// <summary>
/// One agent reply: a unit of work with its own cancellation. The session starts it, the reply task streams the model
/// into the synthesiser and the synthesiser into the transport, and an interruption cancels all of it at once.
/// </summary>
internal sealed class AgentReply(int id, CancellationToken callToken) : IDisposable
{
    public int Id { get; } = id;

    public CancellationTokenSource Cancellation { get; } = CancellationTokenSource.CreateLinkedTokenSource(callToken);

    public SpokenSegments Segments { get; } = new();

    /// <summary>The caller turn this reply answers (for metrics); 0 for scripted lines.</summary>
    public int Turn { get; init; }

    /// <summary>Fixed text to speak without the model (greeting, idle prompt, repeat after a false interruption).</summary>
    public string? ScriptedText { get; init; }

    /// <summary>Hang up once this reply has played.</summary>
    public bool HangUpAfter { get; set; }

    /// <summary>The end reason to report when hanging up after this reply.</summary>
    public CallEndReason HangUpReason { get; set; } = CallEndReason.AgentHungUp;

    /// <summary>Transfer here once this reply has played.</summary>
    public string? TransferAfter { get; set; }

    public Task Task { get; set; } = Task.CompletedTask;

    /// <summary>The task sending synthesised audio to the transport; the only thing that may queue audio.</summary>
    public Task AudioPump { get; set; } = Task.CompletedTask;

    // Written by the reply task, read by the session after it learns of them through its queue.
    public bool FirstAudioQueued { get; set; }

    public bool Finished { get; set; }

    public TimeSpan CallerStoppedAt { get; init; }

    public TimeSpan EndOfUtteranceDelay { get; init; }

    public TimeSpan? SpeechToTextFinalDelay { get; set; }

    public TimeSpan? LanguageModelRequestAt { get; set; }

    public TimeSpan? LanguageModelFirstTokenAt { get; set; }

    public TimeSpan? TextToSpeechFirstTextAt { get; set; }

    public TimeSpan? TextToSpeechFirstAudioAt { get; set; }

    public TimeSpan? FirstAudioQueuedAt { get; set; }

    /// <summary>The turn's trace span, from the end of the caller's turn to the reply's end.</summary>
    public System.Diagnostics.Activity? Activity { get; set; }

    public void Dispose()
    {
        Activity?.Dispose();
        Cancellation.Dispose();
    }
}
