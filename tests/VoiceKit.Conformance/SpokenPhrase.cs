namespace VoiceKit.Conformance;

/// <summary>
/// A phrase as a caller says it: 8 kHz mu-law audio and where each word's audio lies in it. Made by
/// <see cref="ScriptedSpeech.Say"/>; a <see cref="ScriptedRecognizer"/> that has learnt it hears exactly the words whose
/// audio it receives intact.
/// </summary>
public sealed class SpokenPhrase
{
    internal SpokenPhrase(string text, string[] words, byte[] audio, (int Start, int End)[] spans)
    {
        Text = text;
        Words = words;
        Audio = audio;
        WordSpans = spans;
    }

    /// <summary>The phrase as scripted.</summary>
    public string Text { get; }

    /// <summary>Its words, lower case, punctuation removed: what a recogniser should return.</summary>
    public IReadOnlyList<string> Words { get; }

    /// <summary>The audio, 8 kHz mu-law (<see cref="VoiceKit.Audio.AudioFormat.Telephony"/>).</summary>
    public byte[] Audio { get; }

    /// <summary>Byte range of each word in <see cref="Audio"/>.</summary>
    public IReadOnlyList<(int Start, int End)> WordSpans { get; }

    /// <summary>The words joined by single spaces.</summary>
    public string Transcript => string.Join(' ', Words);
}
