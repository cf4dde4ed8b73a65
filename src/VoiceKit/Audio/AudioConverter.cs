namespace VoiceKit.Audio;

/// <summary>
/// Converts a stream of audio from one <see cref="AudioFormat"/> to another: decode, resample, encode. Used at the
/// edges of a call, and only where the next component cannot take the audio as it is.
/// </summary>
/// <remarks>
/// <para>
/// Streaming: filter state carries over between <see cref="Convert"/> calls, so converting a stream frame by frame
/// gives the same bytes as converting it in one call. Input must hold whole sample frames. After the constructor, no
/// member allocates.
/// </para>
/// <para>An instance belongs to one stream and is not thread-safe.</para>
/// </remarks>
public sealed class AudioConverter
{
    // Work proceeds in chunks of this many sample frames, so scratch buffers have a fixed size whatever the input.
    private const int ChunkFrames = 1024;

    private readonly Resampler[] _resamplers;
    private readonly short[] _decoded;
    private readonly short[] _channelIn;
    private readonly short[] _channelOut;
    private readonly short[] _interleaved;

    /// <summary>Creates a converter between two formats with the same channel count.</summary>
    /// <param name="input">The format of the audio passed to <see cref="Convert"/>.</param>
    /// <param name="output">The format of the audio it produces.</param>
    /// <exception cref="ArgumentException">A format is <c>default</c>, or the channel counts differ.</exception>
    public AudioConverter(AudioFormat input, AudioFormat output)
    {
        if (!input.IsValid || !output.IsValid)
        {
            throw new ArgumentException("An audio format is default(AudioFormat); create formats with their constructor.");
        }

        if (input.Channels != output.Channels)
        {
            throw new ArgumentException($"Cannot convert {input.Channels} channel(s) to {output.Channels}; channel counts must match.", nameof(output));
        }

        InputFormat = input;
        OutputFormat = output;
        _decoded = new short[ChunkFrames * input.Channels];
        if (input.SampleRate == output.SampleRate)
        {
            _resamplers = [];
            _channelIn = _channelOut = _interleaved = [];
            return;
        }

        _resamplers = new Resampler[input.Channels];
        for (var c = 0; c < _resamplers.Length; c++)
        {
            _resamplers[c] = new Resampler(input.SampleRate, output.SampleRate);
        }

        // A chunk's output, or the filter tail that Flush drains, whichever is longer.
        var maxChunkOut = Math.Max(_resamplers[0].GetMaxOutputLength(ChunkFrames), (2 * _resamplers[0].DelaySamples) + 64);
        _channelIn = input.Channels == 1 ? [] : new short[ChunkFrames];
        _channelOut = new short[maxChunkOut];
        _interleaved = input.Channels == 1 ? [] : new short[maxChunkOut * input.Channels];
    }

    /// <summary>The format of the audio passed in.</summary>
    public AudioFormat InputFormat { get; }

    /// <summary>The format of the audio produced.</summary>
    public AudioFormat OutputFormat { get; }

    /// <summary>Whether input and output formats are the same, so <see cref="Convert"/> only copies.</summary>
    public bool IsPassThrough => InputFormat == OutputFormat;

    /// <summary>
    /// The delay the resampling filter adds, in output sample frames: the first this many output frames are the
    /// filter warming up. Zero when the rate does not change.
    /// </summary>
    public int DelayFrames => _resamplers.Length == 0 ? 0 : _resamplers[0].DelaySamples;

