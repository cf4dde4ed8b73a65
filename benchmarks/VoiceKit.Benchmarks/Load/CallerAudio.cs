using VoiceKit.Audio;
using VoiceKit.Testing.Internal;

namespace VoiceKit.Benchmarks.Load;

/// <summary>
/// Pre-generated 8 kHz mu-law caller audio shared by every simulated call: one spoken phrase (the speech-like voice of
/// VoiceKit.Testing at −20 dBFS over −70 dBFS line noise) and a loop of line noise for silence. Generated once, so the
/// driver only copies 160-byte frames.
/// </summary>
internal sealed class CallerAudio
{
    public const int FrameMilliseconds = 20;
    public const int FrameBytes = 160; // 20 ms of 8 kHz mu-law
    private const int SampleRate = 8000;

    private CallerAudio(string phrase, byte[] speech, byte[] noise, (string Text, TimeSpan Start, TimeSpan End)[] words)
    {
        Phrase = phrase;
        Speech = speech;
        Noise = noise;
        Words = words;
    }

    /// <summary>The words of the phrase.</summary>
    public string Phrase { get; }

    /// <summary>The phrase, <see cref="SpeechFrames"/> frames of mu-law.</summary>
    public byte[] Speech { get; }

    /// <summary>Line noise, <see cref="NoiseFrames"/> frames of mu-law, played in a loop.</summary>
    public byte[] Noise { get; }

    /// <summary>Each word and where it sits in <see cref="Speech"/>, for <c>FakeSpeechToText.Expect</c>.</summary>
    public (string Text, TimeSpan Start, TimeSpan End)[] Words { get; }

    public int SpeechFrames => Speech.Length / FrameBytes;

    public int NoiseFrames => Noise.Length / FrameBytes;

    public ReadOnlySpan<byte> SpeechFrame(int index) => Speech.AsSpan(index * FrameBytes, FrameBytes);

    public ReadOnlySpan<byte> NoiseFrame(long index) => Noise.AsSpan((int)(index % NoiseFrames) * FrameBytes, FrameBytes);

    /// <summary>Makes the phrase <paramref name="phrase"/> spoken over <paramref name="speechDuration"/>.</summary>
    public static CallerAudio Create(string phrase, TimeSpan speechDuration)
    {
        const int samplesPerFrame = SampleRate * FrameMilliseconds / 1000;
        var speechFrames = (int)Math.Ceiling(speechDuration.TotalMilliseconds / FrameMilliseconds);
        var voice = new CallerVoice(SampleRate, speechDbfs: -20, noiseDbfs: -70, seed: 7);

        var speechSamples = new short[speechFrames * samplesPerFrame];
        voice.Noise(speechSamples);
        var voiced = voice.Speech(speechSamples.Length);
        for (var i = 0; i < speechSamples.Length; i++)
        {
            speechSamples[i] = (short)Math.Clamp(Math.Round(speechSamples[i] + voiced[i]), short.MinValue, short.MaxValue);
        }

        var noiseSamples = new short[50 * samplesPerFrame]; // 1 s loop
        voice.Noise(noiseSamples);

        var speech = new byte[speechSamples.Length];
        AudioCodec.Encode(AudioEncoding.MuLaw, speechSamples, speech);
        var noise = new byte[noiseSamples.Length];
        AudioCodec.Encode(AudioEncoding.MuLaw, noiseSamples, noise);

        // Words are timed by their characters' place in the phrase, as SimulatedCaller does.
        var duration = TimeSpan.FromMilliseconds(speechFrames * FrameMilliseconds);
        var words = new List<(string, TimeSpan, TimeSpan)>();
        var at = 0;
        foreach (var word in phrase.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var start = phrase.IndexOf(word, at, StringComparison.Ordinal);
            at = start + word.Length;
            words.Add((word, duration * start / phrase.Length, duration * at / phrase.Length));
        }

        return new CallerAudio(phrase, speech, noise, [.. words]);
    }
}
