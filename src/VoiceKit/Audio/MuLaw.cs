using System.Numerics;
using System.Runtime.CompilerServices;

namespace VoiceKit.Audio;

/// <summary>
/// ITU-T G.711 mu-law: 14-bit companded speech in one byte per sample, the audio of North American phone calls and of
/// Twilio Media Streams.
/// </summary>
/// <remarks>
/// Bit-exact with sox: 16-bit input is rounded (not truncated) to 14 bits before companding, which halves the
/// quantisation error of the classic truncating encoder. All members are allocation-free and thread-safe.
/// </remarks>
public static class MuLaw
{
    private const int Bias = 33;   // 0x84 >> 2: the G.711 bias at 14-bit scale.
    private const int Clip = 8159; // Largest magnitude that still fits the top segment after the bias.

    private static readonly short[] s_decodeTable = BuildDecodeTable();

    /// <summary>Compands one PCM16 sample to a mu-law code word.</summary>
    /// <param name="sample">A signed 16-bit sample.</param>
    /// <returns>The mu-law code word (bits inverted, as transmitted).</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte EncodeSample(short sample)
    {
        // Round to 14 bits; the top two 16-bit values would round past the 14-bit range, so they saturate.
        var value = sample >= 32766 ? 8191 : (sample + 2) >> 2;
        var mask = 0xFF;
        if (value < 0)
        {
            value = -value;
            mask = 0x7F;
        }

        var magnitude = Math.Min(Math.Min(value, Clip) + Bias, 0x1FFF);
        var segment = Math.Max(0, 26 - BitOperations.LeadingZeroCount((uint)magnitude));
        return (byte)(((segment << 4) | ((magnitude >> (segment + 1)) & 0xF)) ^ mask);
    }

    /// <summary>Expands one mu-law code word to PCM16.</summary>
    /// <param name="code">The mu-law code word as transmitted.</param>
    /// <returns>The linear sample.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static short DecodeSample(byte code) => s_decodeTable[code];

    /// <summary>Compands PCM16 samples to mu-law, one byte per sample.</summary>
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

    /// <summary>Expands mu-law code words to PCM16 samples.</summary>
    /// <param name="codes">The mu-law code words.</param>
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
            var u = ~code & 0xFF;
            var t = (((u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4);
            table[code] = (short)((u & 0x80) != 0 ? 0x84 - t : t - 0x84);
        }

        return table;
    }
}
