namespace VoiceKit.Samples.Console;

/// <summary>One thing the caller says: when, in how many parts, and how long the pause between parts is.</summary>
/// <param name="Cue">When the caller starts speaking.</param>
/// <param name="Parts">The words, in parts spoken with <paramref name="PauseBetweenParts"/> of silence between them.</param>
/// <param name="PauseBetweenParts">The pause inside the line (a breath, a look at the paperwork).</param>
internal sealed record CallerLine(CallerCue Cue, IReadOnlyList<string> Parts, TimeSpan PauseBetweenParts = default);
