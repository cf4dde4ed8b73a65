using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace VoiceKit.ElevenLabs;

/// <summary>What one server message of the stream-input socket carried.</summary>
/// <param name="AudioLength">Bytes of audio decoded (0 when <c>audio</c> was null, empty or absent).</param>
/// <param name="HasAlignment">Whether <c>alignment</c> was present and not null.</param>
/// <param name="IsFinal">Whether <c>isFinal</c> was true: the reply's audio is complete.</param>
/// <param name="IsError">Whether the message is an error (<c>{"message":..,"error":..,"code":..}</c>).</param>
internal readonly record struct ElevenLabsServerMessage(int AudioLength, bool HasAlignment, bool IsFinal, bool IsError);

/// <summary>
/// Reads the server's messages (protocols.md §3.3) straight from their UTF-8 bytes with a <see cref="Utf8JsonReader"/>:
/// the base64 audio is decoded into a reused buffer and the alignment into reused arrays, so an audio message allocates
/// nothing. Unknown properties are skipped. Not thread-safe: one per stream, used by its reader; <see cref="Release"/>
/// returns the pooled arrays.
/// </summary>
internal sealed class ElevenLabsMessageParser
{
    private byte[] _audio = ArrayPool<byte>.Shared.Rent(16 * 1024);
    private bool[] _whitespace = ArrayPool<bool>.Shared.Rent(256);
    private double[] _startMs = ArrayPool<double>.Shared.Rent(256);
    private int _charCount;
    private int _startCount;

    /// <summary>The audio buffer: the caller's carried-over bytes, then the last message's decoded audio.</summary>
    public byte[] Audio => _audio;

    /// <summary>Characters in the last message's <c>alignment</c> (chars and start times both present).</summary>
    public int AlignmentLength => Math.Min(_charCount, _startCount);

    /// <summary>Whether alignment character <paramref name="index"/> is whitespace.</summary>
    public bool IsWhitespace(int index) => _whitespace[index];

    /// <summary>When alignment character <paramref name="index"/> starts, in milliseconds from the start of its message's audio.</summary>
    public double StartMs(int index) => _startMs[index];

