namespace VoiceKit.ElevenLabs;

/// <summary>Creates VoiceKit providers backed by ElevenLabs.</summary>
public static class ElevenLabsExtensions
{
    /// <summary>
    /// Creates a streaming synthesiser on ElevenLabs' <c>stream-input</c> WebSocket. The options are validated and copied.
    /// The synthesiser is a thread-safe factory: each <see cref="ITextToSpeech.StartAsync"/> hands one socket to the
    /// returned stream, which owns and closes it. With <see cref="ElevenLabsTextToSpeechOptions.WarmConnection"/> the
    /// synthesiser also holds one pre-connected socket; dispose the synthesiser (it is <see cref="IAsyncDisposable"/>
    /// and <see cref="IDisposable"/>) to close it.
    /// </summary>
    /// <param name="options">The settings.</param>
    /// <returns>The synthesiser.</returns>
    /// <exception cref="InvalidOperationException">The options are invalid.</exception>
    public static ITextToSpeech AsElevenLabsTextToSpeech(this ElevenLabsTextToSpeechOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return new ElevenLabsTextToSpeech(options.Clone());
    }
}
