using Microsoft.Extensions.AI;
using VoiceKit.Audio;

namespace VoiceKit;

/// <summary>Bridges Microsoft.Extensions.AI's batch speech clients to VoiceKit's streaming ports.</summary>
public static class SpeechClientExtensions
{
    /// <summary>
    /// Uses a batch speech-to-text client as the agent's recogniser. Audio is sent as mono PCM16 WAV, one request per
    /// utterance as the turn engine cuts them, so there are finals but no interim results: turns end on the final.
    /// </summary>
    /// <param name="client">The client (OpenAI Whisper, Azure, a local server...).</param>
    /// <param name="options">Options for every request (model, language).</param>
    /// <returns>The recogniser.</returns>
    public static ISpeechToText AsSpeechToText(this ISpeechToTextClient client, SpeechToTextOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        return new SpeechToTextClientBridge(client, options);
    }

    /// <summary>
    /// Uses a text-to-speech client as the agent's synthesiser: one streaming request per clause. A WAV header at the
    /// start of a response is removed.
    /// </summary>
    /// <param name="client">The client.</param>
    /// <param name="producedFormat">The raw audio format the client returns with <paramref name="options"/> (for example PCM16 at 24 kHz).</param>
    /// <param name="options">Options for every request (voice, format).</param>
    /// <returns>The synthesiser.</returns>
    public static ITextToSpeech AsTextToSpeech(this ITextToSpeechClient client, AudioFormat producedFormat, TextToSpeechOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (!producedFormat.IsValid)
        {
            throw new ArgumentException("Say which audio format the client produces.", nameof(producedFormat));
        }

        return new TextToSpeechClientBridge(client, producedFormat, options);
    }
}
