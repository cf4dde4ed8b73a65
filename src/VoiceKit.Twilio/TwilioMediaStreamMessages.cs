using System.Text.Json;
using System.Text.Json.Serialization;

namespace VoiceKit.Twilio;

// Media Streams messages Twilio sends (protocols.md §5.2). The once-per-call handshake (connected, start) is read with
// source-generated System.Text.Json; media, dtmf, mark and stop, fifty of which arrive every second, are read with a
// Utf8JsonReader into spans of the received buffer (TwilioInboundMessage), so they allocate nothing.

/// <summary>The <c>connected</c> or <c>start</c> message: the only fields read before the stream is running.</summary>
internal sealed class TwilioStartEnvelope
{
    public string? Event { get; set; }

    public string? StreamSid { get; set; }

    public TwilioStart? Start { get; set; }
}

/// <summary>The <c>start</c> object: which call and stream this is, the audio format, and the TwiML &lt;Parameter&gt;s.</summary>
internal sealed class TwilioStart
{
    public string? AccountSid { get; set; }

    public string? StreamSid { get; set; }

    public string? CallSid { get; set; }

    public List<string>? Tracks { get; set; }

    public TwilioMediaFormat? MediaFormat { get; set; }

    public Dictionary<string, string>? CustomParameters { get; set; }
}

/// <summary><c>start.mediaFormat</c>: always 8 kHz mono mu-law on Twilio today.</summary>
internal sealed class TwilioMediaFormat
{
    public string? Encoding { get; set; }

    public int SampleRate { get; set; }

    public int Channels { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(TwilioStartEnvelope))]
internal sealed partial class TwilioJsonContext : JsonSerializerContext;

/// <summary>The <c>event</c> of a message Twilio sent.</summary>
internal enum TwilioInboundEvent
{
    Unknown = 0,
    Connected,
    Start,
    Media,
    Dtmf,
    Mark,
    Stop,
}

/// <summary>Where a string value of a received message is: in the message itself, or unescaped into the scratch buffer.</summary>
internal readonly record struct TwilioTextRange(int Start, int Length, bool InScratch)
{
    /// <summary>The value's UTF-8 bytes.</summary>
    public ReadOnlySpan<byte> In(ReadOnlySpan<byte> json, ReadOnlySpan<byte> scratch) => (InScratch ? scratch : json).Slice(Start, Length);
}

/// <summary>
/// One message Twilio sent, read in place: its string values are ranges of the received buffer (or of the unescape
/// scratch), valid until the next message is received.
/// </summary>
internal struct TwilioInboundMessage
{
    /// <summary>The event; <see cref="TwilioInboundEvent.Unknown"/> for any event this transport does not know.</summary>
    public TwilioInboundEvent Event;

    /// <summary>The raw <c>event</c> value, for logging an unknown event.</summary>
    public TwilioTextRange EventName;

    /// <summary>Whether <c>streamSid</c> is present and equals the stream's.</summary>
    public bool StreamSidMatches;

    /// <summary><c>media.payload</c>: base64 text.</summary>
    public TwilioTextRange Payload;

    /// <summary>Whether <c>media.track</c> is <c>outbound</c> (only with <c>both_tracks</c>): the agent's own audio.</summary>
    public bool IsOutboundTrack;

    /// <summary><c>dtmf.digit</c>.</summary>
    public TwilioTextRange Digit;

    /// <summary><c>mark.name</c>.</summary>
    public TwilioTextRange MarkName;

