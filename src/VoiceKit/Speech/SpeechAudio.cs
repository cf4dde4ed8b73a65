namespace VoiceKit;

/// <summary>A piece of synthesised speech.</summary>
/// <param name="Audio">Audio in the format the stream was opened with. Valid until the next item is read.</param>
/// <param name="Segment">
/// Which text segment (0 for the first <see cref="ITextToSpeechStream.SendTextAsync"/>, and so on) this audio speaks, or
/// -1 when the provider cannot say. The session maps playback back to text with it.
/// </param>
public readonly record struct SpeechAudio(ReadOnlyMemory<byte> Audio, int Segment = -1);
