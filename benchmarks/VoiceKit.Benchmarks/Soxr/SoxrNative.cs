using System.Runtime.InteropServices;

namespace VoiceKit.Benchmarks.Soxr;

/// <summary>
/// P/Invoke declarations for libsoxr (the SoX resampler library, Debian package <c>libsoxr0</c>; declarations from
/// <c>/usr/include/soxr.h</c> in <c>libsoxr-dev</c>, version 0.1.3). Benchmarks only: the product does not use it.
/// </summary>
/// <remarks>
/// On Linux x64 the C <c>unsigned long</c> fields are 64-bit (<see cref="ulong"/>), <c>size_t</c> is <see cref="nuint"/>,
/// and the datatype enum is a 32-bit int.
/// </remarks>
internal static unsafe partial class SoxrNative
{
    private const string Library = "libsoxr.so.0";

    /// <summary><c>SOXR_INT16_I</c>: interleaved signed 16-bit samples.</summary>
    public const int Int16Interleaved = 3;

    /// <summary><c>SOXR_16_BITQ</c> quality recipe.</summary>
    public const ulong Recipe16Bit = 3;

    /// <summary><c>SOXR_LINEAR_PHASE</c> (a flag of <see cref="soxr_quality_spec"/>'s recipe argument).</summary>
    public const ulong LinearPhase = 0x00;

    /// <summary><c>SOXR_ROLLOFF_SMALL</c>: passband ripple at most 0.01 dB.</summary>
    public const ulong RolloffSmall = 0;

    /// <summary><c>SOXR_NO_DITHER</c>: round int16 output instead of adding TPDF dither (the default for int16).</summary>
    public const ulong NoDither = 8;

    [StructLayout(LayoutKind.Sequential)]
    public struct IoSpec
    {
        public int InputType;
        public int OutputType;
        public double Scale;
        public void* Reserved;
        public ulong Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct QualitySpec
    {
        public double Precision;
        public double PhaseResponse;
        public double PassbandEnd;
        public double StopbandBegin;
        public void* Reserved;
        public ulong Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct RuntimeSpec
    {
        public uint Log2MinDftSize;
        public uint Log2LargeDftSize;
        public uint CoefSizeKbytes;
        public uint NumThreads;
        public void* Reserved;
        public ulong Flags;
    }

    [LibraryImport(Library)]
    public static partial IntPtr soxr_create(
        double inputRate, double outputRate, uint channels, byte** error, IoSpec* ioSpec, QualitySpec* qualitySpec, RuntimeSpec* runtimeSpec);

    [LibraryImport(Library)]
    public static partial byte* soxr_process(IntPtr resampler, void* input, nuint inputLength, nuint* inputDone, void* output, nuint outputLength, nuint* outputDone);

    [LibraryImport(Library)]
    public static partial double soxr_delay(IntPtr resampler);

    [LibraryImport(Library)]
    public static partial byte* soxr_engine(IntPtr resampler);

    [LibraryImport(Library)]
    public static partial void soxr_delete(IntPtr resampler);

    [LibraryImport(Library)]
    public static partial QualitySpec soxr_quality_spec(ulong recipe, ulong flags);

    [LibraryImport(Library)]
    public static partial IoSpec soxr_io_spec(int inputType, int outputType);

    [LibraryImport(Library)]
    public static partial RuntimeSpec soxr_runtime_spec(uint threads);

    /// <summary>
    /// Creates a mono int16 streaming resampler matched to VoiceKit's <c>Resampler</c>: linear phase, passband to 0.9
    /// and stopband from 1.0 of the lower Nyquist frequency, <paramref name="precisionBits"/> bits of precision (soxr
    /// aims for about 6.02 dB of stopband rejection per bit), no dither, one thread.
    /// </summary>
    public static IntPtr CreateMatched(int inputRate, int outputRate, double precisionBits)
    {
        var io = soxr_io_spec(Int16Interleaved, Int16Interleaved);
        io.Flags |= NoDither;
        var quality = soxr_quality_spec(Recipe16Bit | LinearPhase, RolloffSmall);
        quality.Precision = precisionBits;
        quality.PassbandEnd = 0.9;
        quality.StopbandBegin = 1.0;
        var runtime = soxr_runtime_spec(1);
        byte* error = null;
        var soxr = soxr_create(inputRate, outputRate, 1, &error, &io, &quality, &runtime);
        if (soxr == IntPtr.Zero || error != null)
        {
            throw new InvalidOperationException($"soxr_create failed: {Marshal.PtrToStringUTF8((IntPtr)error)}");
        }

        return soxr;
    }

    /// <summary>The engine soxr chose, such as <c>cr32s</c> (single-precision, SIMD).</summary>
    public static string Engine(IntPtr soxr) => Marshal.PtrToStringUTF8((IntPtr)soxr_engine(soxr)) ?? "?";
}
