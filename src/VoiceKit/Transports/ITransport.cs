using VoiceKit.Audio;

namespace VoiceKit;

/// <summary>
/// One call's connection to the caller: caller audio and key presses in, agent audio out (queued and paced by the
/// transport, which reports what has actually been played), and call control. Twilio Media Streams, a browser socket
/// and the in-memory transport of VoiceKit.Testing implement it.
/// </summary>
/// <remarks>
/// The session reads events from one loop and sends audio from another; implementations must allow those two to run
/// concurrently. The session owns the transport for the duration of <c>VoiceAgent.RunAsync</c> but does not dispose it.
/// </remarks>
public interface ITransport
{
    /// <summary>The audio format in both directions (8 kHz mu-law for phone calls).</summary>
    AudioFormat Format { get; }

    /// <summary>What is known about the call.</summary>
    CallInfo Call { get; }

    /// <summary>
    /// How much agent audio the caller has heard so far in the call: everything sent, less what is still queued and
    /// less what <see cref="ClearAsync"/> dropped. Never decreases.
    /// </summary>
    TimeSpan PlayedDuration { get; }

    /// <summary>Reads what the caller does, until the call ends.</summary>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <returns>Events in order; audio frames are owned by the reader.</returns>
    IAsyncEnumerable<TransportEvent> ReadEventsAsync(CancellationToken cancellationToken = default);

    /// <summary>Queues agent audio for playback. Returns once queued, not once played.</summary>
    /// <param name="audio">Audio in <see cref="Format"/>; copied before the call returns.</param>
    /// <param name="cancellationToken">Cancels queuing.</param>
    ValueTask SendAudioAsync(ReadOnlyMemory<byte> audio, CancellationToken cancellationToken = default);

    /// <summary>Drops agent audio not yet played (barge-in). When it returns, <see cref="PlayedDuration"/> counts only what was heard.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    ValueTask ClearAsync(CancellationToken cancellationToken = default);

    /// <summary>Ends the call.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    ValueTask HangUpAsync(CancellationToken cancellationToken = default);

    /// <summary>Hands the call to another number or address (a human).</summary>
    /// <param name="destination">Where to transfer: a phone number or a SIP address.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    ValueTask TransferAsync(string destination, CancellationToken cancellationToken = default);
}
