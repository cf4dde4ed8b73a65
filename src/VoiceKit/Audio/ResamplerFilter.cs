using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace VoiceKit.Audio;

/// <summary>
/// The polyphase low-pass filter of a <see cref="Resampler"/> for one reduced ratio L/M (upsample by L, keep every
/// M-th sample): a Kaiser-windowed sinc designed once, cached per (L, M) and shared read-only by every resampler
/// with that ratio.
/// </summary>
/// <remarks>
/// <para>
/// Design, relative to the lower of the two Nyquist frequencies: passband to 0.9, stopband from 1.0, 75 dB
/// stopband target (the length is then rounded up to whole SIMD vectors per phase and the window's beta is raised to
/// use the extra taps). All of that is a function of L and M only: in units of the prototype rate L × input rate the
/// transition band is 0.05 / max(L, M) wide and centred on 0.475 / max(L, M).
/// </para>
/// <para>
/// The prototype has an odd length 2·M·D + 1, so its group delay is exactly <see cref="DelaySamples"/> = D output
/// samples. Row p of <see cref="Coefficients"/> (length <see cref="TapsPerPhase"/>) holds taps p, p + L, p + 2L, ...
/// in reverse order, so an output is a contiguous dot product of one row with the last <see cref="TapsPerPhase"/>
/// input samples, oldest first. Immutable after construction, safe to share between threads.
/// </para>
/// </remarks>
internal sealed class ResamplerFilter
{
    /// <summary>Most filter phases (the reduced L) or decimation steps (the reduced M) accepted.</summary>
    internal const int MaxPhases = 1024;

    /// <summary>Stopband attenuation the design aims for, in dB; 5 dB above the 70 dB promised, for rounding margin.</summary>
    internal const double TargetAttenuationDb = 75;

    /// <summary>Passband edge as a fraction of the lower Nyquist frequency.</summary>
    internal const double PassbandEnd = 0.90;

    /// <summary>Stopband edge as a fraction of the lower Nyquist frequency.</summary>
    internal const double StopbandBegin = 1.00;

    /// <summary>Taps per phase are rounded up to a multiple of this (one 512-bit vector of floats).</summary>
    private const int TapAlignment = 16;

    private static readonly ConcurrentDictionary<(int L, int M), ResamplerFilter> Cache = new();

    private readonly float[] _storage;
    private readonly int _offset;
    private readonly float[] _alignedStorage;
    private readonly int _alignedOffset;

    /// <summary>Shifted copies of the row kept for aligned decimation: one per float position in a 64-byte line.</summary>
    internal const int AlignedShifts = 16;

    /// <summary>Aligned rows need M ≤ 5L: four consecutive windows then start within 16 samples (two 64-byte lines).</summary>
    internal const int MaxAlignedStep = 5;

    /// <summary>Aligned rows are built only while they fit in 64 KB, near the L1 cache.</summary>
    internal const int MaxAlignedTableFloats = 16384;

    private ResamplerFilter(int l, int m)
    {
        L = l;
        M = m;
        var r = Math.Max(l, m);
        var transition = (StopbandBegin - PassbandEnd) / 2 / r;      // in cycles per prototype sample
        var cutoff = (StopbandBegin + PassbandEnd) / 4 / r;

        // Kaiser's estimate of the length for the target attenuation, spread over L phases and rounded up to whole vectors.
        var minTaps = (int)Math.Ceiling((TargetAttenuationDb - 7.95) / (14.36 * transition)) + 1;
        var k = (minTaps + l - 1) / l;
        k = (k + TapAlignment - 1) / TapAlignment * TapAlignment;
        TapsPerPhase = k;

        // Largest odd length 2MD + 1 that fits in L*K taps: the delay is then a whole number D of output samples.
        var d = ((long)l * k - 1) / (2 * m);
        DelaySamples = (int)d;
        var center = (long)m * d;
        var length = 2 * center + 1;
        PrototypeLength = (int)length;

        // Spend the taps gained by rounding up on more attenuation (capped: past ~90 dB float rounding dominates).
        var attenuation = Math.Min(90, 14.36 * transition * (length - 1) + 7.95);
        Beta = 0.1102 * (attenuation - 8.7);
        DesignAttenuationDb = attenuation;

        var prototype = new double[length];
        var i0Beta = BesselI0(Beta);
        double sum = 0;
        for (long n = 0; n < length; n++)
        {
            var t = n - center;
            var x = 2 * cutoff * t;
            var sinc = t == 0 ? 1.0 : Math.Sin(Math.PI * x) / (Math.PI * x);
            var ratio = (double)t / center;
            var window = BesselI0(Beta * Math.Sqrt(Math.Max(0, 1 - (ratio * ratio)))) / i0Beta;
            var h = 2 * cutoff * sinc * window;
            prototype[n] = h;
            sum += h;
        }

        // Unity gain at DC for each output: the taps of every phase sum to about 1, so all of them to L.
        var scale = l / sum;
        // Pinned and offset so that every row starts on a 64-byte boundary: aligned 512-bit coefficient loads.
        var storage = GC.AllocateArray<float>((l * k) + 16, pinned: true);
        var offset = AlignmentOffset(storage);
        var rows = storage.AsSpan(offset, l * k);
        for (var p = 0; p < l; p++)
        {
            for (var j = 0; j < k; j++)
            {
                var tap = p + ((long)(k - 1 - j) * l);
                rows[(p * k) + j] = tap < length ? (float)(prototype[tap] * scale) : 0f;
            }
        }

        _storage = storage;
        _offset = offset;

        // On AVX-512 machines, when four consecutive windows span at most 16 samples and the tables stay small: each
        // row again shifted right by 0..15 taps, so a window that starts anywhere is a dot product with 64-byte-aligned
        // history (see Resampler.Produce).
        var alignedTaps = k + AlignedShifts;
        if (m <= MaxAlignedStep * l && (long)l * AlignedShifts * alignedTaps <= MaxAlignedTableFloats && System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)
        {
            var alignedStorage = GC.AllocateArray<float>((l * AlignedShifts * alignedTaps) + 16, pinned: true);
            var alignedOffset = AlignmentOffset(alignedStorage);
            var shifted = alignedStorage.AsSpan(alignedOffset, l * AlignedShifts * alignedTaps);
            for (var p = 0; p < l; p++)
            {
                for (var shift = 0; shift < AlignedShifts; shift++)
                {
                    rows.Slice(p * k, k).CopyTo(shifted.Slice((((p * AlignedShifts) + shift) * alignedTaps) + shift, k));
                }
            }

            AlignedTaps = alignedTaps;
            _alignedStorage = alignedStorage;
            _alignedOffset = alignedOffset;
        }
        else
        {
            _alignedStorage = [];
        }

        // Per phase: how many input samples the next output's window moves on, and the phase it uses.
        Advance = new int[l];
        NextPhase = new int[l];
        for (var p = 0; p < l; p++)
        {
            Advance[p] = (p + m) / l;
            NextPhase[p] = (p + m) % l;
        }
    }

