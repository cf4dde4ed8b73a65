namespace VoiceKit.Deepgram;

/// <summary>Creates VoiceKit providers backed by Deepgram.</summary>
public static class DeepgramExtensions
{
    /// <summary>
    /// Creates a streaming recogniser on Deepgram's <c>/v1/listen</c> WebSocket. The options are validated and copied.
    /// The recogniser is a thread-safe factory holding no connections; each <see cref="ISpeechToText.StartAsync"/> opens one
    /// socket, owned by the returned stream and closed when that stream is disposed.
    /// </summary>
    /// <param name="options">The settings.</param>
    /// <returns>The recogniser.</returns>
    /// <exception cref="InvalidOperationException">The options are invalid.</exception>
    public static ISpeechToText AsDeepgramSpeechToText(this DeepgramSpeechToTextOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return new DeepgramSpeechToText(options.Clone());
    }

    /// <summary>
    /// Creates a streaming synthesiser on Deepgram Aura's <c>/v1/speak</c> WebSocket. The options are validated and
    /// copied. The synthesiser is a thread-safe factory that keeps a few open idle sockets between replies (so the next
    /// reply skips the handshake); each <see cref="ITextToSpeech.StartAsync"/> stream owns its socket until disposed.
    /// The returned object is also <see cref="IAsyncDisposable"/>: dispose it (or let the DI container) to close the idle sockets.
    /// </summary>
    /// <param name="options">The settings.</param>
    /// <returns>The synthesiser.</returns>
    /// <exception cref="InvalidOperationException">The options are invalid.</exception>
    public static ITextToSpeech AsDeepgramTextToSpeech(this DeepgramTextToSpeechOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return new DeepgramTextToSpeech(options.Clone());
    }
}
