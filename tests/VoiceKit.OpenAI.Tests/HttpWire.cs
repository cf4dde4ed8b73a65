using System.Net;
using System.Net.Sockets;
using System.Text;

namespace VoiceKit.OpenAI.Tests;

/// <summary>Reads HTTP/1.1 requests (Content-Length or chunked bodies) from one connection, for the stand-in.</summary>
internal sealed class HttpWireReader(Stream network)
{
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    /// <summary>The next request, or <see langword="null"/> when the client closed the connection.</summary>
    public async Task<ReceivedRequest?> ReadRequestAsync()
    {
        var head = await ReadLineBlockAsync();
        if (head is null)
        {
            return null;
        }

        var lines = head.Split("\r\n");
        var requestLine = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon]] = line[(colon + 1)..].Trim();
        }

        byte[] body;
        if (headers.TryGetValue("Content-Length", out var length))
        {
            body = await ReadExactlyAsync(int.Parse(length, System.Globalization.CultureInfo.InvariantCulture));
        }
        else if (headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            using var collected = new MemoryStream();
            while (true)
            {
                var sizeLine = await ReadLineAsync() ?? throw new IOException("The request body ended early.");
                var size = Convert.ToInt32(sizeLine.Split(';')[0].Trim(), 16);
                if (size == 0)
                {
                    await ReadLineAsync();
                    break;
                }

                collected.Write(await ReadExactlyAsync(size));
                await ReadLineAsync();
            }

            body = collected.ToArray();
        }
        else
        {
            body = [];
        }

        var target = requestLine[1];
        var query = target.IndexOf('?', StringComparison.Ordinal);
        return new ReceivedRequest(requestLine[0], query < 0 ? target : target[..query], query < 0 ? null : target[query..], headers, body);
    }

    private async Task<bool> FillAsync()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        var read = await network.ReadAsync(_buffer.AsMemory(_end));
        _end += read;
        return read > 0;
    }

    private async Task<string?> ReadLineBlockAsync()
    {
        while (true)
        {
            var at = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8);
            if (at >= 0)
            {
                var text = Encoding.ASCII.GetString(_buffer, _start, at);
                _start += at + 4;
                return text;
            }

            if (!await FillAsync())
            {
                return null;
            }
        }
    }

    private async Task<string?> ReadLineAsync()
    {
        while (true)
        {
            var at = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8);
            if (at >= 0)
            {
                var text = Encoding.ASCII.GetString(_buffer, _start, at);
                _start += at + 2;
                return text;
            }

            if (!await FillAsync())
            {
                return null;
            }
        }
    }

    private async Task<byte[]> ReadExactlyAsync(int count)
    {
        var result = new byte[count];
        var copied = 0;
        while (copied < count)
        {
            if (_start == _end && !await FillAsync())
            {
                throw new IOException("The request body ended early.");
            }

            var take = Math.Min(count - copied, _end - _start);
            Buffer.BlockCopy(_buffer, _start, result, copied, take);
            _start += take;
            copied += take;
        }

        return result;
    }
}

/// <summary>Writes one HTTP/1.1 response: whole (Content-Length) or chunked, and can cut it off mid-body by resetting the connection.</summary>
internal sealed class StandInResponse(Socket socket, Stream network)
{
    public bool Aborted { get; private set; }

    public Task WriteAsync(HttpStatusCode status, string contentType, string body) => WriteAsync(status, contentType, Encoding.UTF8.GetBytes(body));

    public async Task WriteAsync(HttpStatusCode status, string contentType, byte[] body)
    {
        await network.WriteAsync(Head(status, contentType, $"Content-Length: {body.Length}"));
        await network.WriteAsync(body);
        await network.FlushAsync();
    }

    public async Task StartChunkedAsync(HttpStatusCode status, string contentType)
    {
        await network.WriteAsync(Head(status, contentType, "Transfer-Encoding: chunked"));
        await network.FlushAsync();
    }

    public async Task WriteChunkAsync(ReadOnlyMemory<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        await network.WriteAsync(Encoding.ASCII.GetBytes($"{data.Length:x}\r\n"));
        await network.WriteAsync(data);
        await network.WriteAsync("\r\n"u8.ToArray());
        await network.FlushAsync();
    }

    public async Task EndChunkedAsync()
    {
        await network.WriteAsync("0\r\n\r\n"u8.ToArray());
        await network.FlushAsync();
    }

    /// <summary>Drops the connection with a reset, as a proxy or a crashed server does: no last chunk.</summary>
    public void Abort()
    {
        Aborted = true;
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    private static byte[] Head(HttpStatusCode status, string contentType, string framing) =>
        Encoding.ASCII.GetBytes($"HTTP/1.1 {(int)status} {status}\r\nContent-Type: {contentType}\r\n{framing}\r\nDate: {DateTime.UtcNow:R}\r\n\r\n");
}
