namespace VoiceKit.Testing;

/// <summary>Something that happened on an <see cref="InMemoryTransport"/>, for assertions.</summary>
/// <param name="Time">When it happened, measured on the transport's <see cref="TimeProvider"/> from the transport's creation.</param>
/// <param name="Kind">What happened.</param>
/// <param name="PlayedDuration">The transport's <see cref="InMemoryTransport.PlayedDuration"/> at that moment.</param>
/// <param name="Detail">The key pressed or the transfer destination; otherwise <see langword="null"/>.</param>
public sealed record TransportLogEntry(TimeSpan Time, TransportLogKind Kind, TimeSpan PlayedDuration, string? Detail = null)
{
    /// <summary>A compact line such as <c>00:00:01.2400 PlaybackStarted played=00:00:00</c>, for logs and snapshots.</summary>
    public override string ToString() =>
        Detail is null ? $"{Time:c} {Kind} played={PlayedDuration:c}" : $"{Time:c} {Kind} played={PlayedDuration:c} {Detail}";
}
