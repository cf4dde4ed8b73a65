using System.Numerics;
using System.Runtime.CompilerServices;

namespace VoiceKit.Audio;

/// <summary>
/// ITU-T G.711 A-law: 13-bit companded speech in one byte per sample, the audio of most phone networks outside North
/// America and Japan.
/// </summary>
/// <remarks>
/// Bit-exact with sox: 16-bit input is rounded (not truncated) to 13 bits before companding. All members are
/// allocation-free and thread-safe.
/// </remarks>
public static class ALaw
{
    private static readonly short[] s_decodeTable = BuildDecodeTable();

    /// <summary>Compands one PCM16 sample to an A-law code word.</summary>
    /// <param name="sample">A signed 16-bit sample.</param>
    /// <returns>The A-law code word (even bits inverted, as transmitted).</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte EncodeSample(short sample)
    {
        // Round to 13 bits; the top four 16-bit values would round past the 13-bit range, so they saturate.
        var value = sample >= 32764 ? 4095 : (sample + 4) >> 3;
        var mask = 0xD5;
        if (value < 0)
        {
            value = -value - 1;
            mask = 0x55;
        }

        // value is now 0..4095: segment 0 covers 0..31, then one segment per doubling.
        var segment = Math.Max(0, 27 - BitOperations.LeadingZeroCount((uint)value));
        var shift = Math.Max(1, segment);
        return (byte)(((segment << 4) | ((value >> shift) & 0xF)) ^ mask);
    }

    /// <summary>Expands one A-law code word to PCM16.</summary>
    /// <param name="code">The A-law code word as transmitted.</param>
    /// <returns>The linear sample.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static short DecodeSample(byte code) => s_decodeTable[code];

    /// <summary>Compands PCM16 samples to A-law, one byte per sample.</summary>
    /// <param name="samples">The linear samples.</param>
    /// <param name="destination">Receives one code word per sample; at least as long as <paramref name="samples"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short.</exception>
    public static void Encode(ReadOnlySpan<short> samples, Span<byte> destination)
    {
        if (destination.Length < samples.Length)
        {
            ThrowHelper.ThrowDestinationTooShort(nameof(destination), samples.Length, destination.Length);
        }

        for (var i = 0; i < samples.Length; i++)
        {
            destination[i] = EncodeSample(samples[i]);
        }
    }

    /// <summary>Expands A-law code words to PCM16 samples.</summary>
    /// <param name="codes">The A-law code words.</param>
    /// <param name="destination">Receives one sample per code word; at least as long as <paramref name="codes"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short.</exception>
    public static void Decode(ReadOnlySpan<byte> codes, Span<short> destination)
    {
        if (destination.Length < codes.Length)
        {
            ThrowHelper.ThrowDestinationTooShort(nameof(destination), codes.Length, destination.Length);
        }

        var table = s_decodeTable;
        for (var i = 0; i < codes.Length; i++)
        {
            destination[i] = table[codes[i]];
        }
    }

    private static short[] BuildDecodeTable()
    {
        var table = new short[256];
        for (var code = 0; code < 256; code++)
        {
            var a = code ^ 0x55;
            var t = (a & 0x0F) << 4;
            var segment = (a & 0x70) >> 4;
            t = segment switch
            {
                0 => t + 8,
                1 => t + 0x108,
                _ => (t + 0x108) << (segment - 1),
            };
            table[code] = (short)((a & 0x80) != 0 ? t : -t);
        }

        return table;
    }
}
