using System.Buffers.Binary;

namespace VoiceKit.Audio;

/// <summary>
/// Reads and writes whole WAV files holding 16-bit PCM, G.711 mu-law or G.711 A-law audio. For writing audio as it
/// arrives (call recordings), use <see cref="WavWriter"/>.
/// </summary>
/// <remarks>
/// <para>
/// The reader accepts RIFF/WAVE files whose <c>fmt </c> chunk is WAVE_FORMAT_PCM (16-bit only), WAVE_FORMAT_ALAW,
/// WAVE_FORMAT_MULAW, or WAVE_FORMAT_EXTENSIBLE with one of those sub-formats. Chunks it does not need (<c>LIST</c>,
/// <c>fact</c>, <c>bext</c>, <c>JUNK</c>, ...) are skipped, honouring the pad byte after odd-sized chunks, and parsing
/// stops at the <c>data</c> chunk. A <c>data</c> size of <c>0xFFFFFFFF</c>, or of 0 with audio after it and a RIFF size
/// that does not account for it, is what a streaming writer leaves when it never patched its header; such a chunk is
/// read to the end of the input, dropping a trailing partial sample frame. Any other damage, truncation or
/// inconsistency throws <see cref="WavFormatException"/> naming the byte offset; a RIFF size that disagrees with the
/// file length is tolerated. No buffer is sized from a header field before the field is checked against the input.
/// </para>
/// <para>
/// The writer writes PCM16 as WAVE_FORMAT_PCM with a 16-byte <c>fmt </c> chunk, and G.711 as WAVE_FORMAT_MULAW (7) or
/// WAVE_FORMAT_ALAW (6) with an 18-byte <c>fmt </c> chunk and a <c>fact</c> chunk, followed by the <c>data</c> chunk and
/// its pad byte when the data length is odd. All members are thread-safe; none keeps or disposes the streams it is given.
/// </para>
/// </remarks>
public static class WavFile
{
    /// <summary>The default limit on the bytes <see cref="Read(Stream, int)"/> and <see cref="ReadFile"/> accept: 1 GiB.</summary>
    public const int DefaultMaxLength = 1 << 30;

    /// <summary>The longest header <see cref="WriteHeader"/> writes (G.711 with a <c>fact</c> chunk).</summary>
    internal const int MaxHeaderLength = 58;

    private const ushort TagPcm = 1;
    private const ushort TagIeeeFloat = 3;
    private const ushort TagALaw = 6;
    private const ushort TagMuLaw = 7;
    private const ushort TagExtensible = 0xFFFE;

    /// <summary>Bytes 2 to 15 of every KSDATAFORMAT_SUBTYPE GUID derived from a format tag (xxxxxxxx-0000-0010-8000-00AA00389B71).</summary>
    private static ReadOnlySpan<byte> SubFormatGuidTail => [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];

    /// <summary>Reads a WAV file held in memory.</summary>
    /// <param name="file">The whole file.</param>
    /// <returns>The format and a copy of the sample bytes; <paramref name="file"/> is not referenced afterwards.</returns>
    /// <exception cref="WavFormatException"><paramref name="file"/> is not a WAV file this reader supports.</exception>
    public static WavAudio Read(ReadOnlySpan<byte> file)
    {
        var format = Parse(file, out var dataOffset, out var dataLength);
        return new WavAudio(format, file.Slice(dataOffset, dataLength).ToArray());
    }