    /// <summary>An upper bound on the bytes <see cref="Convert"/> writes for <paramref name="inputLength"/> input bytes.</summary>
    /// <param name="inputLength">Input bytes, a whole number of sample frames.</param>
    public int GetMaxOutputLength(int inputLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inputLength);
        var frames = inputLength / InputFormat.BlockAlign;
        var outFrames = _resamplers.Length == 0 ? frames : _resamplers[0].GetMaxOutputLength(frames);
        return outFrames * OutputFormat.BlockAlign;
    }

    /// <summary>Converts the next piece of the stream.</summary>
    /// <param name="input">Audio in <see cref="InputFormat"/>: a whole number of sample frames.</param>
    /// <param name="output">Receives audio in <see cref="OutputFormat"/>; at least <see cref="GetMaxOutputLength"/> bytes.</param>
    /// <returns>The number of bytes written to <paramref name="output"/>.</returns>
    /// <exception cref="ArgumentException">The input is not whole sample frames, or the output is too short.</exception>
    public int Convert(ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (input.Length % InputFormat.BlockAlign != 0)
        {
            throw new ArgumentException($"{input.Length} bytes is not a whole number of {InputFormat} sample frames.", nameof(input));
        }

        var needed = GetMaxOutputLength(input.Length);
        if (output.Length < needed)
        {
            ThrowHelper.ThrowDestinationTooShort(nameof(output), needed, output.Length);
        }

        if (IsPassThrough)
        {
            input.CopyTo(output);
            return input.Length;
        }

        var written = 0;
        var chunkBytes = ChunkFrames * InputFormat.BlockAlign;
        while (!input.IsEmpty)
        {
            var take = Math.Min(chunkBytes, input.Length);
            var samples = _decoded.AsSpan(0, AudioCodec.Decode(InputFormat.Encoding, input[..take], _decoded));
            written += _resamplers.Length == 0
                ? AudioCodec.Encode(OutputFormat.Encoding, samples, output[written..])
                : ResampleAndEncode(samples, flush: false, output[written..]);
            input = input[take..];
        }

        return written;
    }

    /// <summary>Drains the resampling filter at the end of a stream (it holds up to <see cref="DelayFrames"/> frames).</summary>
    /// <param name="output">Receives the remaining audio; <see cref="DelayFrames"/> × 2 + 64 sample frames always suffice.</param>
    /// <returns>The number of bytes written.</returns>
    public int Flush(Span<byte> output) =>
        _resamplers.Length == 0 ? 0 : ResampleAndEncode([], flush: true, output);

    /// <summary>
    /// Converts a whole recording at once (a file, a synthesised phrase): the result is time-aligned with the input,
    /// the resampling filter's warm-up dropped and its tail drained, so it lasts as long as the input. For streams,
    /// create a converter and call <see cref="Convert"/> per piece instead.
    /// </summary>
    /// <param name="audio">The recording, whole sample frames in <paramref name="input"/>.</param>
    /// <param name="input">Its format.</param>
    /// <param name="output">The format wanted.</param>
    /// <returns>A new array in <paramref name="output"/>; a copy of the input when the formats are the same.</returns>
    /// <exception cref="ArgumentException">A format is <c>default</c>, the channel counts differ, or the input is not whole sample frames.</exception>
    public static byte[] ConvertAll(ReadOnlySpan<byte> audio, AudioFormat input, AudioFormat output)
    {
        var converter = new AudioConverter(input, output);
        var tailFrames = converter._resamplers.Length == 0 ? 0 : (2 * converter.DelayFrames) + 64;
        var converted = new byte[converter.GetMaxOutputLength(audio.Length) + (tailFrames * output.BlockAlign)];
        var written = converter.Convert(audio, converted);
        written += converter.Flush(converted.AsSpan(written));
        var skip = Math.Min(converter.DelayFrames * output.BlockAlign, written);
        return converted.AsSpan(skip, written - skip).ToArray();
    }

    /// <summary>Forgets the stream so far, as if newly created.</summary>
    public void Reset()
    {
        foreach (var resampler in _resamplers)
        {
            resampler.Reset();
        }
    }

    private int ResampleAndEncode(ReadOnlySpan<short> interleavedIn, bool flush, Span<byte> output)
    {
        var channels = InputFormat.Channels;
        if (channels == 1)
        {
            var count = flush ? _resamplers[0].Flush(_channelOut) : _resamplers[0].Process(interleavedIn, _channelOut);
            return AudioCodec.Encode(OutputFormat.Encoding, _channelOut.AsSpan(0, count), output);
        }

        var frames = interleavedIn.Length / channels;
        var outFrames = 0;
        for (var c = 0; c < channels; c++)
        {
            for (var i = 0; i < frames; i++)
            {
                _channelIn[i] = interleavedIn[(i * channels) + c];
            }

            outFrames = flush ? _resamplers[c].Flush(_channelOut) : _resamplers[c].Process(_channelIn.AsSpan(0, frames), _channelOut);
            for (var i = 0; i < outFrames; i++)
            {
                _interleaved[(i * channels) + c] = _channelOut[i];
            }
        }

        return AudioCodec.Encode(OutputFormat.Encoding, _interleaved.AsSpan(0, outFrames * channels), output);
    }
}