    /// <summary>Reads a message.</summary>
    /// <param name="json">The UTF-8 text of one WebSocket message.</param>
    /// <param name="streamSid">The stream's SID in UTF-8, to compare <c>streamSid</c> with.</param>
    /// <param name="scratch">Room to unescape strings holding JSON escapes: as long as <paramref name="json"/> when it contains a backslash, else may be empty.</param>
    /// <param name="message">The message, when it is a JSON object.</param>
    /// <returns>False when the text is not JSON or not an object.</returns>
    public static bool TryParse(ReadOnlySpan<byte> json, ReadOnlySpan<byte> streamSid, Span<byte> scratch, out TwilioInboundMessage message)
    {
        message = default;
        var scratchUsed = 0;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 16 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("event"u8))
                {
                    reader.Read();
                    message.Event = ParseEvent(ref reader);
                    message.EventName = reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped ? InPlace(ref reader) : default;
                }
                else if (reader.ValueTextEquals("streamSid"u8))
                {
                    reader.Read();
                    message.StreamSidMatches = reader.TokenType == JsonTokenType.String && !streamSid.IsEmpty && reader.ValueTextEquals(streamSid);
                }
                else if (reader.ValueTextEquals("media"u8))
                {
                    reader.Read();
                    ReadObject(ref reader, ref message, scratch, ref scratchUsed, ObjectKind.Media);
                }
                else if (reader.ValueTextEquals("dtmf"u8))
                {
                    reader.Read();
                    ReadObject(ref reader, ref message, scratch, ref scratchUsed, ObjectKind.Dtmf);
                }
                else if (reader.ValueTextEquals("mark"u8))
                {
                    reader.Read();
                    ReadObject(ref reader, ref message, scratch, ref scratchUsed, ObjectKind.Mark);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject)
            {
                message = default;
                return false;
            }

            // Anything after the object (a second object, garbage) makes the message invalid.
            if (reader.Read())
            {
                message = default;
                return false;
            }

            return true;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: an escape the reader accepts but cannot unescape (an unpaired surrogate, "\ud800").
            message = default;
            return false;
        }
    }

    private enum ObjectKind
    {
        Media,
        Dtmf,
        Mark,
    }

    private static TwilioInboundEvent ParseEvent(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            reader.Skip();
            return TwilioInboundEvent.Unknown;
        }

        return reader.ValueTextEquals("media"u8) ? TwilioInboundEvent.Media
            : reader.ValueTextEquals("mark"u8) ? TwilioInboundEvent.Mark
            : reader.ValueTextEquals("dtmf"u8) ? TwilioInboundEvent.Dtmf
            : reader.ValueTextEquals("stop"u8) ? TwilioInboundEvent.Stop
            : reader.ValueTextEquals("start"u8) ? TwilioInboundEvent.Start
            : reader.ValueTextEquals("connected"u8) ? TwilioInboundEvent.Connected
            : TwilioInboundEvent.Unknown;
    }

    private static void ReadObject(ref Utf8JsonReader reader, ref TwilioInboundMessage message, Span<byte> scratch, ref int scratchUsed, ObjectKind kind)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        var depth = reader.CurrentDepth;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }

            if (kind == ObjectKind.Media && reader.ValueTextEquals("payload"u8))
            {
                reader.Read();
                message.Payload = StringValue(ref reader, scratch, ref scratchUsed);
            }
            else if (kind == ObjectKind.Media && reader.ValueTextEquals("track"u8))
            {
                reader.Read();
                message.IsOutboundTrack = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("outbound"u8);
            }
            else if (kind == ObjectKind.Dtmf && reader.ValueTextEquals("digit"u8))
            {
                reader.Read();
                message.Digit = StringValue(ref reader, scratch, ref scratchUsed);
            }
            else if (kind == ObjectKind.Mark && reader.ValueTextEquals("name"u8))
            {
                reader.Read();
                message.MarkName = StringValue(ref reader, scratch, ref scratchUsed);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    /// <summary>The range of the current string token's value inside the message (the token starts at its quote).</summary>
    private static TwilioTextRange InPlace(ref Utf8JsonReader reader) => new(checked((int)reader.TokenStartIndex + 1), reader.ValueSpan.Length, InScratch: false);

    /// <summary>A string value: in place when it has no escapes (always, from Twilio), else unescaped into the scratch.</summary>
    private static TwilioTextRange StringValue(ref Utf8JsonReader reader, Span<byte> scratch, ref int scratchUsed)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            reader.Skip();
            return default;
        }

        if (!reader.ValueIsEscaped)
        {
            return InPlace(ref reader);
        }

        if (scratch.Length - scratchUsed < reader.ValueSpan.Length)
        {
            return default;
        }

        var written = reader.CopyString(scratch[scratchUsed..]);
        var range = new TwilioTextRange(scratchUsed, written, InScratch: true);
        scratchUsed += written;
        return range;
    }
}
