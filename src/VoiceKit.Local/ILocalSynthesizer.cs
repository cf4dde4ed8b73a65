namespace VoiceKit.Local;

/// <summary>An in-process synthesiser that turns one piece of text into PCM16 at a fixed rate, synchronously.</summary>
internal interface ILocalSynthesizer
{
    /// <summary>The rate of the samples <see cref="Synthesize"/> produces.</summary>
    int SampleRate { get; }

    /// <summary>Synthesises <paramref name="text"/> and hands the samples (valid only during the call) and their rate to <paramref name="consume"/>.</summary>
    T Synthesize<T>(string text, Func<ReadOnlySpan<short>, int, T> consume);
}
