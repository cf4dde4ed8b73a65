namespace VoiceKit;

/// <summary>What is known about a call when it starts: who called whom, and any custom parameters.</summary>
public sealed class CallInfo
{
    /// <summary>The transport's identifier for the call (for Twilio, the CallSid).</summary>
    public string CallId { get; init; } = Guid.NewGuid().ToString("N");

    /// <summary>The caller's number or address, when known.</summary>
    public string? From { get; init; }

    /// <summary>The number or address called, when known.</summary>
    public string? To { get; init; }

    /// <summary>Whether the agent placed the call (it speaks an opening line) rather than answered it (it greets).</summary>
    public bool IsOutbound { get; init; }

    /// <summary>Custom parameters the call was set up with (Twilio's &lt;Parameter&gt;s, for example).</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();
}
