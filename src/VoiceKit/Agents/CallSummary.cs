namespace VoiceKit;

/// <summary>What happened on a call, for logs, billing and dashboards.</summary>
public sealed record CallSummary
{
    /// <summary>The transport's call identifier.</summary>
    public required string CallId { get; init; }

    /// <summary>How the call ended.</summary>
    public required CallEndReason EndReason { get; init; }

    /// <summary>How long the call lasted.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Caller turns the agent answered.</summary>
    public int Turns { get; init; }

    /// <summary>Times the caller interrupted the agent (false interruptions excluded).</summary>
    public int Interruptions { get; init; }

    /// <summary>Tool calls made.</summary>
    public int ToolCalls { get; init; }

    /// <summary>Tool calls that failed or timed out.</summary>
    public int ToolFailures { get; init; }

    /// <summary>Where the call was transferred, if it was.</summary>
    public string? TransferredTo { get; init; }

    /// <summary>Latencies per answered turn.</summary>
    public IReadOnlyList<TurnMetrics> TurnMetrics { get; init; } = [];

    /// <summary>The error that ended the call, for <see cref="CallEndReason.Error"/>.</summary>
    public Exception? Error { get; init; }
}
