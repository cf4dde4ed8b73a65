namespace VoiceKit;

/// <summary>
/// What a <see cref="TranscriptUpdate"/> reports. A string-backed value so that recognisers can add kinds of their own;
/// the session acts on the ones defined here and ignores others.
/// </summary>
/// <param name="Value">The kind's name.</param>
public readonly record struct TranscriptUpdateKind(string Value)
{
    /// <summary>A provisional transcript of the open segment; the next interim or final replaces it.</summary>
    public static TranscriptUpdateKind Interim { get; } = new("interim");

    /// <summary>The settled transcript of a segment.</summary>
    public static TranscriptUpdateKind Final { get; } = new("final");

    /// <summary>The recogniser heard speech begin (Deepgram's SpeechStarted).</summary>
    public static TranscriptUpdateKind SpeechStarted { get; } = new("speech_started");

    /// <summary>The recogniser judged the utterance over (Deepgram's UtteranceEnd).</summary>
    public static TranscriptUpdateKind UtteranceEnd { get; } = new("utterance_end");

    /// <summary>
    /// The recogniser failed on part of the audio (or sent a message that could not be read) but goes on;
    /// <see cref="TranscriptUpdate.Text"/> says what went wrong and <see cref="TranscriptUpdate.RawRepresentation"/> holds
    /// the exception (a <see cref="VoiceProviderException"/> from the adapters). The session reports it as a provider error.
    /// </summary>
    public static TranscriptUpdateKind Error { get; } = new("error");

    /// <inheritdoc />
    public override string ToString() => Value;
}
