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
}
