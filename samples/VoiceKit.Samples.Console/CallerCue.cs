namespace VoiceKit.Samples.Console;

/// <summary>When the caller starts a line: once the agent has finished speaking, or over the agent (a barge-in).</summary>
/// <param name="AgentAudible">For a barge-in, how long the caller listens to the agent first; null waits for the agent to finish.</param>
internal sealed record CallerCue(TimeSpan? AgentAudible)
{
    /// <summary>Waits for the agent to finish (and a natural gap), then speaks.</summary>
    public static CallerCue AfterAgentFinishes { get; } = new((TimeSpan?)null);

    /// <summary>Speaks over the agent after hearing it for <paramref name="agentAudible"/>.</summary>
    public static CallerCue WhileAgentSpeaks(TimeSpan agentAudible) => new(agentAudible);
}
