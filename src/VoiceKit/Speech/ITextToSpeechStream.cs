namespace VoiceKit;

/// <summary>
/// One reply's synthesis: text in as the language model streams it, audio out as soon as it is ready. One writer and
/// one reader, which may run concurrently. To cancel (barge-in), stop reading and dispose the stream.
/// </summary>
public interface ITextToSpeechStream : IAsyncDisposable
{
    /// <summary>Sends the next segment of text (a clause, usually). Segments are numbered from 0 in the order sent.</summary>
    /// <param name="text">Text to speak, continuing the reply.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    ValueTask SendTextAsync(string text, CancellationToken cancellationToken = default);

    /// <summary>Says that the reply's text is complete: speak what is pending, then end the audio.</summary>
    /// <param name="cancellationToken">Cancels the flush.</param>
    ValueTask FlushAsync(CancellationToken cancellationToken = default);

    /// <summary>Reads audio until the reply has been spoken (after <see cref="FlushAsync"/>).</summary>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <returns>Audio in order.</returns>
    IAsyncEnumerable<SpeechAudio> ReadAudioAsync(CancellationToken cancellationToken = default);
}
