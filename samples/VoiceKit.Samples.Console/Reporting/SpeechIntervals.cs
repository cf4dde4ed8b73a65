using System.Buffers.Binary;
using System.Runtime.InteropServices;
using VoiceKit.Audio;

namespace VoiceKit.Samples.Console.Reporting;

/// <summary>
/// Finds who spoke when in a stereo call recording (caller left, agent right, as <see cref="VoiceAgentOptions.Recording"/>
/// writes it), from the energy of each channel in 20 ms windows.
/// </summary>
/// <remarks>
/// A window is speech when its level is well above the channel's own noise floor (and above an absolute floor, so a
/// silent channel stays silent). Runs of speech windows at most <see cref="MergeGap"/> apart are one interval, so the
/// short pauses between words do not split a sentence; what is left shorter than <see cref="MinimumSpeech"/> is a click
/// or a breath and is dropped. Starts and ends fall on window boundaries. One pass over the samples, one level per
/// window: a ten-minute call takes a few milliseconds.
/// </remarks>
internal static class SpeechIntervals
{
    /// <summary>The analysis window.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Pauses up to this long inside someone's speech do not end it: a synthesiser pauses up to half a second between
    /// sentences, and one reply should read as one bar; a pause a listener notices (the caller stopping mid-number) stays.
    /// </summary>
    public static readonly TimeSpan MergeGap = TimeSpan.FromMilliseconds(500);

    /// <summary>Speech shorter than this (after merging) is noise.</summary>
    public static readonly TimeSpan MinimumSpeech = TimeSpan.FromMilliseconds(60);

    /// <summary>How far above the channel's noise floor a window must be to count as speech.</summary>
    private const double AboveNoiseFloorDb = 15;

    /// <summary>The threshold is never below this level (a clean digital channel has no noise floor to measure).</summary>
    private const double LowestThresholdDb = -50;

    /// <summary>The threshold is never above this level, so a noisy line still shows the speech on it.</summary>
    private const double HighestThresholdDb = -30;

    /// <summary>Which share of the quietest windows makes the noise floor.</summary>
    private const double NoiseFloorPercentile = 0.1;

    /// <summary>The level of a window of digital silence, instead of minus infinity.</summary>
    private const float SilenceDb = -120;

    /// <summary>Measures a recording file; a missing file measures as <see cref="RecordedSpeech.None"/>.</summary>
    /// <exception cref="WavFormatException">The file is not a WAV file.</exception>
    public static RecordedSpeech MeasureFile(string path)
    {
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            return RecordedSpeech.None;
        }

