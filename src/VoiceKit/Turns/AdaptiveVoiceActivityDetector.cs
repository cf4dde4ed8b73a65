using System.Runtime.CompilerServices;

namespace VoiceKit.Turns;

/// <summary>
/// A voice activity detector that needs no model file: it compares the energy of each frame, in two frequency bands,
/// with a noise floor it learns from the stream itself, so it follows stationary noise and is indifferent to the
/// overall level of the call (telephone speech at −40 dBFS scores like studio speech at −6 dBFS).
/// </summary>
/// <remarks>
/// <para>
/// Per frame, in the time domain and in single precision: a 200 Hz high-pass biquad removes DC, 50/60 Hz hum and
/// its low harmonics; the filtered frame is cut into 2.5 ms blocks whose energy and lag-one correlation give a low
/// band (below about a quarter of the sample rate) and a high band. A frame whose energy sits in one or two blocks
/// (a click, a line switch), and the frame after it, is scored on its blocks near the median only. Each band has its own floor: the minimum of the
/// band's log energy over the last 1.5 s (minimum statistics: it follows a fall at once and a rise only after the
/// window), never below about −90 dBFS. The probability is a logistic function of the larger of the two band
/// signal-to-floor ratios, held with a linear release (1 to 0 in 250 ms, under one half after at most 125 ms) so that the gaps between words stay speech.
/// </para>
/// <para>
/// An instance holds per-stream state and belongs to one call: it is not thread-safe. It owns no unmanaged resources
/// and allocates nothing after construction; <see cref="Process"/> allocates nothing per frame.
/// </para>
/// </remarks>
public sealed class AdaptiveVoiceActivityDetector : IVoiceActivityDetector
{
    /// <summary>Level, in dB above the noise floor, at which the probability is one half.</summary>
    private const float ThresholdDb = 7f;

    /// <summary>Width of the logistic, in dB: the probability goes from 0.27 to 0.73 over two widths.</summary>
    private const float SlopeDb = 1.5f;

    /// <summary>How long a held probability takes to fall from 1 to 0, in milliseconds.</summary>
    private const float ReleaseMs = 250f;

    /// <summary>Lowest floor, in dB relative to one squared PCM16 step per sample (about −93 dBFS).</summary>
    private const float FloorGuardDb = -3f;

    /// <summary>The minimum-statistics window is <see cref="SubWindows"/> sub-windows of this length.</summary>
    private const int SubWindowMs = 250;

    private const int SubWindows = 6;

    /// <summary>A frame whose two loudest 2.5 ms blocks hold more than this share of its energy is impulsive.</summary>
    private const float ImpulseShare = 0.85f;

    private const float DbPerLog2 = 3.0103f;

    private readonly float _b0;
    private readonly float _a1;
    private readonly float _a2;
    private readonly int _blockLength;

    private float _x1, _x2, _y1, _y2;
    private float _probability;
    private bool _started;
    private bool _afterImpulse;
    private int _subWindowElapsedMs;
    private int _subWindowIndex;
    private float _currentMinLow, _currentMinHigh;
    private readonly float[] _minLow = new float[SubWindows];
    private readonly float[] _minHigh = new float[SubWindows];

    /// <summary>Creates a detector for one mono stream.</summary>
    /// <param name="sampleRate">8000 or 16000 hertz.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sampleRate"/> is neither 8000 nor 16000.</exception>
    public AdaptiveVoiceActivityDetector(int sampleRate)
    {
        if (sampleRate is not (8_000 or 16_000))
        {
            throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, "The detector supports 8000 and 16000 Hz.");
        }

        SampleRate = sampleRate;
        _blockLength = sampleRate / 400;

