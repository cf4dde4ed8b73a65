namespace VoiceKit.Cli;

/// <summary>The command line itself is wrong: a missing argument, an unknown option, a value that does not parse.</summary>
internal sealed class UsageException(string message) : Exception(message);
