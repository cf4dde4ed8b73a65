namespace VoiceKit;

/// <summary>
/// One call's recognition: audio in, transcript updates out. <see cref="SendAudioAsync"/> is called by one writer (the
/// call's input loop) and <see cref="ReadUpdatesAsync"/> by one reader; the two may run concurrently.
/// </summary>
public interface ISpeechToTextStream : IAsyncDisposable
{
    /// <summary>Sends caller audio. The memory is only read during the call; the stream copies what it keeps.</summary>
    /// <param name="audio">Audio in the format the stream was opened with.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    ValueTask SendAudioAsync(ReadOnlyMemory<byte> audio, CancellationToken cancellationToken = default);

    /// <summary>Asks the recogniser for a final transcript of what it has now, without waiting for its own endpointing (Deepgram's Finalize).</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    ValueTask FinalizeAsync(CancellationToken cancellationToken = default);

    /// <summary>Reads transcript updates until the stream ends.</summary>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <returns>Updates in the order the recogniser sent them.</returns>
    IAsyncEnumerable<TranscriptUpdate> ReadUpdatesAsync(CancellationToken cancellationToken = default);
}
