using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace VoiceKit.Audio;

/// <summary>
/// The inner loops of <see cref="Resampler"/>: dot products of a coefficient row with a window of history, and the
/// conversions between PCM16 and float. Vectorised with <see cref="Vector512"/> or <see cref="Vector256"/> where the
/// hardware accelerates them, with scalar versions for other machines and a double-precision reference for tests.
/// </summary>
/// <remarks>
/// Every output is computed by the same sequence of operations whichever entry point computes it (<see cref="Dot"/>,
/// <see cref="Dot4"/>, <see cref="Dot4SameRow"/> or <see cref="Dot4Aligned"/> against <see cref="Dot"/> on the same
/// rows): two accumulators over alternating vectors, fused multiply-add, then one horizontal sum with a fixed tree.
/// That is what makes chunked processing bit-identical to one-shot processing. The vector paths assume a tap count
/// that is a multiple of 16, which <see cref="ResamplerFilter"/> guarantees.
/// </remarks>
internal static class ResamplerKernels
{
    /// <summary>Dot product of <paramref name="taps"/> coefficients with as many history samples.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(ref float coefficients, ref float history, int taps)
    {
        var n = (nuint)taps;
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> a0 = default, a1 = default;
            for (; i + 32 <= n; i += 32)
            {
                a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref coefficients, i), Vector512.LoadUnsafe(ref history, i), a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref coefficients, i + 16), Vector512.LoadUnsafe(ref history, i + 16), a1);
            }

            if (i < n)
            {
                a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref coefficients, i), Vector512.LoadUnsafe(ref history, i), a0);
            }

            return Reduce(a0 + a1);
        }

        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> a0 = default, a1 = default;
            for (; i + 16 <= n; i += 16)
            {
                a0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref coefficients, i), Vector256.LoadUnsafe(ref history, i), a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref coefficients, i + 8), Vector256.LoadUnsafe(ref history, i + 8), a1);
            }

            return Vector256.Sum(a0 + a1);
        }

        return DotScalar(ref coefficients, ref history, taps);
    }

    /// <summary>Four dot products with four rows and four windows, interleaved to keep the FMA units busy.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Dot4(ref float c0, ref float c1, ref float c2, ref float c3, ref float x0, ref float x1, ref float x2, ref float x3, int taps, ref float result)
    {
        var n = (nuint)taps;
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> a0 = default, a1 = default, b0 = default, b1 = default, d0 = default, d1 = default, e0 = default, e1 = default;
            for (; i + 32 <= n; i += 32)
            {
                a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref c0, i), Vector512.LoadUnsafe(ref x0, i), a0);
                b0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref c1, i), Vector512.LoadUnsafe(ref x1, i), b0);
                d0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref c2, i), Vector512.LoadUnsafe(ref x2, i), d0);
                e0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref c3, i), Vector512.LoadUnsafe(ref x3, i), e0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref c0, i + 16), Vector512.LoadUnsafe(ref x0, i + 16), a1);
                b1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref c1, i + 16), Vector512.LoadUnsafe(ref x1, i + 16), b1);
                d1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref c2, i + 16), Vector512.LoadUnsafe(ref x2, i + 16), d1);
                e1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref c3, i + 16), Vector512.LoadUnsafe(ref x3, i + 16), e1);
            }

            if (i < n)
            {
                a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref c0, i), Vector512.LoadUnsafe(ref x0, i), a0);
                b0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref c1, i), Vector512.LoadUnsafe(ref x1, i), b0);
                d0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref c2, i), Vector512.LoadUnsafe(ref x2, i), d0);
                e0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref c3, i), Vector512.LoadUnsafe(ref x3, i), e0);
            }

            Reduce4(a0 + a1, b0 + b1, d0 + d1, e0 + e1).StoreUnsafe(ref result);
            return;
        }

        result = Dot(ref c0, ref x0, taps);
        Unsafe.Add(ref result, 1) = Dot(ref c1, ref x1, taps);
        Unsafe.Add(ref result, 2) = Dot(ref c2, ref x2, taps);
        Unsafe.Add(ref result, 3) = Dot(ref c3, ref x3, taps);
    }

    /// <summary>
    /// Four dot products of one row with four windows <paramref name="stride"/> samples apart (the L = 1 case,
    /// decimation by an integer): each coefficient vector is loaded once for the four outputs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Dot4SameRow(ref float c, ref float x, int stride, int taps, ref float result)
    {
        var n = (nuint)taps;
        var s = (nuint)stride;
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            ref var x1 = ref Unsafe.Add(ref x, s);
            ref var x2 = ref Unsafe.Add(ref x, 2 * s);
            ref var x3 = ref Unsafe.Add(ref x, 3 * s);
            Vector512<float> a0 = default, a1 = default, b0 = default, b1 = default, d0 = default, d1 = default, e0 = default, e1 = default;
            for (; i + 32 <= n; i += 32)
            {
                var k0 = Vector512.LoadUnsafe(ref c, i);
                var k1 = Vector512.LoadUnsafe(ref c, i + 16);
                a0 = Vector512.FusedMultiplyAdd(k0, Vector512.LoadUnsafe(ref x, i), a0);
                b0 = Vector512.FusedMultiplyAdd(k0, Vector512.LoadUnsafe(ref x1, i), b0);
                d0 = Vector512.FusedMultiplyAdd(k0, Vector512.LoadUnsafe(ref x2, i), d0);
                e0 = Vector512.FusedMultiplyAdd(k0, Vector512.LoadUnsafe(ref x3, i), e0);
                a1 = Vector512.FusedMultiplyAdd(k1, Vector512.LoadUnsafe(ref x, i + 16), a1);
                b1 = Vector512.FusedMultiplyAdd(k1, Vector512.LoadUnsafe(ref x1, i + 16), b1);
                d1 = Vector512.FusedMultiplyAdd(k1, Vector512.LoadUnsafe(ref x2, i + 16), d1);
                e1 = Vector512.FusedMultiplyAdd(k1, Vector512.LoadUnsafe(ref x3, i + 16), e1);
            }

            if (i < n)
            {
                var k0 = Vector512.LoadUnsafe(ref c, i);
                a0 = Vector512.FusedMultiplyAdd(k0, Vector512.LoadUnsafe(ref x, i), a0);
                b0 = Vector512.FusedMultiplyAdd(k0, Vector512.LoadUnsafe(ref x1, i), b0);
                d0 = Vector512.FusedMultiplyAdd(k0, Vector512.LoadUnsafe(ref x2, i), d0);
                e0 = Vector512.FusedMultiplyAdd(k0, Vector512.LoadUnsafe(ref x3, i), e0);
            }

            Reduce4(a0 + a1, b0 + b1, d0 + d1, e0 + e1).StoreUnsafe(ref result);
            return;
        }

        Dot4(ref c, ref c, ref c, ref c, ref x, ref Unsafe.Add(ref x, s), ref Unsafe.Add(ref x, 2 * s), ref Unsafe.Add(ref x, 3 * s), taps, ref result);
    }

    /// <summary>
    /// <see cref="Dot4Aligned"/> for four windows of which the last <paramref name="crossing"/> (0-3) start on the next
    /// 64-byte line. Inlined, so each case keeps its flags constant and the kernel is specialised per case.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Dot4AlignedCrossing(ref float r0, ref float r1, ref float r2, ref float r3, ref float history, int taps, int crossing, ref float result)
    {
        switch (crossing)
        {
            case 0:
                Dot4Aligned(ref r0, ref r1, ref r2, ref r3, ref history, taps, false, false, false, ref result);
                break;
            case 1:
                Dot4Aligned(ref r0, ref r1, ref r2, ref r3, ref history, taps, false, false, true, ref result);
                break;
            case 2:
                Dot4Aligned(ref r0, ref r1, ref r2, ref r3, ref history, taps, false, true, true, ref result);
                break;
            default:
                Dot4Aligned(ref r0, ref r1, ref r2, ref r3, ref history, taps, true, true, true, ref result);
                break;
        }
    }

    /// <summary>
    /// Four dot products over 64-byte-aligned history for integer decimation (see <see cref="ResamplerFilter.AlignedRows"/>):
    /// output k reads history from <paramref name="history"/>, or one vector (16 samples) later when its window
    /// starts in the next line. The later outputs are the ones that move on: <paramref name="d1"/> ≤ <paramref name="d2"/>
    /// ≤ <paramref name="d3"/>. Each history vector is loaded once for all four; all loads are aligned. Each output
    /// gets exactly the arithmetic of <see cref="Dot"/> on its own row and history.
    /// </summary>
    /// <remarks>Reads up to 32 floats past the end of the last window, which must be readable and finite.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Dot4Aligned(ref float r0, ref float r1, ref float r2, ref float r3, ref float history, int taps, bool d1, bool d2, bool d3, ref float result)
    {
        var n = (nuint)taps;
        nuint i = 0;
        Vector512<float> a0 = default, a1 = default, b0 = default, b1 = default, c0 = default, c1 = default, e0 = default, e1 = default;
        var current = Vector512.LoadUnsafe(ref history);
        for (; i + 32 <= n; i += 32)
        {
            var next = Vector512.LoadUnsafe(ref history, i + 16);
            var after = Vector512.LoadUnsafe(ref history, i + 32);
            a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r0, i), current, a0);
            b0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r1, i), d1 ? next : current, b0);
            c0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r2, i), d2 ? next : current, c0);
            e0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r3, i), d3 ? next : current, e0);
            a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r0, i + 16), next, a1);
            b1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r1, i + 16), d1 ? after : next, b1);
            c1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r2, i + 16), d2 ? after : next, c1);
            e1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r3, i + 16), d3 ? after : next, e1);
            current = after;
        }

        if (i < n)
        {
            var next = Vector512.LoadUnsafe(ref history, i + 16);
            a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r0, i), current, a0);
            b0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r1, i), d1 ? next : current, b0);
            c0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r2, i), d2 ? next : current, c0);
            e0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r3, i), d3 ? next : current, e0);
        }

        Reduce4(a0 + a1, b0 + b1, c0 + c1, e0 + e1).StoreUnsafe(ref result);
    }

    /// <summary>
    /// Horizontal sum of one vector by the same tree <see cref="Reduce4"/> uses for each of its four: halves added
    /// down to 128 bits, then ((x0 + x1) + (x2 + x3)).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Reduce(Vector512<float> v)
    {
        var w = v.GetLower() + v.GetUpper();
        var u = w.GetLower() + w.GetUpper();
        if (Sse3.IsSupported)
        {
            var h = Sse3.HorizontalAdd(u, u);
            return Sse3.HorizontalAdd(h, h).ToScalar();
        }

        return (u.GetElement(0) + u.GetElement(1)) + (u.GetElement(2) + u.GetElement(3));
    }

    /// <summary>Four horizontal sums at once (a transpose-and-add), each by the same tree as <see cref="Reduce"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Reduce4(Vector512<float> v0, Vector512<float> v1, Vector512<float> v2, Vector512<float> v3)
    {
        var w0 = v0.GetLower() + v0.GetUpper();
        var w1 = v1.GetLower() + v1.GetUpper();
        var w2 = v2.GetLower() + v2.GetUpper();
        var w3 = v3.GetLower() + v3.GetUpper();
        var u0 = w0.GetLower() + w0.GetUpper();
        var u1 = w1.GetLower() + w1.GetUpper();
        var u2 = w2.GetLower() + w2.GetUpper();
        var u3 = w3.GetLower() + w3.GetUpper();
        if (Sse3.IsSupported)
        {
            return Sse3.HorizontalAdd(Sse3.HorizontalAdd(u0, u1), Sse3.HorizontalAdd(u2, u3));
        }

        return Vector128.Create(
            (u0.GetElement(0) + u0.GetElement(1)) + (u0.GetElement(2) + u0.GetElement(3)),
            (u1.GetElement(0) + u1.GetElement(1)) + (u1.GetElement(2) + u1.GetElement(3)),
            (u2.GetElement(0) + u2.GetElement(1)) + (u2.GetElement(2) + u2.GetElement(3)),
            (u3.GetElement(0) + u3.GetElement(1)) + (u3.GetElement(2) + u3.GetElement(3)));
    }

    /// <summary>Scalar single-precision dot product, for machines without 256-bit SIMD.</summary>
    public static float DotScalar(ref float coefficients, ref float history, int taps)
    {
        float a0 = 0, a1 = 0;
        var i = 0;
        for (; i + 1 < taps; i += 2)
        {
            a0 = MathF.FusedMultiplyAdd(Unsafe.Add(ref coefficients, i), Unsafe.Add(ref history, i), a0);
            a1 = MathF.FusedMultiplyAdd(Unsafe.Add(ref coefficients, i + 1), Unsafe.Add(ref history, i + 1), a1);
        }

        if (i < taps)
        {
            a0 = MathF.FusedMultiplyAdd(Unsafe.Add(ref coefficients, i), Unsafe.Add(ref history, i), a0);
        }

        return a0 + a1;
    }

    /// <summary>The reference: a plain sequential dot product accumulated in double precision.</summary>
    public static float DotReference(ReadOnlySpan<float> coefficients, ReadOnlySpan<float> history)
    {
        double sum = 0;
        for (var i = 0; i < coefficients.Length; i++)
        {
            sum += (double)coefficients[i] * history[i];
        }

        return (float)sum;
    }

    /// <summary>Converts PCM16 samples to floats of the same scale (-32768..32767).</summary>
    public static void ToFloat(ReadOnlySpan<short> source, Span<float> destination)
    {
        ref var src = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(source);
        ref var dst = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(destination);
        var n = (nuint)source.Length;
        nuint i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 16 <= n; i += 16)
            {
                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref src, i));
                Vector256.ConvertToSingle(lo).StoreUnsafe(ref dst, i);
                Vector256.ConvertToSingle(hi).StoreUnsafe(ref dst, i + 8);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref dst, i) = Unsafe.Add(ref src, i);
        }
    }

    /// <summary>Rounds floats to the nearest integer (ties to even) and saturates them to PCM16.</summary>
    public static void ToInt16(ReadOnlySpan<float> source, Span<short> destination)
    {
        ref var src = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(source);
        ref var dst = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(destination);
        var n = (nuint)source.Length;
        nuint i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var min = Vector256.Create(-32768f);
            var max = Vector256.Create(32767f);
            for (; i + 16 <= n; i += 16)
            {
                var lo = Vector256.ConvertToInt32(Vector256.Round(Vector256.Min(Vector256.Max(Vector256.LoadUnsafe(ref src, i), min), max)));
                var hi = Vector256.ConvertToInt32(Vector256.Round(Vector256.Min(Vector256.Max(Vector256.LoadUnsafe(ref src, i + 8), min), max)));
                Vector256.Narrow(lo, hi).StoreUnsafe(ref dst, i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref dst, i) = ToInt16(Unsafe.Add(ref src, i));
        }
    }

    /// <summary>Rounds one float to the nearest integer (ties to even) and saturates it to PCM16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static short ToInt16(float value) => (short)MathF.Round(Math.Clamp(value, -32768f, 32767f));
}
