using System.Text;

namespace VoiceKit.OpenAI;

/// <summary>
/// Passes a server-sent-event body through unchanged while watching its lines for an error event
/// (<c>data: {"error":{...}}</c>). The bytes before such a line are delivered; the read after them throws a
/// <see cref="VoiceProviderException"/> with OpenAI's message and code. Only a line that starts like an error event is
/// copied aside (up to <see cref="MaxErrorLine"/> bytes); every other line is rejected after its first bytes.
/// </summary>
internal sealed class ServerSentErrorStream(Stream inner, OpenAIVoiceOptions settings) : Stream
{
    /// <summary>The longest error event kept for its message; a longer one is still reported, without the message.</summary>
    internal const int MaxErrorLine = 16 * 1024;

    private static readonly byte[] s_prefix = "data:{\"error\""u8.ToArray();

    private readonly byte[] _line = new byte[MaxErrorLine];
    private int _lineLength;
    private int _matched;
    private bool _rejected;
    private Exception? _pending;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfPending();
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Inspect(buffer.Span[..read], endOfStream: read == 0);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        ThrowIfPending();
        var read = inner.Read(buffer);
        return Inspect(buffer[..read], endOfStream: read == 0);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Scans what was read; returns how many bytes to deliver now (all of them, unless an error line starts in them).</summary>
    private int Inspect(ReadOnlySpan<byte> read, bool endOfStream)
    {
        var lineStart = 0;
        for (var i = 0; i < read.Length; i++)
        {
            var b = read[i];
            if (b == (byte)'\n')
            {
                if (_matched == s_prefix.Length)
                {
                    return Fail(lineStart);
                }

                _lineLength = 0;
                _matched = 0;
                _rejected = false;
                lineStart = i + 1;
                continue;
            }

            if (_rejected)
            {
                continue;
            }

            if (_matched < s_prefix.Length)
            {
                // Match "data:" then "{"error"", skipping the optional spaces after the colon and before the key.
                if (b == s_prefix[_matched])
                {
                    _matched++;
                }
                else if (b != (byte)' ' || _matched is not (5 or 6))
                {
                    _rejected = true;
                    continue;
                }
            }

            if (_lineLength < _line.Length)
            {
                _line[_lineLength++] = b;
            }
        }

        if (endOfStream && _matched == s_prefix.Length)
        {
            return Fail(read.Length);
        }

        return read.Length;

        int Fail(int deliver)
        {
            _pending = Parse();
            if (deliver > 0)
            {
                return deliver; // what came before the error line first; the next read throws
            }

            ThrowIfPending();
            return 0;
        }
    }

    private VoiceProviderException Parse()
    {
        var line = _line.AsSpan(0, _lineLength).TrimEnd((byte)'\r');
        var json = line[(line.IndexOf((byte)':') + 1)..];
        var (message, code) = OpenAIHttp.ParseError(json);
        return OpenAIHttp.ErrorFromStream("a chat completion", message ?? Encoding.UTF8.GetString(json[..Math.Min(json.Length, 200)]), code, settings);
    }

    private void ThrowIfPending()
    {
        if (_pending is { } pending)
        {
            throw pending;
        }
    }
}
