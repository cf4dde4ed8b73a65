namespace VoiceKit;

/// <summary>One message from a streaming recogniser.</summary>
/// <param name="Kind">What the update reports.</param>
/// <param name="Text">For interim and final updates, the transcript of the open segment; for errors, what went wrong; otherwise empty.</param>
/// <param name="IsEndpoint">For finals: the recogniser detected the end of speech after this segment (Deepgram's speech_final).</param>
public sealed record TranscriptUpdate(TranscriptUpdateKind Kind, string Text = "", bool IsEndpoint = false)
{
    /// <summary>Where the segment starts in the audio stream, when the recogniser says.</summary>
    public TimeSpan? Start { get; init; }

    /// <summary>How long the segment lasts, when the recogniser says.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>The recogniser's confidence from 0 to 1, when it says.</summary>
    public double? Confidence { get; init; }

    /// <summary>The provider's own message, for diagnostics.</summary>
    public object? RawRepresentation { get; init; }
}