        return Measure(WavFile.ReadFile(path));
    }

    /// <summary>Measures both channels of a recording; a mono recording is all caller.</summary>
    public static RecordedSpeech Measure(WavAudio audio)
    {
        ArgumentNullException.ThrowIfNull(audio);
        var caller = MeasureChannel(audio, 0);
        var agent = audio.Format.Channels > 1 ? MeasureChannel(audio, 1) : [];
        return new RecordedSpeech(Math.Round(audio.Duration.TotalSeconds, 3), caller, agent);
    }

    /// <summary>Measures one channel of a recording.</summary>
    public static IReadOnlyList<SpeechInterval> MeasureChannel(WavAudio audio, int channel)
    {
        ArgumentNullException.ThrowIfNull(audio);
        ArgumentOutOfRangeException.ThrowIfNegative(channel);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(channel, audio.Format.Channels);
        var levels = WindowLevels(audio, channel);
        return Detect(levels, Threshold(levels), audio.Duration.TotalSeconds);
    }

    /// <summary>The level of each <see cref="Window"/> of one channel, in dB relative to full scale.</summary>
    public static float[] WindowLevels(WavAudio audio, int channel)
    {
        ArgumentNullException.ThrowIfNull(audio);
        var format = audio.Format;
        var frames = audio.Data.Length / format.BlockAlign;
        var windowFrames = format.SamplesPer((int)Window.TotalMilliseconds);
        var levels = new float[(frames + windowFrames - 1) / windowFrames];
        var data = audio.Data.Span;
        for (var w = 0; w < levels.Length; w++)
        {
            var first = w * windowFrames;
            var count = Math.Min(windowFrames, frames - first);
            var start = (first * format.Channels) + channel;
            var sumOfSquares = format.Encoding switch
            {
                AudioEncoding.Pcm16 => SumOfSquares(MemoryMarshal.Cast<byte, short>(data), start, count, format.Channels),
                AudioEncoding.MuLaw => SumOfSquares(data, start, count, format.Channels, MuLaw.DecodeSample),
                _ => SumOfSquares(data, start, count, format.Channels, ALaw.DecodeSample),
            };
            var meanSquare = (double)sumOfSquares / count / (32768.0 * 32768.0);
            levels[w] = meanSquare > 0 ? (float)Math.Max(SilenceDb, 10 * Math.Log10(meanSquare)) : SilenceDb;
        }

        return levels;
    }

    private static long SumOfSquares(ReadOnlySpan<short> samples, int start, int count, int stride)
    {
        long sum = 0;
        for (int i = 0, index = start; i < count; i++, index += stride)
        {
            int sample = BitConverter.IsLittleEndian ? samples[index] : BinaryPrimitives.ReverseEndianness(samples[index]);
            sum += sample * sample;
        }

        return sum;
    }

    private static long SumOfSquares(ReadOnlySpan<byte> codes, int start, int count, int stride, Func<byte, short> decode)
    {
        long sum = 0;
        for (int i = 0, index = start; i < count; i++, index += stride)
        {
            int sample = decode(codes[index]);
            sum += sample * sample;
        }

        return sum;
    }

    /// <summary>The level above which a window of this channel is speech.</summary>
    public static double Threshold(ReadOnlySpan<float> levels)
    {
        if (levels.IsEmpty)
        {
            return HighestThresholdDb;
        }

        var sorted = levels.ToArray();
        Array.Sort(sorted);
        var noiseFloor = sorted[(int)((sorted.Length - 1) * NoiseFloorPercentile)];
        return Math.Clamp(noiseFloor + AboveNoiseFloorDb, LowestThresholdDb, HighestThresholdDb);
    }

    /// <summary>Turns window levels into speech intervals: windows above <paramref name="thresholdDb"/>, merged, clicks dropped.</summary>
    /// <param name="levels">One level per <see cref="Window"/>.</param>
    /// <param name="thresholdDb">The speech threshold.</param>
    /// <param name="duration">Length of the audio in seconds; the last interval ends there at the latest.</param>
    public static IReadOnlyList<SpeechInterval> Detect(ReadOnlySpan<float> levels, double thresholdDb, double duration)
    {
        var window = Window.TotalSeconds;
        var mergeWindows = (int)Math.Round(MergeGap / Window);
        var intervals = new List<SpeechInterval>();
        var start = -1;
        var lastLoud = -1;
        for (var w = 0; w <= levels.Length; w++)
        {
            var loud = w < levels.Length && levels[w] > thresholdDb;
            if (loud)
            {
                if (start < 0)
                {
                    start = w;
                }
                else if (w - lastLoud - 1 > mergeWindows)
                {
                    Add(intervals, start, lastLoud);
                    start = w;
                }

                lastLoud = w;
            }
        }

        if (start >= 0)
        {
            Add(intervals, start, lastLoud);
        }

        return intervals;

        void Add(List<SpeechInterval> list, int first, int last)
        {
            var interval = new SpeechInterval(Math.Round(first * window, 3), Math.Round(Math.Min((last + 1) * window, duration), 3));
            if (interval.Duration >= MinimumSpeech.TotalSeconds - 1e-9)
            {
                list.Add(interval);
            }
        }
    }
}
