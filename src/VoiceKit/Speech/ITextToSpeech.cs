using VoiceKit.Audio;

namespace VoiceKit;

/// <summary>
/// A streaming speech synthesiser: opens one <see cref="ITextToSpeechStream"/> per agent reply. Implementations are
/// thread-safe factories; adapters such as VoiceKit.ElevenLabs implement it, and <c>AsTextToSpeech()</c> bridges a
/// Microsoft.Extensions.AI <c>ITextToSpeechClient</c>.
/// </summary>
public interface ITextToSpeech
{
    /// <summary>Chooses the audio format to produce, given the call's format (8 kHz mu-law for phone calls when the provider can).</summary>
    /// <param name="callFormat">The format the transport plays.</param>
    /// <returns>The format <see cref="StartAsync"/> should be opened with.</returns>
    AudioFormat SelectOutputFormat(AudioFormat callFormat);

    /// <summary>Opens a synthesis stream for one reply.</summary>
    /// <param name="format">The audio format to produce, from <see cref="SelectOutputFormat"/>.</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <returns>The stream; the caller owns it. Disposing it abandons any speech not yet delivered (barge-in).</returns>
    ValueTask<ITextToSpeechStream> StartAsync(AudioFormat format, CancellationToken cancellationToken = default);
}