        // Second-order Butterworth high-pass at 200 Hz (bilinear transform). The numerator is b0·(1, −2, 1).
        const double cutoff = 200.0;
        var k = Math.Tan(Math.PI * cutoff / sampleRate);
        var q = Math.Sqrt(0.5);
        var norm = 1 / (1 + (k / q) + (k * k));
        _b0 = (float)norm;
        _a1 = (float)(2 * ((k * k) - 1) * norm);
        _a2 = (float)((1 - (k / q) + (k * k)) * norm);
        Reset();
    }

    /// <inheritdoc />
    public int SampleRate { get; }

    /// <inheritdoc />
    /// <exception cref="ArgumentException"><paramref name="frame"/> is not 10, 20 or 30 ms long.</exception>
    public float Process(ReadOnlySpan<short> frame)
    {
        var blockLength = _blockLength;
        var blocks = frame.Length / blockLength;
        if (blocks is not (4 or 8 or 12) || frame.Length != blocks * blockLength)
        {
            ThrowBadFrameLength(frame.Length);
        }

        // High-pass in direct form I: the zeros (1, −2, 1) are computed from the input, so only one multiply-add per
        // sample sits on the recursive chain. Per 2.5 ms block, accumulate the energy of the sum (low band, below a
        // quarter of the sample rate) and of the difference (high band) of neighbouring filtered samples.
        float b0 = _b0, a1 = _a1, a2 = _a2;
        float x1 = _x1, x2 = _x2, y1 = _y1, y2 = _y2;
        Span<float> lowBlocks = stackalloc float[12];
        Span<float> highBlocks = stackalloc float[12];
        Span<float> energy = stackalloc float[12];
        ref var sample = ref Unsafe.AsRef(in frame[0]);
        var offset = 0;
        float total = 0, max1 = 0, max2 = 0;
        for (var b = 0; b < blocks; b++)
        {
            float l0 = 0, l1 = 0, h0 = 0, h1 = 0;
            for (var i = 0; i < blockLength; i += 2)
            {
                float x = Unsafe.Add(ref sample, offset + i);
                var t = (b0 * (x - (2 * x1) + x2)) - (a2 * y2);
                var y = t - (a1 * y1);
                var s = y + y1;
                var d = y - y1;
                l0 += s * s;
                h0 += d * d;
                x2 = x1;
                x1 = x;
                y2 = y1;
                y1 = y;

                x = Unsafe.Add(ref sample, offset + i + 1);
                t = (b0 * (x - (2 * x1) + x2)) - (a2 * y2);
                y = t - (a1 * y1);
                s = y + y1;
                d = y - y1;
                l1 += s * s;
                h1 += d * d;
                x2 = x1;
                x1 = x;
                y2 = y1;
                y1 = y;
            }

            var lowBlock = l0 + l1;
            var highBlock = h0 + h1;
            var e = lowBlock + highBlock;
            lowBlocks[b] = lowBlock;
            highBlocks[b] = highBlock;
            energy[b] = e;
            total += e;
            if (e > max1)
            {
                max2 = max1;
                max1 = e;
            }
            else if (e > max2)
            {
                max2 = e;
            }

            offset += blockLength;
        }

        _x1 = x1;
        _x2 = x2;
        _y1 = y1;
        _y2 = y2;

        // Clicks: when two blocks hold nearly all the frame's energy, the frame is impulsive (a click, a line switch,
        // the filter ringing after one) and is scored only on its blocks near the median, so the impulse and its
        // ringing drop out; so is the next frame, which may hold the rest of the ringing. Steady sound, speech
        // included, spreads over the blocks and keeps all of them either way.
        float low = 0, high = 0;
        var kept = 0;
        var impulsive = max1 + max2 > ImpulseShare * total;
        var afterImpulse = _afterImpulse;
        _afterImpulse = impulsive;
        if (impulsive || afterImpulse)
        {
            var limit = 4 * LowerMedian(energy[..blocks]);
            for (var b = 0; b < blocks; b++)
            {
                if (lowBlocks[b] + highBlocks[b] <= limit)
                {
                    low += lowBlocks[b];
                    high += highBlocks[b];
                    kept++;
                }
            }
        }
        else
        {
            for (var b = 0; b < blocks; b++)
            {
                low += lowBlocks[b];
                high += highBlocks[b];
            }

            kept = blocks;
        }

        var perSample = 1f / (kept * blockLength);
        low *= perSample;
        high *= perSample;
        var lowDb = MathF.Max(DbPerLog2 * MathF.Log2(MathF.Max(low, 1e-12f)), FloorGuardDb);
        var highDb = MathF.Max(DbPerLog2 * MathF.Log2(MathF.Max(high, 1e-12f)), FloorGuardDb);

        var (floorLow, floorHigh) = UpdateFloors(lowDb, highDb, frame.Length * 1000 / SampleRate);
        var snr = MathF.Max(lowDb - floorLow, highDb - floorHigh);
        var raw = 1f / (1f + MathF.Exp((ThresholdDb - snr) / SlopeDb));

        var release = frame.Length * 1000f / SampleRate / ReleaseMs;
        _probability = MathF.Max(raw, _probability - release);
        return _probability;
    }

    /// <inheritdoc />
    /// <remarks>The linear release takes a full score under one half in half the release time.</remarks>
    public TimeSpan SpeechEndLag { get; } = TimeSpan.FromMilliseconds(ReleaseMs / 2);

    /// <inheritdoc />
    public void Reset()
    {
        _x1 = _x2 = _y1 = _y2 = 0;
        _probability = 0;
        _started = false;
        _afterImpulse = false;
        _subWindowElapsedMs = 0;
        _subWindowIndex = 0;
        _currentMinLow = _currentMinHigh = float.MaxValue;
        Array.Fill(_minLow, float.MaxValue);
        Array.Fill(_minHigh, float.MaxValue);
    }

    /// <summary>Minimum statistics over <see cref="SubWindows"/> sub-windows, including the current frame.</summary>
    private (float Low, float High) UpdateFloors(float lowDb, float highDb, int frameMs)
    {
        if (!_started)
        {
            // The first frame seeds every sub-window, so a stream that opens on noise is quiet at once.
            _started = true;
            Array.Fill(_minLow, lowDb);
            Array.Fill(_minHigh, highDb);
        }

        _currentMinLow = MathF.Min(_currentMinLow, lowDb);
        _currentMinHigh = MathF.Min(_currentMinHigh, highDb);
        float floorLow = _currentMinLow, floorHigh = _currentMinHigh;
        var minLow = _minLow;
        var minHigh = _minHigh;
        for (var i = 0; i < minLow.Length; i++)
        {
            floorLow = MathF.Min(floorLow, minLow[i]);
            floorHigh = MathF.Min(floorHigh, minHigh[i]);
        }

        _subWindowElapsedMs += frameMs;
        if (_subWindowElapsedMs >= SubWindowMs)
        {
            _subWindowElapsedMs = 0;
            minLow[_subWindowIndex] = _currentMinLow;
            minHigh[_subWindowIndex] = _currentMinHigh;
            _subWindowIndex = _subWindowIndex == SubWindows - 1 ? 0 : _subWindowIndex + 1;
            _currentMinLow = _currentMinHigh = float.MaxValue;
        }

        return (floorLow, floorHigh);
    }

    /// <summary>The lower median of a few values (insertion sort in place; at most twelve values).</summary>
    private static float LowerMedian(Span<float> values)
    {
        for (var i = 1; i < values.Length; i++)
        {
            var v = values[i];
            var j = i - 1;
            while (j >= 0 && values[j] > v)
            {
                values[j + 1] = values[j];
                j--;
            }

            values[j + 1] = v;
        }

        return values[(values.Length / 2) - 1];
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowBadFrameLength(int length) =>
        throw new ArgumentException(
            $"A frame at {SampleRate} Hz must hold 10, 20 or 30 ms ({SampleRate / 100}, {SampleRate / 50} or {3 * SampleRate / 100} samples), not {length}.",
            "frame");
}
