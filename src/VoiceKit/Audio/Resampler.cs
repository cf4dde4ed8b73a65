using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace VoiceKit.Audio;

/// <summary>
/// Converts a stream of mono PCM16 audio from one sample rate to another, frame by frame: a polyphase FIR filter
/// (Kaiser-windowed sinc) for any rational ratio, such as 8, 16, 24 and 48 kHz in either direction, 22.05 and 44.1 kHz.
/// </summary>
/// <remarks>
/// <para>
/// <b>Quality.</b> Relative to the lower of the two Nyquist frequencies, the gain is flat within ±0.1 dB up to 0.9
/// and at least 70 dB down from 1.0 on (aliases when downsampling, images when upsampling). The filter is linear
/// phase: output lags input by <see cref="DelaySamples"/> output samples.
/// </para>
/// <para>
/// <b>Streaming.</b> The instance keeps the filter history between calls, so feeding a signal in chunks of any sizes
/// produces exactly the same samples as one call with the whole signal. After <see cref="Process"/> has consumed
/// N input samples since construction or <see cref="Reset"/>, it has written ceil(N × <see cref="OutputRate"/> /
/// <see cref="InputRate"/>) samples in all; <see cref="Flush"/> then writes the last <see cref="DelaySamples"/>.
/// </para>
/// <para>
/// <b>Cost.</b> <see cref="Process"/> and <see cref="Flush"/> allocate nothing. The constructor allocates the
/// history (a few kilobytes); the filter tables are designed once per reduced ratio and shared by every instance.
/// </para>
/// <para>
/// <b>Ownership and threads.</b> One instance serves one stream and one caller at a time: it is not thread-safe,
/// and concurrent calls corrupt its state. Create one per call or per direction; instances are independent. It holds
/// no unmanaged resources and needs no disposal. Buffers passed in are only read or written during the call.
/// </para>
/// </remarks>
public sealed class Resampler
{
    private const int BlockSize = 64;
    private const int MinHeadroom = 1024;

    // Floats past the capacity that the aligned kernel may read (times a zero coefficient).
    private const int Slack = 32;

    private readonly ResamplerFilter? _filter;
    private readonly float[] _historyStorage;
    private readonly int _origin;
    private readonly int _capacity;
    private readonly bool _aligned;
    private readonly bool _reference;
    private readonly int _taps;
    private readonly int _l;
    private readonly int _m;

    // History is _historyStorage from _origin on (a 64-byte boundary): _capacity samples, then Slack readable floats.
    // The next output's window is history[_start .. _start + _taps), computed with coefficient row _phase;
    // history[_start .. _length) holds the samples not yet fully consumed. Compaction moves it by multiples of 16,
    // so each output's position within a 64-byte line, and therefore its arithmetic, never depends on chunking.
    private int _start;
    private int _length;
    private int _phase;
    private bool _started;

    /// <summary>Creates a resampler from <paramref name="inputRate"/> to <paramref name="outputRate"/>, in its initial (silent) state.</summary>
    /// <param name="inputRate">Input sample rate in hertz, between <see cref="AudioFormat.MinSampleRate"/> and <see cref="AudioFormat.MaxSampleRate"/>.</param>
    /// <param name="outputRate">Output sample rate in hertz, in the same range.</param>
    /// <exception cref="ArgumentOutOfRangeException">A rate is out of range.</exception>
    /// <exception cref="ArgumentException">
    /// The ratio needs too large a filter: reduced to lowest terms L/M, L or M exceeds 1024 (for example 44100 to
    /// 47999). Choose rates with a larger common divisor.
    /// </exception>
    public Resampler(int inputRate, int outputRate)
        : this(inputRate, outputRate, reference: false)
    {
    }

