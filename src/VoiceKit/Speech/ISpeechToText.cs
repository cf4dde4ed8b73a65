using VoiceKit.Audio;

namespace VoiceKit;

/// <summary>
/// A streaming speech recogniser: opens one <see cref="ISpeechToTextStream"/> per call. Implementations are thread-safe
/// factories; adapters such as VoiceKit.Deepgram implement it, and <c>AsSpeechToText()</c> bridges a
/// Microsoft.Extensions.AI <c>ISpeechToTextClient</c>.
/// </summary>
public interface ISpeechToText
{
    /// <summary>Chooses the audio format to send, given the call's format. Return the call's own format when it is accepted, so phone audio stays 8 kHz mu-law and nothing is transcoded.</summary>
    /// <param name="callFormat">The format the transport delivers.</param>
    /// <returns>The format <see cref="StartAsync"/> should be opened with.</returns>
    AudioFormat SelectInputFormat(AudioFormat callFormat);

    /// <summary>Opens a recognition stream for one call.</summary>
    /// <param name="format">The audio format that will be sent, from <see cref="SelectInputFormat"/>.</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <returns>The stream; the caller owns it and disposes it when the call ends.</returns>
    ValueTask<ISpeechToTextStream> StartAsync(AudioFormat format, CancellationToken cancellationToken = default);
}
