using VoiceKit.Turns;

namespace VoiceKit;

/// <summary>Something that happened on a call, for logs and live views. Subclasses say what.</summary>
/// <param name="Time">When, from the start of the call.</param>
public abstract record CallEvent(TimeSpan Time);

/// <summary>The caller said something (final text of a turn).</summary>
/// <param name="Time">When the turn ended.</param>
/// <param name="Text">What the recogniser heard.</param>
public sealed record CallerSpokeEvent(TimeSpan Time, string Text) : CallEvent(Time);

/// <summary>The agent finished speaking a reply, or was cut off; <paramref name="Text"/> is what the caller actually heard.</summary>
/// <param name="Time">When the agent stopped.</param>
/// <param name="Text">The heard text.</param>
/// <param name="Interrupted">Whether the caller cut the agent off.</param>
public sealed record AgentSpokeEvent(TimeSpan Time, string Text, bool Interrupted) : CallEvent(Time);

/// <summary>The turn engine made a decision (speech started/stopped, end of turn, interruption, resume, idle).</summary>
/// <param name="Time">When.</param>
/// <param name="Turn">The decision.</param>
public sealed record TurnDecisionEvent(TimeSpan Time, TurnEvent Turn) : CallEvent(Time);

/// <summary>A tool ran.</summary>
/// <param name="Time">When it finished.</param>
/// <param name="Name">The tool.</param>
/// <param name="Arguments">Its arguments as JSON.</param>
/// <param name="Result">What it returned, or the error told to the model.</param>
/// <param name="Elapsed">How long it ran.</param>
/// <param name="Failed">Whether it failed or timed out.</param>
public sealed record ToolCalledEvent(TimeSpan Time, string Name, string Arguments, string Result, TimeSpan Elapsed, bool Failed) : CallEvent(Time);

/// <summary>An agent turn's latencies.</summary>
/// <param name="Time">When the first audio was queued.</param>
/// <param name="Metrics">The figures.</param>
public sealed record TurnMetricsEvent(TimeSpan Time, TurnMetrics Metrics) : CallEvent(Time);

/// <summary>The caller pressed keys.</summary>
/// <param name="Time">When the entry ended.</param>
/// <param name="Digits">The keys.</param>
public sealed record DtmfEvent(TimeSpan Time, string Digits) : CallEvent(Time);

/// <summary>A provider failed; the call goes on.</summary>
/// <param name="Time">When.</param>
/// <param name="Error">What failed.</param>
public sealed record ProviderErrorEvent(TimeSpan Time, Exception Error) : CallEvent(Time);

/// <summary>The call ended.</summary>
/// <param name="Time">When.</param>
/// <param name="Summary">What happened.</param>
public sealed record CallEndedEvent(TimeSpan Time, CallSummary Summary) : CallEvent(Time);