    /// <summary>Creates a resampler; <paramref name="reference"/> selects the scalar double-precision reference path (for tests).</summary>
    internal Resampler(int inputRate, int outputRate, bool reference)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputRate, AudioFormat.MinSampleRate);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(inputRate, AudioFormat.MaxSampleRate);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputRate, AudioFormat.MinSampleRate);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(outputRate, AudioFormat.MaxSampleRate);

        InputRate = inputRate;
        OutputRate = outputRate;
        _reference = reference;
        var gcd = Gcd(inputRate, outputRate);
        _l = outputRate / gcd;
        _m = inputRate / gcd;
        if (_l > ResamplerFilter.MaxPhases || _m > ResamplerFilter.MaxPhases)
        {
            throw new ArgumentException(
                $"Resampling {inputRate} Hz to {outputRate} Hz reduces to the ratio {_l}/{_m}, which needs more than {ResamplerFilter.MaxPhases} filter phases or steps. Use rates with a larger common divisor (such as multiples of 50 Hz).",
                nameof(outputRate));
        }

        if (_l == 1 && _m == 1)
        {
            _historyStorage = [];
            return;
        }

        _filter = ResamplerFilter.Get(_l, _m);
        _taps = _filter.TapsPerPhase;
        _aligned = !reference && _filter.AlignedTaps > 0;
        _capacity = _taps + Math.Max(MinHeadroom, _taps);
        _historyStorage = GC.AllocateArray<float>(_capacity + Slack + 16, pinned: true);
        _origin = ResamplerFilter.AlignmentOffset(_historyStorage);
        DelaySamples = _filter.DelaySamples;
        Reset();
    }

    /// <summary>The shared filter, or null when the rates are equal (for tests).</summary>
    internal ResamplerFilter? Filter => _filter;

    /// <summary>Input sample rate in hertz.</summary>
    public int InputRate { get; }

    /// <summary>Output sample rate in hertz.</summary>
    public int OutputRate { get; }

    /// <summary>
    /// The filter's group delay in output samples (exact; 0 when the rates are equal): output sample
    /// <c>DelaySamples + t</c> lines up with input time <c>t / OutputRate</c>. A file converter drops this many
    /// samples from the start and calls <see cref="Flush"/> at the end to get a signal of the original length.
    /// </summary>
    public int DelaySamples { get; }

    /// <summary>
    /// How many samples <see cref="Process"/> will write for <paramref name="inputLength"/> input samples, given the
    /// samples this instance already holds. It is exact, and never more than
    /// ceil(<paramref name="inputLength"/> × <see cref="OutputRate"/> / <see cref="InputRate"/>), so a buffer of that
    /// size, computed once, fits every call with that many input samples.
    /// </summary>
    /// <param name="inputLength">A non-negative number of input samples.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="inputLength"/> is negative.</exception>
    public int GetMaxOutputLength(int inputLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inputLength);
        if (_filter is null)
        {
            return inputLength;
        }

        var spare = (long)_length - _start + inputLength - _taps;
        if (spare < 0)
        {
            return 0;
        }

        var count = ((((spare + 1) * _l) - _phase - 1) / _m) + 1;
        return (int)Math.Min(count, int.MaxValue);
    }

    /// <summary>
    /// Resamples the next part of the stream: consumes all of <paramref name="input"/> and writes every output
    /// sample that the input so far determines. Allocates nothing.
    /// </summary>
    /// <param name="input">The next input samples; any length, including zero.</param>
    /// <param name="output">
    /// Where to write; at least <see cref="GetMaxOutputLength"/>(<paramref name="input"/>.Length) long. Must not overlap
    /// <paramref name="input"/> unless the rates are equal.
    /// </param>
    /// <returns>The number of samples written at the start of <paramref name="output"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="output"/> is too short; nothing was consumed or written.</exception>
    public int Process(ReadOnlySpan<short> input, Span<short> output)
    {
        var needed = GetMaxOutputLength(input.Length);
        if (output.Length < needed)
        {
            ThrowOutputTooShort(needed, output.Length);
        }

        if (_filter is null)
        {
            input.CopyTo(output);
            return input.Length;
        }

        if (input.Length > 0)
        {
            _started = true;
        }

        return Run(input, padWithZeros: false, output, needed);
    }

    /// <summary>
    /// Ends the stream: pushes silence through the filter to write the last <see cref="DelaySamples"/> output samples
    /// (the response to the final input samples), then returns to the initial state like <see cref="Reset"/>, ready
    /// for a new stream. Writes nothing if no input was processed since construction or the last reset. Allocates nothing.
    /// </summary>
    /// <param name="output">Where to write; at least <see cref="DelaySamples"/> long.</param>
    /// <returns>The number of samples written: <see cref="DelaySamples"/>, or 0.</returns>
    /// <exception cref="ArgumentException"><paramref name="output"/> is too short; the state is unchanged.</exception>
    public int Flush(Span<short> output)
    {
        if (_filter is null || !_started)
        {
            Reset();
            return 0;
        }

        var needed = DelaySamples;
        if (output.Length < needed)
        {
            ThrowOutputTooShort(needed, output.Length);
        }

        // The outputs still owed are those up to DelaySamples past the last input; feed zeros until the window of the
        // last of them is complete. Run stops after 'needed' outputs.
        var written = Run([], padWithZeros: true, output, needed);
        Reset();
        return written;
    }

    /// <summary>Returns to the initial state: forgets all history, as if newly constructed.</summary>
    public void Reset()
    {
        if (_filter is null)
        {
            return;
        }

        // The window starts as taps - 1 zeros, so the first output's newest sample is the first input sample.
        Array.Clear(_historyStorage);
        _start = 0;
        _length = _taps - 1;
        _phase = 0;
        _started = false;
    }

    /// <summary>
    /// Appends <paramref name="input"/> to the history chunk by chunk, writing outputs as they become computable (at
    /// most <paramref name="maxOutput"/>), until the input is used up; then, when <paramref name="padWithZeros"/>,
    /// appends silence until <paramref name="maxOutput"/> samples are written.
    /// </summary>
    private int Run(ReadOnlySpan<short> input, bool padWithZeros, Span<short> output, int maxOutput)
    {
        var written = 0;
        while (!input.IsEmpty || (padWithZeros && written < maxOutput))
        {
            if (_length == _capacity)
            {
                // Move the live tail (less than one window) to the front, keeping each sample's position within its
                // 64-byte line; happens about once per history length.
                var shift = _start & ~15;
                Array.Copy(_historyStorage, _origin + shift, _historyStorage, _origin, _length - shift);
                _start -= shift;
                _length -= shift;
            }

            var space = _capacity - _length;
            if (!input.IsEmpty)
            {
                var take = Math.Min(space, input.Length);
                ResamplerKernels.ToFloat(input[..take], _historyStorage.AsSpan(_origin + _length, take));
                input = input[take..];
                _length += take;
            }
            else
            {
                // Zeros for Flush: only as many as the owed outputs need, one at a time near the end.
                var take = Math.Min(space, Math.Max(1, (maxOutput - written - 1) * _m / _l));
                _historyStorage.AsSpan(_origin + _length, take).Clear();
                _length += take;
            }

            written += Produce(output[written..maxOutput]);
        }

        return written;
    }

    /// <summary>Computes every output whose window is complete, up to <paramref name="output"/>.Length of them.</summary>
    private int Produce(Span<short> output)
    {
        var filter = _filter!;
        var taps = _taps;
        var rows = filter.Coefficients;
        ref var coefficients = ref MemoryMarshal.GetReference(rows);
        ref var history = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_historyStorage), _origin);
        var advance = filter.Advance;
        var next = filter.NextPhase;
        var start = _start;
        var phase = _phase;
        var last = _length - taps;   // the largest window start that is complete
        var written = 0;

        Span<float> block = stackalloc float[BlockSize];
        ref var results = ref MemoryMarshal.GetReference(block);
        while (written < output.Length && start <= last)
        {
            var limit = Math.Min(BlockSize, output.Length - written);
            var n = 0;
            if (_reference)
            {
                for (; n < limit && start <= last; n++)
                {
                    block[n] = ResamplerKernels.DotReference(rows.Slice(phase * taps, taps), _historyStorage.AsSpan(_origin + start, taps));
                    start += advance[phase];
                    phase = next[phase];
                }
            }
            else if (_aligned && _l == 1)
            {
                // Integer decimation: the same as below with phase 0 throughout and windows exactly M apart.
                var m = _m;
                var alignedTaps = filter.AlignedTaps;
                ref var shifted = ref MemoryMarshal.GetReference(filter.AlignedRows);
                for (; n + 4 <= limit && start + (3 * m) <= last; n += 4, start += 4 * m)
                {
                    var line = start & ~15;
                    ref var r0 = ref Unsafe.Add(ref shifted, (start & 15) * alignedTaps);
                    ref var r1 = ref Unsafe.Add(ref shifted, ((start + m) & 15) * alignedTaps);
                    ref var r2 = ref Unsafe.Add(ref shifted, ((start + (2 * m)) & 15) * alignedTaps);
                    ref var r3 = ref Unsafe.Add(ref shifted, ((start + (3 * m)) & 15) * alignedTaps);
                    ref var h = ref Unsafe.Add(ref history, line);
                    ref var result = ref Unsafe.Add(ref results, n);
                    ResamplerKernels.Dot4AlignedCrossing(ref r0, ref r1, ref r2, ref r3, ref h, alignedTaps, ((start + (3 * m)) & ~15) == line ? 0 : ((start + (2 * m)) & ~15) == line ? 1 : ((start + m) & ~15) == line ? 2 : 3, ref result);
                }

                for (; n < limit && start <= last; n++, start += m)
                {
                    Unsafe.Add(ref results, n) = ResamplerKernels.Dot(ref Unsafe.Add(ref shifted, (start & 15) * alignedTaps), ref Unsafe.Add(ref history, start & ~15), alignedTaps);
                }
            }
            else if (_aligned)
            {
                // Each window is split into a 64-byte-aligned line and a shift 0..15 with its own pre-shifted row; four
                // consecutive windows start within two lines and share one aligned history stream.
                var alignedTaps = filter.AlignedTaps;
                ref var shifted = ref MemoryMarshal.GetReference(filter.AlignedRows);
                while (n < limit && start <= last)
                {
                    var s1 = start + advance[phase];
                    var p1 = next[phase];
                    var s2 = s1 + advance[p1];
                    var p2 = next[p1];
                    var s3 = s2 + advance[p2];
                    var p3 = next[p2];
                    if (n + 4 <= limit && s3 <= last)
                    {
                        var line = start & ~15;
                        ref var r0 = ref Unsafe.Add(ref shifted, ((phase * 16) + (start & 15)) * alignedTaps);
                        ref var r1 = ref Unsafe.Add(ref shifted, ((p1 * 16) + (s1 & 15)) * alignedTaps);
                        ref var r2 = ref Unsafe.Add(ref shifted, ((p2 * 16) + (s2 & 15)) * alignedTaps);
                        ref var r3 = ref Unsafe.Add(ref shifted, ((p3 * 16) + (s3 & 15)) * alignedTaps);
                        ref var h = ref Unsafe.Add(ref history, line);
                        ref var result = ref Unsafe.Add(ref results, n);
                        ResamplerKernels.Dot4AlignedCrossing(ref r0, ref r1, ref r2, ref r3, ref h, alignedTaps, (s3 & ~15) == line ? 0 : (s2 & ~15) == line ? 1 : (s1 & ~15) == line ? 2 : 3, ref result);

                        n += 4;
                        start = s3 + advance[p3];
                        phase = next[p3];
                    }
                    else
                    {
                        Unsafe.Add(ref results, n) = ResamplerKernels.Dot(ref Unsafe.Add(ref shifted, ((phase * 16) + (start & 15)) * alignedTaps), ref Unsafe.Add(ref history, start & ~15), alignedTaps);
                        n++;
                        start = s1;
                        phase = p1;
                    }
                }
            }
            else if (_l == 1)
            {
                // Integer decimation: one coefficient row, windows _m apart.
                var m = _m;
                for (; n + 4 <= limit && start + (3 * m) <= last; n += 4, start += 4 * m)
                {
                    ResamplerKernels.Dot4SameRow(ref coefficients, ref Unsafe.Add(ref history, start), m, taps, ref Unsafe.Add(ref results, n));
                }

                for (; n < limit && start <= last; n++, start += m)
                {
                    Unsafe.Add(ref results, n) = ResamplerKernels.Dot(ref coefficients, ref Unsafe.Add(ref history, start), taps);
                }
            }
            else
            {
                while (n < limit && start <= last)
                {
                    var s1 = start + advance[phase];
                    var p1 = next[phase];
                    var s2 = s1 + advance[p1];
                    var p2 = next[p1];
                    var s3 = s2 + advance[p2];
                    var p3 = next[p2];
                    if (n + 4 <= limit && s3 <= last)
                    {
                        ResamplerKernels.Dot4(
                            ref Unsafe.Add(ref coefficients, phase * taps),
                            ref Unsafe.Add(ref coefficients, p1 * taps),
                            ref Unsafe.Add(ref coefficients, p2 * taps),
                            ref Unsafe.Add(ref coefficients, p3 * taps),
                            ref Unsafe.Add(ref history, start),
                            ref Unsafe.Add(ref history, s1),
                            ref Unsafe.Add(ref history, s2),
                            ref Unsafe.Add(ref history, s3),
                            taps,
                            ref Unsafe.Add(ref results, n));
                        n += 4;
                        start = s3 + advance[p3];
                        phase = next[p3];
                    }
                    else
                    {
                        Unsafe.Add(ref results, n) = ResamplerKernels.Dot(ref Unsafe.Add(ref coefficients, phase * taps), ref Unsafe.Add(ref history, start), taps);
                        n++;
                        start = s1;
                        phase = p1;
                    }
                }
            }

            ResamplerKernels.ToInt16(block[..n], output.Slice(written, n));
            written += n;
        }

        _start = start;
        _phase = phase;
        return written;
    }

    private static int Gcd(int a, int b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }

    private static void ThrowOutputTooShort(int needed, int actual) =>
        throw new ArgumentException($"The output buffer holds {actual} samples but {needed} are needed; size it with GetMaxOutputLength (or DelaySamples for Flush).", "output");
}
