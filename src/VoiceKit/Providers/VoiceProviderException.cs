namespace VoiceKit;

/// <summary>
/// A speech or language provider reported an error, sent something VoiceKit could not understand, or dropped the
/// connection. Adapters throw it (or report it as a <see cref="TranscriptUpdateKind.Error"/> update) instead of hanging;
/// bad credentials are an <see cref="System.Security.Authentication.AuthenticationException"/> instead.
/// </summary>
public class VoiceProviderException : Exception
{
    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public VoiceProviderException(string message)
        : this(message, provider: "unknown")
    {
    }

    /// <summary>Creates an exception with a message and its cause.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public VoiceProviderException(string message, Exception? innerException)
        : this(message, provider: "unknown", innerException: innerException)
    {
    }

    /// <summary>Creates an exception for a provider's error.</summary>
    /// <param name="message">What went wrong, in words an operator can act on. Never include credentials.</param>
    /// <param name="provider">The provider, such as <c>deepgram</c>, <c>elevenlabs</c> or <c>openai</c>.</param>
    /// <param name="errorCode">The provider's own code (<c>input_timeout_exceeded</c>, <c>NET-0001</c>, a close code), if any.</param>
    /// <param name="isTransient">Whether the same request may succeed if tried again (a dropped connection, a timeout).</param>
    /// <param name="innerException">The cause, if any.</param>
    public VoiceProviderException(string message, string provider, string? errorCode = null, bool isTransient = false, Exception? innerException = null)
        : base(message, innerException)
    {
        ArgumentException.ThrowIfNullOrEmpty(provider);
        Provider = provider;
        ErrorCode = errorCode;
        IsTransient = isTransient;
    }

    /// <summary>The provider that failed, such as <c>deepgram</c>.</summary>
    public string Provider { get; }

    /// <summary>The provider's own error code, if it sent one.</summary>
    public string? ErrorCode { get; }

    /// <summary>Whether the same request may succeed if tried again.</summary>
    public bool IsTransient { get; }
}
