namespace VoiceKit.Turns;

/// <summary>
/// Estimates, frame by frame, how likely it is that a person is speaking. The turn engine calls it fifty times a
/// second per call, so implementations must not allocate per frame.
/// </summary>
/// <remarks>
/// An instance holds per-stream state (noise floor, filter memory) and belongs to one call; it is not thread-safe.
/// A model-based detector (for example Silero through ONNX Runtime) implements this interface and buffers internally
/// if its model wants a different window; the engine needs nothing else.
/// </remarks>
public interface IVoiceActivityDetector
{
    /// <summary>The sample rate of the frames passed to <see cref="Process"/>, in hertz.</summary>
    int SampleRate { get; }

    /// <summary>Scores one frame of mono PCM16 audio.</summary>
    /// <param name="frame">10, 20 or 30 ms of audio at <see cref="SampleRate"/>.</param>
    /// <returns>The probability, from 0 to 1, that the frame holds speech.</returns>
    float Process(ReadOnlySpan<short> frame);

    /// <summary>Forgets everything learned about the stream, as if newly created.</summary>
    void Reset();

    /// <summary>
    /// How long the detector's score typically stays at or above 0.5 after speech really ends (its own hangover). The
    /// turn engine adds it back when it reports how long ago the caller stopped, so latency figures start at the
    /// acoustic end of speech. Default zero.
    /// </summary>
    TimeSpan SpeechEndLag => TimeSpan.Zero;
}