    /// <summary>Parses one message, decoding its audio into <see cref="Audio"/> after the first <paramref name="audioOffset"/> bytes (which are kept).</summary>
    /// <param name="json">The message.</param>
    /// <param name="audioOffset">Bytes at the start of <see cref="Audio"/> to keep (a partial sample carried over).</param>
    /// <returns>What the message carried.</returns>
    /// <exception cref="JsonException">The message is not JSON of the expected shape, or its audio is not base64.</exception>
    public ElevenLabsServerMessage Parse(ReadOnlySpan<byte> json, int audioOffset)
    {
        _charCount = 0;
        _startCount = 0;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 16 });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("The message is not a JSON object.");
        }

        int audioLength = 0;
        bool hasAlignment = false, isFinal = false, isError = false, hasMessage = false;
        while (true)
        {
            if (!reader.Read())
            {
                throw new JsonException("The message ends inside its object.");
            }

            if (reader.TokenType == JsonTokenType.EndObject)
            {
                break;
            }

            if (reader.ValueTextEquals("audio"u8))
            {
                Next(ref reader);
                audioLength = reader.TokenType switch
                {
                    JsonTokenType.String => DecodeAudio(ref reader, audioOffset),
                    JsonTokenType.Null => 0,
                    _ => throw new JsonException("\"audio\" is neither a string nor null."),
                };
            }
            else if (reader.ValueTextEquals("isFinal"u8))
            {
                Next(ref reader);
                isFinal = reader.TokenType switch
                {
                    JsonTokenType.True => true,
                    JsonTokenType.False or JsonTokenType.Null => false,
                    _ => throw new JsonException("\"isFinal\" is neither a boolean nor null."),
                };
            }
            else if (reader.ValueTextEquals("alignment"u8))
            {
                Next(ref reader);
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    ReadAlignment(ref reader);
                    hasAlignment = true;
                }
                else if (reader.TokenType != JsonTokenType.Null)
                {
                    throw new JsonException("\"alignment\" is neither an object nor null.");
                }
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                Next(ref reader);
                isError |= reader.TokenType != JsonTokenType.Null;
                reader.Skip();
            }
            else if (reader.ValueTextEquals("message"u8))
            {
                Next(ref reader);
                hasMessage |= reader.TokenType == JsonTokenType.String;
                reader.Skip();
            }
            else
            {
                Next(ref reader);
                reader.Skip();
            }
        }

        // An error has "error"; a bare {"message":...} with nothing else is treated as one too rather than ignored.
        isError |= hasMessage && audioLength == 0 && !hasAlignment && !isFinal;
        return new ElevenLabsServerMessage(audioLength, hasAlignment, isFinal, isError);
    }

    /// <summary>Reads an error message with the source-generated serializer (errors are rare; no need to be clever).</summary>
    /// <param name="json">The message.</param>
    /// <returns>The error.</returns>
    public static ElevenLabsError ParseError(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize(json, ElevenLabsJsonContext.Default.ElevenLabsError) ?? new ElevenLabsError();

    /// <summary>Makes sure <see cref="Audio"/> holds at least <paramref name="length"/> bytes, keeping the first <paramref name="keep"/>.</summary>
    public void EnsureAudioCapacity(int length, int keep)
    {
        if (_audio.Length >= length)
        {
            return;
        }

        var bigger = ArrayPool<byte>.Shared.Rent(length);
        _audio.AsSpan(0, keep).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_audio);
        _audio = bigger;
    }

    /// <summary>Returns the pooled arrays; the parser must not be used afterwards.</summary>
    public void Release()
    {
        ArrayPool<byte>.Shared.Return(_audio);
        ArrayPool<bool>.Shared.Return(_whitespace);
        ArrayPool<double>.Shared.Return(_startMs);
        _audio = [];
        _whitespace = [];
        _startMs = [];
    }

    private static void Next(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw new JsonException("The message ends after a property name.");
        }
    }

    private int DecodeAudio(ref Utf8JsonReader reader, int audioOffset)
    {
        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            return DecodeBase64(reader.ValueSpan, audioOffset);
        }

        // Base64 never needs escaping, but "\/" is legal JSON for "/": unescape into a rented buffer first.
        var rented = ArrayPool<byte>.Shared.Rent(reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length);
        try
        {
            var length = reader.CopyString(rented);
            return DecodeBase64(rented.AsSpan(0, length), audioOffset);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private int DecodeBase64(ReadOnlySpan<byte> base64, int audioOffset)
    {
        EnsureAudioCapacity(audioOffset + Base64.GetMaxDecodedFromUtf8Length(base64.Length), audioOffset);
        var status = Base64.DecodeFromUtf8(base64, _audio.AsSpan(audioOffset), out _, out var written);
        if (status != OperationStatus.Done)
        {
            throw new JsonException("\"audio\" is not valid base64.");
        }

        return written;
    }

    private void ReadAlignment(ref Utf8JsonReader reader)
    {
        while (true)
        {
            Next(ref reader);
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                return;
            }

            if (reader.ValueTextEquals("chars"u8))
            {
                Next(ref reader);
                ExpectArray(ref reader, "chars");
                while (ReadElement(ref reader))
                {
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        throw new JsonException("\"alignment.chars\" holds something other than strings.");
                    }

                    Grow(ref _whitespace, _charCount);
                    _whitespace[_charCount++] = IsWhitespaceString(ref reader);
                }
            }
            else if (reader.ValueTextEquals("charStartTimesMs"u8))
            {
                Next(ref reader);
                ExpectArray(ref reader, "charStartTimesMs");
                while (ReadElement(ref reader))
                {
                    if (reader.TokenType != JsonTokenType.Number)
                    {
                        throw new JsonException("\"alignment.charStartTimesMs\" holds something other than numbers.");
                    }

                    Grow(ref _startMs, _startCount);
                    _startMs[_startCount++] = reader.GetDouble();
                }
            }
            else
            {
                Next(ref reader);
                reader.Skip();
            }
        }
    }

    private static void ExpectArray(ref Utf8JsonReader reader, string name)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException($"\"alignment.{name}\" is not an array.");
        }
    }

    private static bool ReadElement(ref Utf8JsonReader reader)
    {
        Next(ref reader);
        return reader.TokenType != JsonTokenType.EndArray;
    }

    private static bool IsWhitespaceString(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            var span = reader.ValueSpan;
            if (span.IsEmpty)
            {
                return true;
            }

            // Whitespace by the same rule as SpokenCharacters counts the text sent (Rune.IsWhiteSpace), so that a no-break
            // space sent unescaped does not count as speech here and not there, which would put every later segment
            // boundary a character early.
            while (!span.IsEmpty)
            {
                if (Rune.DecodeFromUtf8(span, out var rune, out var consumed) != OperationStatus.Done || !Rune.IsWhiteSpace(rune))
                {
                    return false;
                }

                span = span[consumed..];
            }

            return true;
        }

        return string.IsNullOrWhiteSpace(reader.GetString()); // Escaped ("\n", "\u00e9"): rare, so a string is fine.
    }

    private static void Grow<T>(ref T[] array, int index)
    {
        if (index < array.Length)
        {
            return;
        }

        var bigger = ArrayPool<T>.Shared.Rent(array.Length * 2);
        array.AsSpan().CopyTo(bigger);
        ArrayPool<T>.Shared.Return(array);
        array = bigger;
    }

    /// <summary>Counts the characters of <paramref name="text"/> that are not whitespace, as the server's alignment lists them (one per Unicode scalar).</summary>
    /// <param name="text">Text.</param>
    /// <returns>The count.</returns>
    public static int SpokenCharacters(string text)
    {
        var count = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (!Rune.IsWhiteSpace(rune))
            {
                count++;
            }
        }

        return count;
    }
}
