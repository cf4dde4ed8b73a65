using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace VoiceKit.Audio;

/// <summary>
/// Converts between encoded audio bytes (<see cref="AudioEncoding"/>) and PCM16 samples, the form the turn engine
/// and resampler work in. Allocation-free and thread-safe.
/// </summary>
public static class AudioCodec
{
    /// <summary>Bytes needed to encode <paramref name="sampleCount"/> samples.</summary>
    /// <param name="encoding">The target encoding.</param>
    /// <param name="sampleCount">The number of samples (all channels).</param>
    public static int GetEncodedLength(AudioEncoding encoding, int sampleCount) =>
        encoding == AudioEncoding.Pcm16 ? sampleCount * 2 : sampleCount;

    /// <summary>Samples held by <paramref name="byteCount"/> encoded bytes (all channels), rounded down.</summary>
    /// <param name="encoding">The source encoding.</param>
    /// <param name="byteCount">The number of encoded bytes.</param>
    public static int GetSampleCount(AudioEncoding encoding, int byteCount) =>
        encoding == AudioEncoding.Pcm16 ? byteCount / 2 : byteCount;

    /// <summary>Decodes audio bytes to PCM16 samples.</summary>
    /// <param name="encoding">How <paramref name="source"/> is encoded.</param>
    /// <param name="source">The encoded bytes; for PCM16 an even number of little-endian bytes.</param>
    /// <param name="destination">Receives <see cref="GetSampleCount"/> samples.</param>
    /// <returns>The number of samples written.</returns>
    /// <exception cref="ArgumentException">PCM16 input has an odd length, or <paramref name="destination"/> is too short.</exception>
    public static int Decode(AudioEncoding encoding, ReadOnlySpan<byte> source, Span<short> destination)
    {
        switch (encoding)
        {
            case AudioEncoding.MuLaw:
                MuLaw.Decode(source, destination);
                return source.Length;
            case AudioEncoding.ALaw:
                ALaw.Decode(source, destination);
                return source.Length;
            case AudioEncoding.Pcm16:
                if ((source.Length & 1) != 0)
                {
                    throw new ArgumentException($"PCM16 audio must have an even number of bytes; got {source.Length}.", nameof(source));
                }

                var count = source.Length / 2;
                if (destination.Length < count)
                {
                    ThrowHelper.ThrowDestinationTooShort(nameof(destination), count, destination.Length);
                }

                if (BitConverter.IsLittleEndian)
                {
                    MemoryMarshal.Cast<byte, short>(source).CopyTo(destination);
                }
                else
                {
                    BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, short>(source), destination);
                }

                return count;
            default:
                throw new ArgumentOutOfRangeException(nameof(encoding), encoding, "Unknown audio encoding.");
        }
    }

    /// <summary>Encodes PCM16 samples to audio bytes.</summary>
    /// <param name="encoding">The target encoding.</param>
    /// <param name="samples">The linear samples.</param>
    /// <param name="destination">Receives <see cref="GetEncodedLength"/> bytes.</param>
    /// <returns>The number of bytes written.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short.</exception>
    public static int Encode(AudioEncoding encoding, ReadOnlySpan<short> samples, Span<byte> destination)
    {
        switch (encoding)
        {
            case AudioEncoding.MuLaw:
                MuLaw.Encode(samples, destination);
                return samples.Length;
            case AudioEncoding.ALaw:
                ALaw.Encode(samples, destination);
                return samples.Length;
            case AudioEncoding.Pcm16:
                var length = samples.Length * 2;
                if (destination.Length < length)
                {
                    ThrowHelper.ThrowDestinationTooShort(nameof(destination), length, destination.Length);
                }

                var target = MemoryMarshal.Cast<byte, short>(destination[..length]);
                if (BitConverter.IsLittleEndian)
                {
                    samples.CopyTo(target);
                }
                else
                {
                    BinaryPrimitives.ReverseEndianness(samples, target);
                }

                return length;
            default:
                throw new ArgumentOutOfRangeException(nameof(encoding), encoding, "Unknown audio encoding.");
        }
    }
}