    /// <summary>Reads a WAV file from the current position of <paramref name="stream"/> to its end.</summary>
    /// <param name="stream">A readable stream; read to the end and not disposed.</param>
    /// <param name="maxLength">The most bytes to accept; longer input throws rather than being buffered.</param>
    /// <returns>The format and the sample bytes (which may be a slice of a buffer holding the whole input).</returns>
    /// <exception cref="WavFormatException">The input is not a WAV file this reader supports, or is longer than <paramref name="maxLength"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not readable.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLength"/> is not positive or exceeds <see cref="Array.MaxLength"/>.</exception>
    public static WavAudio Read(Stream stream, int maxLength = DefaultMaxLength)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxLength, Array.MaxLength);
        if (!stream.CanRead)
        {
            throw new ArgumentException("The stream is not readable.", nameof(stream));
        }

        var buffer = ReadToEnd(stream, maxLength, out var length);
        var format = Parse(buffer.AsSpan(0, length), out var dataOffset, out var dataLength);
        return new WavAudio(format, new ReadOnlyMemory<byte>(buffer, dataOffset, dataLength));
    }

    /// <summary>Reads a WAV file from disk.</summary>
    /// <param name="path">The file to read.</param>
    /// <param name="maxLength">The most bytes to accept; a longer file throws before anything is buffered.</param>
    /// <returns>The format and the sample bytes.</returns>
    /// <exception cref="WavFormatException">The file is not a WAV file this reader supports, or is longer than <paramref name="maxLength"/>.</exception>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    public static WavAudio ReadFile(string path, int maxLength = DefaultMaxLength)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        return Read(stream, maxLength);
    }

    /// <summary>Writes a complete WAV file to <paramref name="stream"/> at its current position.</summary>
    /// <param name="stream">A writable stream; not flushed or disposed.</param>
    /// <param name="format">The format of <paramref name="data"/>.</param>
    /// <param name="data">Interleaved samples, little-endian, a whole number of sample frames.</param>
    /// <exception cref="ArgumentException"><paramref name="format"/> is <c>default</c>, <paramref name="data"/> is not
    /// whole sample frames, or <paramref name="stream"/> is not writable.</exception>
    public static void Write(Stream stream, AudioFormat format, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ValidateForWrite(format, data.Length);
        if (!stream.CanWrite)
        {
            throw new ArgumentException("The stream is not writable.", nameof(stream));
        }

        Span<byte> header = stackalloc byte[MaxHeaderLength];
        var headerLength = WriteHeader(header, format, data.Length);
        stream.Write(header[..headerLength]);
        stream.Write(data);
        if ((data.Length & 1) != 0)
        {
            stream.WriteByte(0);
        }
    }

    /// <summary>Writes a complete WAV file to disk, replacing any file at <paramref name="path"/>.</summary>
    /// <param name="path">The file to create or overwrite.</param>
    /// <param name="format">The format of <paramref name="data"/>.</param>
    /// <param name="data">Interleaved samples, little-endian, a whole number of sample frames.</param>
    /// <exception cref="ArgumentException"><paramref name="format"/> is <c>default</c> or <paramref name="data"/> is not whole sample frames.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void WriteFile(string path, AudioFormat format, ReadOnlySpan<byte> data)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ValidateForWrite(format, data.Length);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        Write(stream, format, data);
    }

    /// <summary>The header length <see cref="WriteHeader"/> writes for <paramref name="format"/>: 44 for PCM16, 58 for G.711.</summary>
    internal static int HeaderLength(AudioFormat format) => format.Encoding == AudioEncoding.Pcm16 ? 44 : MaxHeaderLength;

    /// <summary>The most data bytes (whole sample frames) a file of <paramref name="format"/> can hold within the 4 GiB RIFF limit.</summary>
    internal static long MaxDataLength(AudioFormat format)
    {
        // RIFF size = header after the RIFF size field + data + pad byte, and must fit in 32 bits.
        var max = uint.MaxValue - (HeaderLength(format) - 8L) - 1;
        return max - (max % format.BlockAlign);
    }

    /// <summary>Checks what every writer needs: a valid format and whole sample frames.</summary>
    internal static void ValidateForWrite(AudioFormat format, long dataLength)
    {
        if (!format.IsValid)
        {
            throw new ArgumentException("The audio format is default(AudioFormat); create it with a constructor.", nameof(format));
        }

        if (dataLength % format.BlockAlign != 0)
        {
            throw new ArgumentException(
                $"{dataLength} bytes is not a whole number of {format.BlockAlign}-byte sample frames of {format}.", "data");
        }

        if (dataLength > MaxDataLength(format))
        {
            throw new ArgumentException(
                $"{dataLength} bytes of {format} do not fit in a WAV file: the RIFF format is limited to 4 GiB.", "data");
        }
    }

    /// <summary>
    /// Writes the header for <paramref name="dataLength"/> bytes of <paramref name="format"/> into
    /// <paramref name="destination"/> (at least <see cref="MaxHeaderLength"/> bytes) and returns its length. A negative
    /// <paramref name="dataLength"/> writes the placeholder sizes a streaming writer uses before it knows the length.
    /// </summary>
    internal static int WriteHeader(Span<byte> destination, AudioFormat format, long dataLength)
    {
        var pcm = format.Encoding == AudioEncoding.Pcm16;
        var headerLength = HeaderLength(format);
        uint riffSize, dataSize, sampleFrames;
        if (dataLength < 0)
        {
            (riffSize, dataSize, sampleFrames) = (uint.MaxValue, uint.MaxValue, 0);
        }
        else
        {
            riffSize = checked((uint)(headerLength - 8 + dataLength + (dataLength & 1)));
            dataSize = (uint)dataLength;
            sampleFrames = (uint)(dataLength / format.BlockAlign);
        }

        var h = destination[..headerLength];
        "RIFF"u8.CopyTo(h);
        BinaryPrimitives.WriteUInt32LittleEndian(h[4..], riffSize);
        "WAVE"u8.CopyTo(h[8..]);
        "fmt "u8.CopyTo(h[12..]);
        BinaryPrimitives.WriteUInt32LittleEndian(h[16..], pcm ? 16u : 18u);
        var tag = format.Encoding switch
        {
            AudioEncoding.Pcm16 => TagPcm,
            AudioEncoding.MuLaw => TagMuLaw,
            _ => TagALaw,
        };
        BinaryPrimitives.WriteUInt16LittleEndian(h[20..], tag);
        BinaryPrimitives.WriteUInt16LittleEndian(h[22..], (ushort)format.Channels);
        BinaryPrimitives.WriteUInt32LittleEndian(h[24..], (uint)format.SampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(h[28..], (uint)format.BytesPerSecond);
        BinaryPrimitives.WriteUInt16LittleEndian(h[32..], (ushort)format.BlockAlign);
        BinaryPrimitives.WriteUInt16LittleEndian(h[34..], (ushort)(format.BytesPerSample * 8));
        var position = 36;
        if (!pcm)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(h[36..], 0); // cbSize: no extension
            "fact"u8.CopyTo(h[38..]);
            BinaryPrimitives.WriteUInt32LittleEndian(h[42..], 4);
            BinaryPrimitives.WriteUInt32LittleEndian(h[46..], sampleFrames);
            position = 50;
        }

        "data"u8.CopyTo(h[position..]);
        BinaryPrimitives.WriteUInt32LittleEndian(h[(position + 4)..], dataSize);
        return headerLength;
    }

    private static byte[] ReadToEnd(Stream stream, int maxLength, out int length)
    {
        byte[] buffer;
        if (stream.CanSeek)
        {
            var remaining = Math.Max(0, stream.Length - stream.Position);
            if (remaining > maxLength)
            {
                throw TooLong(maxLength);
            }

            buffer = new byte[remaining];
            length = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            return buffer;
        }

        buffer = new byte[Math.Min(maxLength, 64 * 1024)];
        length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (length == maxLength)
                {
                    if (stream.ReadByte() >= 0)
                    {
                        throw TooLong(maxLength);
                    }

                    return buffer;
                }

                Array.Resize(ref buffer, (int)Math.Min(2L * buffer.Length, maxLength));
            }

            var read = stream.Read(buffer, length, buffer.Length - length);
            if (read == 0)
            {
                return buffer;
            }

            length += read;
        }
    }

    private static WavFormatException TooLong(int maxLength) =>
        new($"WAV input continues past byte {maxLength}, the limit of {maxLength} bytes; pass a larger maxLength to read it.", maxLength);

    /// <summary>Finds the format and the audio bytes of a WAV file, validating everything on the way.</summary>
    private static AudioFormat Parse(ReadOnlySpan<byte> file, out int dataOffset, out int dataLength)
    {
        if (file.Length < 4 || !file[..4].SequenceEqual("RIFF"u8))
        {
            if (file.Length < 4 && "RIFF"u8.StartsWith(file))
            {
                throw new WavFormatException($"WAV input ends at byte {file.Length}, inside the 12-byte RIFF header.", file.Length);
            }

            var found = file[..Math.Min(4, file.Length)];
            if (found.SequenceEqual("RIFX"u8))
            {
                throw new WavFormatException("WAV file at byte 0 is RIFX; unsupported: big-endian RIFX (only little-endian RIFF is read).", 0);
            }

            if (found.SequenceEqual("RF64"u8))
            {
                throw new WavFormatException("WAV file at byte 0 is RF64; unsupported: RF64 (64-bit sizes for files over 4 GiB).", 0);
            }

            throw new WavFormatException($"WAV file does not start with 'RIFF' at byte 0 (found {FourCC(found)}); it is not a WAV file.", 0);
        }

        if (file.Length < 12)
        {
            throw new WavFormatException($"WAV input ends at byte {file.Length}, inside the 12-byte RIFF header.", file.Length);
        }

        if (!file[8..12].SequenceEqual("WAVE"u8))
        {
            throw new WavFormatException($"WAV RIFF form type at byte 8 is {FourCC(file[8..12])}, not 'WAVE'; this RIFF file is not a WAV file.", 8);
        }

        var riffSize = BinaryPrimitives.ReadUInt32LittleEndian(file[4..]);
        AudioFormat format = default;
        long position = 12;
        while (position < file.Length)
        {
            // Every iteration advances by at least the 8-byte chunk header, so the loop ends.
            var chunk = (int)position;
            if (file.Length - chunk < 8)
            {
                throw new WavFormatException(
                    $"WAV input ends at byte {file.Length}, inside the chunk header at byte {chunk} (8 bytes needed).", chunk);
            }

            var id = file.Slice(chunk, 4);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(file[(chunk + 4)..]);
            var body = chunk + 8;
            long remaining = file.Length - body;

            if (id.SequenceEqual("fmt "u8))
            {
                if (format.IsValid)
                {
                    throw new WavFormatException($"WAV file has a second 'fmt ' chunk at byte {chunk}.", chunk);
                }

                if (size < 16)
                {
                    throw new WavFormatException(
                        $"WAV 'fmt ' chunk at byte {chunk} declares size {size}, too small for a format header (16 bytes needed).", chunk);
                }

                if (size > remaining)
                {
                    throw Overrun(id, chunk, size, remaining);
                }

                format = ParseFormat(file.Slice(body, (int)size), chunk);
            }
            else if (id.SequenceEqual("data"u8))
            {
                if (!format.IsValid)
                {
                    throw new WavFormatException(
                        $"WAV 'data' chunk at byte {chunk} comes before the 'fmt ' chunk, so its format is unknown.", chunk);
                }

                long length;
                var riffEnd = riffSize + 8L;
                var unpatchedEmpty = size == 0 && remaining > 0 && !(riffEnd > body && riffEnd <= file.Length);
                if (size == uint.MaxValue || unpatchedEmpty)
                {
                    // A streaming writer's placeholder: the audio runs to the end of the input.
                    length = remaining - (remaining % format.BlockAlign);
                }
                else if (size > remaining)
                {
                    throw new WavFormatException(
                        $"WAV 'data' chunk at byte {chunk} declares {size} bytes but only {remaining} follow its header; the file is truncated.", chunk);
                }
                else if (size % format.BlockAlign != 0)
                {
                    throw new WavFormatException(
                        $"WAV 'data' chunk at byte {chunk} declares {size} bytes, not a whole number of {format.BlockAlign}-byte sample frames of {format}.", chunk);
                }
                else
                {
                    length = size;
                }

                dataOffset = body;
                dataLength = (int)length;
                return format;
            }
            else if (size > remaining)
            {
                throw Overrun(id, chunk, size, remaining);
            }

            position = body + (long)size + (size & 1);
        }

        throw format.IsValid
            ? new WavFormatException($"WAV file has no 'data' chunk (searched to the end at byte {file.Length}).", file.Length)
            : new WavFormatException($"WAV file has no 'fmt ' chunk (searched to the end at byte {file.Length}).", file.Length);
    }

    /// <summary>Validates a <c>fmt </c> chunk body; <paramref name="chunk"/> is the offset of the chunk header, for messages.</summary>
    private static AudioFormat ParseFormat(ReadOnlySpan<byte> fmt, int chunk)
    {
        var at = chunk + 8;
        var tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
        var channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt[2..]);
        var sampleRate = BinaryPrimitives.ReadUInt32LittleEndian(fmt[4..]);
        var byteRate = BinaryPrimitives.ReadUInt32LittleEndian(fmt[8..]);
        var blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(fmt[12..]);
        var bits = BinaryPrimitives.ReadUInt16LittleEndian(fmt[14..]);

        var effectiveTag = tag;
        var tagOffset = at;
        if (tag == TagExtensible)
        {
            if (fmt.Length < 40)
            {
                throw new WavFormatException(
                    $"WAV 'fmt ' chunk at byte {chunk} is WAVE_FORMAT_EXTENSIBLE with size {fmt.Length}, too small for the extension (40 bytes needed).", chunk);
            }

            var extensionSize = BinaryPrimitives.ReadUInt16LittleEndian(fmt[16..]);
            if (extensionSize < 22)
            {
                throw new WavFormatException(
                    $"WAV WAVE_FORMAT_EXTENSIBLE extension size at byte {at + 16} is {extensionSize}, less than the 22 bytes it needs.", at + 16);
            }

            var validBits = BinaryPrimitives.ReadUInt16LittleEndian(fmt[18..]);
            if (validBits > bits)
            {
                throw new WavFormatException(
                    $"WAV WAVE_FORMAT_EXTENSIBLE at byte {at + 18} declares {validBits} valid bits in {bits}-bit samples.", at + 18);
            }

            var subFormat = fmt.Slice(24, 16);
            tagOffset = at + 24;
            if (!subFormat[2..].SequenceEqual(SubFormatGuidTail))
            {
                throw new WavFormatException(
                    $"WAV WAVE_FORMAT_EXTENSIBLE sub-format at byte {tagOffset} is {{{new Guid(subFormat)}}}; unsupported: only PCM, A-law and mu-law sub-formats are read.", tagOffset);
            }

            effectiveTag = BinaryPrimitives.ReadUInt16LittleEndian(subFormat);
        }

        AudioEncoding encoding;
        switch (effectiveTag)
        {
            case TagPcm:
                if (bits != 16)
                {
                    throw new WavFormatException(
                        $"WAV format at byte {at + 14} is {bits}-bit PCM; unsupported: {bits}-bit PCM (only 16-bit PCM is read).", at + 14);
                }

                encoding = AudioEncoding.Pcm16;
                break;
            case TagALaw or TagMuLaw:
                encoding = effectiveTag == TagALaw ? AudioEncoding.ALaw : AudioEncoding.MuLaw;
                if (bits != 8)
                {
                    throw new WavFormatException(
                        $"WAV format at byte {at + 14} declares {bits} bits per sample for {AudioFormat.EncodingName(encoding)}, which has 8.", at + 14);
                }

                break;
            default:
                throw new WavFormatException(
                    $"WAV format tag at byte {tagOffset} is 0x{effectiveTag:X4}; unsupported: {TagName(effectiveTag)} (only 16-bit PCM, mu-law and A-law are read).", tagOffset);
        }

        if (channels == 0)
        {
            throw new WavFormatException($"WAV format at byte {at + 2} declares 0 channels.", at + 2);
        }

        if (channels > AudioFormat.MaxChannels)
        {
            throw new WavFormatException(
                $"WAV format at byte {at + 2} declares {channels} channels; unsupported: more than {AudioFormat.MaxChannels} channels.", at + 2);
        }

        if (sampleRate is < AudioFormat.MinSampleRate or > AudioFormat.MaxSampleRate)
        {
            throw new WavFormatException(
                $"WAV format at byte {at + 4} declares a sample rate of {sampleRate} Hz; unsupported: rates outside {AudioFormat.MinSampleRate} to {AudioFormat.MaxSampleRate} Hz.", at + 4);
        }

        var expectedBlockAlign = channels * (bits / 8);
        if (blockAlign != expectedBlockAlign)
        {
            throw new WavFormatException(
                $"WAV format at byte {at + 12} declares block align {blockAlign}, but {channels} channel(s) of {bits}-bit samples need {expectedBlockAlign}.", at + 12);
        }

        var expectedByteRate = (long)blockAlign * sampleRate;
        if (byteRate != expectedByteRate)
        {
            throw new WavFormatException(
                $"WAV format at byte {at + 8} declares {byteRate} bytes per second, but {sampleRate} Hz of {blockAlign}-byte frames is {expectedByteRate}.", at + 8);
        }

        return new AudioFormat(encoding, (int)sampleRate, channels);
    }

    private static WavFormatException Overrun(ReadOnlySpan<byte> id, int chunk, uint size, long remaining) =>
        new($"WAV {FourCC(id)} chunk at byte {chunk} declares size {size} but only {remaining} bytes follow its header; the file is truncated or the size is damaged.", chunk);

    private static string TagName(ushort tag) => tag switch
    {
        0 => "format tag 0 (unknown)",
        2 => "Microsoft ADPCM",
        TagIeeeFloat => "IEEE float",
        0x11 => "IMA ADPCM",
        0x31 => "GSM 6.10",
        0x55 => "MPEG Layer 3",
        _ => $"format tag 0x{tag:X4}",
    };

    /// <summary>A chunk ID for a message: quoted when printable ASCII, hexadecimal otherwise.</summary>
    private static string FourCC(ReadOnlySpan<byte> id)
    {
        foreach (var b in id)
        {
            if (b is < 0x20 or > 0x7E)
            {
                return "0x" + Convert.ToHexString(id);
            }
        }

        return "'" + System.Text.Encoding.ASCII.GetString(id) + "'";
    }
}
