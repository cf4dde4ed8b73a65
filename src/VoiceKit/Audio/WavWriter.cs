namespace VoiceKit.Audio;

/// <summary>
/// Writes a WAV file as audio arrives, for example a call recording: a header with placeholder sizes first, then the
/// samples, then on dispose the real sizes. The finished file is byte-for-byte what
/// <see cref="WavFile.Write(Stream, AudioFormat, ReadOnlySpan{byte})"/> writes for the same audio.
/// </summary>
/// <remarks>
/// <para>
/// The stream must be writable and seekable, because disposing seeks back to patch the header. Until then the header
/// declares a data size of <c>0xFFFFFFFF</c>, which <see cref="WavFile"/> (and most readers) read as "to the end of
/// the file", so a recording cut short by a crash is still readable.
/// </para>
/// <para>
/// Not thread-safe: one writer at a time, and no <see cref="Write"/> while a <see cref="WriteAsync"/> is pending. The
/// writer disposes the stream when it is disposed unless it was created with <c>leaveOpen: true</c>.
/// </para>
/// </remarks>
public sealed class WavWriter : IDisposable, IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly long _start;
    private readonly long _maxDataLength;
    private bool _disposed;

    /// <summary>Starts a WAV file at the current position of <paramref name="stream"/> by writing its header.</summary>
    /// <param name="stream">A writable, seekable stream.</param>
    /// <param name="format">The format of the audio that will be written.</param>
    /// <param name="leaveOpen">Whether to leave <paramref name="stream"/> open when the writer is disposed.</param>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not writable or not seekable, or
    /// <paramref name="format"/> is <c>default</c>.</exception>
    public WavWriter(Stream stream, AudioFormat format, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite || !stream.CanSeek)
        {
            throw new ArgumentException(
                "WavWriter needs a writable, seekable stream to patch the header sizes when it is disposed; write to a file or MemoryStream, or use WavFile.Write with the whole audio.",
                nameof(stream));
        }

        WavFile.ValidateForWrite(format, 0);
        _stream = stream;
        _leaveOpen = leaveOpen;
        _start = stream.Position;
        _maxDataLength = WavFile.MaxDataLength(format);
        Format = format;

        Span<byte> header = stackalloc byte[WavFile.MaxHeaderLength];
        var headerLength = WavFile.WriteHeader(header, format, dataLength: -1);
        stream.Write(header[..headerLength]);
    }

    /// <summary>The format of the audio being written.</summary>
    public AudioFormat Format { get; }

    /// <summary>The audio bytes written so far.</summary>
    public long DataLength { get; private set; }

    /// <summary>How long the audio written so far plays for.</summary>
    public TimeSpan Duration => Format.DurationOf(DataLength);

    /// <summary>Appends samples.</summary>
    /// <param name="data">Interleaved samples in <see cref="Format"/>, a whole number of sample frames.</param>
    /// <exception cref="ArgumentException"><paramref name="data"/> is not whole sample frames.</exception>
    /// <exception cref="InvalidOperationException">The file would exceed the 4 GiB RIFF limit; nothing was written.</exception>
    /// <exception cref="ObjectDisposedException">The writer is disposed.</exception>
    public void Write(ReadOnlySpan<byte> data)
    {
        CheckWrite(data.Length);
        _stream.Write(data);
        DataLength += data.Length;
    }

    /// <summary>Appends samples asynchronously.</summary>
    /// <param name="data">Interleaved samples in <see cref="Format"/>, a whole number of sample frames; not used after the returned task completes.</param>
    /// <param name="cancellationToken">Cancels the write; the file is then in an unknown state.</param>
    /// <exception cref="ArgumentException"><paramref name="data"/> is not whole sample frames.</exception>
    /// <exception cref="InvalidOperationException">The file would exceed the 4 GiB RIFF limit; nothing was written.</exception>
    /// <exception cref="ObjectDisposedException">The writer is disposed.</exception>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        CheckWrite(data.Length);
        await _stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        DataLength += data.Length;
    }

    /// <summary>Adds the pad byte if needed, patches the header sizes, flushes, and disposes the stream unless left open.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            Span<byte> header = stackalloc byte[WavFile.MaxHeaderLength];
            var headerLength = WavFile.WriteHeader(header, Format, DataLength);
            if ((DataLength & 1) != 0)
            {
                _stream.WriteByte(0);
            }

            var end = _stream.Position;
            _stream.Position = _start;
            _stream.Write(header[..headerLength]);
            _stream.Position = end;
            _stream.Flush();
        }
        finally
        {
            if (!_leaveOpen)
            {
                _stream.Dispose();
            }
        }
    }

    /// <summary>Adds the pad byte if needed, patches the header sizes, flushes, and disposes the stream unless left open.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            var header = new byte[WavFile.MaxHeaderLength];
            var headerLength = WavFile.WriteHeader(header, Format, DataLength);
            if ((DataLength & 1) != 0)
            {
                await _stream.WriteAsync(new byte[1]).ConfigureAwait(false);
            }

            var end = _stream.Position;
            _stream.Position = _start;
            await _stream.WriteAsync(header.AsMemory(0, headerLength)).ConfigureAwait(false);
            _stream.Position = end;
            await _stream.FlushAsync().ConfigureAwait(false);
        }
        finally
        {
            if (!_leaveOpen)
            {
                await _stream.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private void CheckWrite(int length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (length % Format.BlockAlign != 0)
        {
            throw new ArgumentException(
                $"{length} bytes is not a whole number of {Format.BlockAlign}-byte sample frames of {Format}.", "data");
        }

        if (DataLength + length > _maxDataLength)
        {
            throw new InvalidOperationException(
                $"Writing {length} more bytes after {DataLength} would make the WAV file larger than the 4 GiB RIFF limit ({_maxDataLength} bytes of {Format} at most); finish this file and start another.");
        }
    }
}