    /// <summary>Upsampling factor of the reduced ratio: the number of phases.</summary>
    public int L { get; }

    /// <summary>Decimation factor of the reduced ratio.</summary>
    public int M { get; }

    /// <summary>Taps in each phase row, a multiple of 16.</summary>
    public int TapsPerPhase { get; }

    /// <summary>Non-zero length of the prototype filter at the rate L × input rate (odd).</summary>
    public int PrototypeLength { get; }

    /// <summary>Group delay in output samples (exact).</summary>
    public int DelaySamples { get; }

    /// <summary>Kaiser window shape parameter used.</summary>
    public double Beta { get; }

    /// <summary>Attenuation the Kaiser formula predicts for the final length, in dB.</summary>
    public double DesignAttenuationDb { get; }

    /// <summary>
    /// <see cref="L"/> rows of <see cref="TapsPerPhase"/> coefficients, each row reversed (oldest sample first) and
    /// starting on a 64-byte boundary. Read-only by convention: it is shared.
    /// </summary>
    public Span<float> Coefficients => _storage.AsSpan(_offset, L * TapsPerPhase);

    /// <summary>
    /// With AVX-512, M ≤ 5L and small tables: L × <see cref="AlignedShifts"/> rows of <see cref="AlignedTaps"/>
    /// coefficients, row (p × 16 + o) being phase p's row preceded by o zeros (64-byte aligned); otherwise empty.
    /// </summary>
    public Span<float> AlignedRows => _alignedStorage.Length == 0 ? default : _alignedStorage.AsSpan(_alignedOffset, L * AlignedShifts * AlignedTaps);

    /// <summary>Length of each of <see cref="AlignedRows"/>: <see cref="TapsPerPhase"/> + 16; 0 when there are none.</summary>
    public int AlignedTaps { get; }

    /// <summary>Input samples the window advances after an output computed with phase p.</summary>
    public int[] Advance { get; }

    /// <summary>The phase of the output after one computed with phase p.</summary>
    public int[] NextPhase { get; }

    /// <summary>Gets the shared filter for the reduced ratio <paramref name="l"/>/<paramref name="m"/>, designing it on first use.</summary>
    public static ResamplerFilter Get(int l, int m) => Cache.GetOrAdd((l, m), static key => new ResamplerFilter(key.L, key.M));

    /// <summary>Floats to skip from the start of a pinned array to reach a 64-byte boundary.</summary>
    internal static unsafe int AlignmentOffset(float[] pinned)
    {
        var address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned));
        return (int)((64 - (address % 64)) % 64 / sizeof(float));
    }

    /// <summary>Zeroth-order modified Bessel function of the first kind, by its power series.</summary>
    internal static double BesselI0(double x)
    {
        var half = x / 2;
        double term = 1, sum = 1;
        for (var k = 1; k < 500; k++)
        {
            term *= half / k;
            var square = term * term;
            sum += square;
            if (square < sum * 1e-17)
            {
                break;
            }
        }

        return sum;
    }
}
