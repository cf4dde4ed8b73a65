using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace VoiceKit.Twilio;

/// <summary>
/// Writes the messages the transport sends Twilio (protocols.md §5.3) into one reused buffer, byte for byte:
/// <c>{"event":"media","streamSid":"MZ…","media":{"payload":"…"}}</c>,
/// <c>{"event":"mark","streamSid":"MZ…","mark":{"name":"vk-1"}}</c> and <c>{"event":"clear","streamSid":"MZ…"}</c>.
/// </summary>
/// <remarks>
/// Not thread-safe: the memory returned is valid until the next call, so only the holder of the transport's send lock
/// uses it. The stream SID is embedded verbatim, so it must be JSON-safe (the transport accepts letters and digits only).
/// </remarks>
internal sealed class TwilioOutboundMessages : IDisposable
{
    /// <summary>The prefix of every mark name this transport sends; the rest is a decimal sequence number.</summary>
    public static ReadOnlySpan<byte> MarkPrefix => "vk-"u8;

    private static ReadOnlySpan<byte> ObjectEnd => "\"}}"u8;

    private readonly byte[] _mediaPrefix;
    private readonly byte[] _markPrefix;
    private readonly byte[] _clear;
    private byte[] _buffer;

    /// <summary>Creates the writer for one stream.</summary>
    /// <param name="streamSid">The stream's SID (letters and digits).</param>
    /// <param name="maxAudioBytes">The largest media payload, before base64.</param>
    public TwilioOutboundMessages(string streamSid, int maxAudioBytes)
    {
        _mediaPrefix = Encoding.UTF8.GetBytes("{\"event\":\"media\",\"streamSid\":\"" + streamSid + "\",\"media\":{\"payload\":\"");
        _markPrefix = Encoding.UTF8.GetBytes("{\"event\":\"mark\",\"streamSid\":\"" + streamSid + "\",\"mark\":{\"name\":\"");
        _clear = Encoding.UTF8.GetBytes("{\"event\":\"clear\",\"streamSid\":\"" + streamSid + "\"}");
        var size = Math.Max(_mediaPrefix.Length + Base64.GetMaxEncodedToUtf8Length(maxAudioBytes), _markPrefix.Length + MarkPrefix.Length + 20) + ObjectEnd.Length;
        _buffer = ArrayPool<byte>.Shared.Rent(size);
    }

    /// <summary>The <c>clear</c> message.</summary>
    public ReadOnlyMemory<byte> Clear => _clear;

    /// <summary>A <c>media</c> message carrying <paramref name="audio"/> (mu-law, at most the size given at construction).</summary>
    public ReadOnlyMemory<byte> Media(ReadOnlySpan<byte> audio)
    {
        var span = _buffer.AsSpan();
        _mediaPrefix.CopyTo(span);
        var length = _mediaPrefix.Length;
        Base64.EncodeToUtf8(audio, span[length..], out _, out var written);
        length += written;
        ObjectEnd.CopyTo(span[length..]);
        return _buffer.AsMemory(0, length + ObjectEnd.Length);
    }

    /// <summary>A <c>mark</c> message named <c>vk-{sequence}</c>.</summary>
    public ReadOnlyMemory<byte> Mark(long sequence)
    {
        var span = _buffer.AsSpan();
        _markPrefix.CopyTo(span);
        var length = _markPrefix.Length;
        MarkPrefix.CopyTo(span[length..]);
        length += MarkPrefix.Length;
        Utf8Formatter.TryFormat(sequence, span[length..], out var written);
        length += written;
        ObjectEnd.CopyTo(span[length..]);
        return _buffer.AsMemory(0, length + ObjectEnd.Length);
    }

    /// <summary>Reads the sequence number back from an echoed mark's name.</summary>
    /// <returns>False when the name is not one this transport sent.</returns>
    public static bool TryParseMarkName(ReadOnlySpan<byte> name, out long sequence)
    {
        sequence = 0;
        return name.StartsWith(MarkPrefix)
            && Utf8Parser.TryParse(name[MarkPrefix.Length..], out sequence, out var consumed)
            && consumed == name.Length - MarkPrefix.Length;
    }

    /// <summary>Returns the buffer to the pool.</summary>
    public void Dispose()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }
}
