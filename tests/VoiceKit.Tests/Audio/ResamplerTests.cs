using VoiceKit.Audio;

namespace VoiceKit.Tests.Audio;

public sealed class ResamplerTests
{
    private const double Amplitude = 30000;

    private static readonly (int In, int Out)[] Pairs =
    [
        (8000, 16000), (16000, 8000), (24000, 8000), (48000, 16000), (16000, 48000), (8000, 48000), (48000, 8000),
        (24000, 16000), (16000, 24000), (8000, 24000), (44100, 48000), (48000, 44100), (22050, 16000), (16000, 22050),
        (44100, 16000), (8000, 44100),
    ];

    private static IEnumerable<TestCaseData> RatePairs() => Pairs.Select(p => new TestCaseData(p.In, p.Out));

    [TestCaseSource(nameof(RatePairs))]
    public void Chunked_output_is_bit_identical_to_one_shot(int inputRate, int outputRate)
    {
        var input = TestSignal(inputRate, inputRate, seed: inputRate + outputRate);
        var oneShot = ResampleWhole(new Resampler(inputRate, outputRate), input);

        var random = new Random(outputRate);
        var randomChunks = ResampleInChunks(new Resampler(inputRate, outputRate), input, () => random.Next(1, 501));
        var frameSize = inputRate / 50;
        var frames = ResampleInChunks(new Resampler(inputRate, outputRate), input, () => frameSize);
        var singles = ResampleInChunks(new Resampler(inputRate, outputRate), input.AsSpan(0, 3000).ToArray(), () => 1);

        Assert.Multiple(() =>
        {
            Assert.That(randomChunks, Is.EqualTo(oneShot).AsCollection, "random chunks of 1..500");
            Assert.That(frames, Is.EqualTo(oneShot).AsCollection, "20 ms frames");
            Assert.That(singles, Is.EqualTo(ResampleWhole(new Resampler(inputRate, outputRate), input.AsSpan(0, 3000).ToArray())).AsCollection, "one sample at a time");
        });
    }

    [TestCaseSource(nameof(RatePairs))]
    public void Passband_gain_is_flat_within_a_tenth_of_a_decibel(int inputRate, int outputRate)
    {
        var edge = 0.9 * Math.Min(inputRate, outputRate) / 2;
        var worst = 0.0;
        var worstFrequency = 0.0;
        for (var i = 0; i <= 12; i++)
        {
            var frequency = 50 + ((edge - 50) * i / 12);
            var output = ResampleTone(inputRate, outputRate, frequency, out var skip);
            var gainDb = 20 * Math.Log10(ToneAmplitude(output, skip, outputRate, frequency) / Amplitude);
            if (Math.Abs(gainDb) > Math.Abs(worst))
            {
                worst = gainDb;
                worstFrequency = frequency;
            }
        }

        TestContext.Out.WriteLine($"{inputRate}->{outputRate}: worst passband gain {worst:F4} dB at {worstFrequency:F0} Hz");
        Assert.That(worst, Is.InRange(-0.1, 0.1), $"worst gain at {worstFrequency:F0} Hz");
    }

    [TestCaseSource(nameof(RatePairs))]
    public void Stopband_is_at_least_70_dB_down(int inputRate, int outputRate)
    {
        var worst = double.NegativeInfinity;
        var worstFrequency = 0.0;
        if (outputRate < inputRate)
        {
            // Aliases: any tone between the output Nyquist and the input Nyquist must all but vanish.
            var low = outputRate / 2.0;
            var high = inputRate / 2.0;
            for (var i = 0; i <= 16; i++)
            {
                var frequency = low + 10 + ((high - low - 60) * i / 16);
                var output = ResampleTone(inputRate, outputRate, frequency, out var skip);
                var level = 20 * Math.Log10(Rms(output, skip) * Math.Sqrt(2) / Amplitude);
                if (level > worst)
                {
                    (worst, worstFrequency) = (level, frequency);
                }
            }
        }
        else
        {
            // Images: a tone at f below the input Nyquist must not reappear at k * inputRate +/- f.
            var nyquist = inputRate / 2.0;
            for (var i = 0; i <= 12; i++)
            {
                var frequency = 50 + ((nyquist - 60) * i / 12);
                var output = ResampleTone(inputRate, outputRate, frequency, out var skip);
                for (var k = 1; k * inputRate - frequency < outputRate / 2.0; k++)
                {
                    foreach (var image in new[] { (k * inputRate) - frequency, (k * inputRate) + frequency })
                    {
                        if (image >= outputRate / 2.0)
                        {
                            continue;
                        }

                        var level = 20 * Math.Log10(ToneAmplitude(output, skip, outputRate, image) / Amplitude);
                        if (level > worst)
                        {
                            (worst, worstFrequency) = (level, frequency);
                        }
                    }
                }
            }
        }

        TestContext.Out.WriteLine($"{inputRate}->{outputRate}: worst stopband level {worst:F1} dB for an input tone at {worstFrequency:F0} Hz");
        Assert.That(worst, Is.LessThanOrEqualTo(-70), $"worst case: input tone at {worstFrequency:F0} Hz");
    }

    [TestCaseSource(nameof(RatePairs))]
    public void Vectorized_output_matches_the_scalar_reference_within_one_lsb(int inputRate, int outputRate)
    {
        var input = TestSignal(inputRate, inputRate / 2, seed: 7);
        var fast = ResampleWhole(new Resampler(inputRate, outputRate), input);
        var reference = ResampleWhole(new Resampler(inputRate, outputRate, reference: true), input);

        Assert.That(fast, Has.Length.EqualTo(reference.Length));
        var maxDifference = 0;
        for (var i = 0; i < fast.Length; i++)
        {
            maxDifference = Math.Max(maxDifference, Math.Abs(fast[i] - reference[i]));
        }

        Assert.That(maxDifference, Is.LessThanOrEqualTo(1));
    }

    [TestCaseSource(nameof(RatePairs))]
    public void Output_totals_follow_the_rate_ratio_plus_the_delay(int inputRate, int outputRate)
    {
        const int seconds = 2;
        var resampler = new Resampler(inputRate, outputRate);
        var input = new short[inputRate / 50];
        var output = new short[resampler.GetMaxOutputLength(input.Length) + 1];
        long processed = 0;
        for (var i = 0; i < seconds * 50; i++)
        {
            var max = resampler.GetMaxOutputLength(input.Length);
            var written = resampler.Process(input, output);
            Assert.That(written, Is.EqualTo(max));
            Assert.That(written, Is.LessThanOrEqualTo(((input.Length * (long)outputRate) + inputRate - 1) / inputRate));
            processed += written;
        }

        Assert.That(processed, Is.EqualTo(seconds * outputRate));
        var tail = new short[resampler.DelaySamples];
        Assert.That(resampler.Flush(tail), Is.EqualTo(resampler.DelaySamples));
    }

    [TestCase(48000, 16000)]
    [TestCase(16000, 8000)]
    [TestCase(8000, 16000)]
    [TestCase(44100, 48000)]
    [TestCase(22050, 16000)]
    public void Trimming_the_delay_aligns_output_with_input(int inputRate, int outputRate)
    {
        const double frequency = 300;
        var input = Tone(inputRate, inputRate / 2, frequency);
        var resampler = new Resampler(inputRate, outputRate);
        var output = ResampleWhole(resampler, input);
        var trimmed = output.AsSpan(resampler.DelaySamples);

        Assert.That(trimmed.Length, Is.EqualTo(((input.Length * (long)outputRate) + inputRate - 1) / inputRate));
        var worst = 0.0;
        for (var t = 0; t < trimmed.Length; t++)
        {
            var expected = Amplitude * Math.Sin(2 * Math.PI * frequency * t / outputRate);
            worst = Math.Max(worst, Math.Abs(trimmed[t] - expected));
        }

        // Apart from the edges (where the input starts and stops abruptly), a slow tone lines up to within rounding.
        var middle = 0.0;
        for (var t = trimmed.Length / 4; t < trimmed.Length * 3 / 4; t++)
        {
            var expected = Amplitude * Math.Sin(2 * Math.PI * frequency * t / outputRate);
            middle = Math.Max(middle, Math.Abs(trimmed[t] - expected));
        }

        Assert.That(middle, Is.LessThan(Amplitude * 1e-3));
    }

    [Test]
    public void Flush_writes_the_tail_and_returns_to_the_initial_state()
    {
        var input = TestSignal(48000, 4800, seed: 3);
        var resampler = new Resampler(48000, 16000);
        var output = new short[resampler.GetMaxOutputLength(input.Length)];
        resampler.Process(input, output);
        var tail = new short[resampler.DelaySamples + 10];
        var flushed = resampler.Flush(tail);
        var again = new short[output.Length];
        resampler.Process(input, again);

        Assert.Multiple(() =>
        {
            Assert.That(flushed, Is.EqualTo(resampler.DelaySamples));
            Assert.That(tail.AsSpan(0, flushed).ToArray(), Has.Some.Not.EqualTo(0), "the tail carries the end of the signal");
            Assert.That(again, Is.EqualTo(output).AsCollection, "after Flush the next stream starts fresh");
            Assert.That(resampler.Flush(tail), Is.EqualTo(resampler.DelaySamples));
            Assert.That(resampler.Flush(tail), Is.Zero, "nothing to drain after a flush");
        });
    }

    [Test]
    public void Flush_into_a_short_buffer_throws_and_keeps_the_state()
    {
        var input = TestSignal(16000, 1600, seed: 5);
        var resampler = new Resampler(16000, 8000);
        var expected = ResampleWhole(new Resampler(16000, 8000), input);
        var output = new short[resampler.GetMaxOutputLength(input.Length)];
        var written = resampler.Process(input, output);

        Assert.That(() => resampler.Flush(new short[resampler.DelaySamples - 1]), Throws.ArgumentException);
        var tail = new short[resampler.DelaySamples];
        var flushed = resampler.Flush(tail);
        Assert.That(output.AsSpan(0, written).ToArray().Concat(tail.AsSpan(0, flushed).ToArray()), Is.EqualTo(expected).AsCollection);
    }

    [Test]
    public void Reset_forgets_the_history()
    {
        var input = TestSignal(24000, 2400, seed: 9);
        var resampler = new Resampler(24000, 8000);
        var first = new short[resampler.GetMaxOutputLength(input.Length)];
        resampler.Process(input, first);
        resampler.Process(input.AsSpan(0, 123), new short[1000]);
        resampler.Reset();
        var second = new short[resampler.GetMaxOutputLength(input.Length)];
        resampler.Process(input, second);

        Assert.That(second, Is.EqualTo(first).AsCollection);
    }

    [TestCase(16000)]
    [TestCase(8000)]
    [TestCase(44100)]
    public void Same_rate_copies_the_input(int rate)
    {
        var input = TestSignal(rate, 1000, seed: 1);
        var resampler = new Resampler(rate, rate);
        var output = new short[1000];

        Assert.Multiple(() =>
        {
            Assert.That(resampler.DelaySamples, Is.Zero);
            Assert.That(resampler.GetMaxOutputLength(1000), Is.EqualTo(1000));
            Assert.That(resampler.Process(input, output), Is.EqualTo(1000));
            Assert.That(output, Is.EqualTo(input).AsCollection);
            Assert.That(resampler.Flush(output), Is.Zero);
        });
    }

    [TestCase(999, 16000)]
    [TestCase(16000, 999)]
    [TestCase(384001, 16000)]
    [TestCase(16000, 384001)]
    [TestCase(0, 16000)]
    [TestCase(-8000, 16000)]
    public void Rates_out_of_range_are_rejected(int inputRate, int outputRate)
    {
        Assert.That(() => new Resampler(inputRate, outputRate), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    [TestCase(44100, 47999)]
    [TestCase(48000, 44101)]
    public void Ratios_needing_too_many_phases_are_rejected_with_a_clear_message(int inputRate, int outputRate)
    {
        Assert.That(
            () => new Resampler(inputRate, outputRate),
            Throws.ArgumentException.With.Message.Contains("common divisor"));
    }

    [Test]
    public void Properties_reflect_the_construction()
    {
        var resampler = new Resampler(48000, 16000);
        Assert.Multiple(() =>
        {
            Assert.That(resampler.InputRate, Is.EqualTo(48000));
            Assert.That(resampler.OutputRate, Is.EqualTo(16000));
            Assert.That(resampler.DelaySamples, Is.InRange(20, 100));
            Assert.That(() => resampler.GetMaxOutputLength(-1), Throws.TypeOf<ArgumentOutOfRangeException>());
        });
    }

    [Test]
    public void A_too_short_output_throws_without_consuming_input()
    {
        var input = TestSignal(8000, 800, seed: 11);
        var expected = ResampleWhole(new Resampler(8000, 16000), input);
        var resampler = new Resampler(8000, 16000);
        var needed = resampler.GetMaxOutputLength(input.Length);

        Assert.That(() => resampler.Process(input, new short[needed - 1]), Throws.ArgumentException);
        Assert.That(ResampleWhole(resampler, input), Is.EqualTo(expected).AsCollection);
    }

    [Test]
    public void Filter_tables_are_shared_between_instances_with_the_same_ratio()
    {
        var a = new Resampler(48000, 16000);
        var b = new Resampler(24000, 8000);
        var c = new Resampler(16000, 8000);
        Assert.Multiple(() =>
        {
            Assert.That(a.Filter, Is.SameAs(b.Filter));
            Assert.That(a.Filter, Is.Not.SameAs(c.Filter));
            Assert.That(new Resampler(8000, 8000).Filter, Is.Null);
        });
    }

    [TestCase(48000, 16000)]
    [TestCase(8000, 16000)]
    [TestCase(44100, 48000)]
    public void Process_and_flush_allocate_nothing(int inputRate, int outputRate)
    {
        var resampler = new Resampler(inputRate, outputRate);
        var input = TestSignal(inputRate, inputRate / 50, seed: 2);
        var output = new short[resampler.GetMaxOutputLength(input.Length) + resampler.DelaySamples + 2];
        for (var i = 0; i < 200; i++)
        {
            resampler.Process(input, output);
        }

        resampler.Flush(output);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            resampler.Process(input, output);
        }

        resampler.Flush(output);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    private static short[] ResampleWhole(Resampler resampler, short[] input)
    {
        var output = new short[resampler.GetMaxOutputLength(input.Length) + resampler.DelaySamples];
        var written = resampler.Process(input, output);
        written += resampler.Flush(output.AsSpan(written));
        return output.AsSpan(0, written).ToArray();
    }

    private static short[] ResampleInChunks(Resampler resampler, short[] input, Func<int> nextChunk)
    {
        var result = new List<short>();
        var buffer = new short[4096];
        for (var offset = 0; offset < input.Length;)
        {
            var chunk = Math.Min(nextChunk(), input.Length - offset);
            var max = resampler.GetMaxOutputLength(chunk);
            var written = resampler.Process(input.AsSpan(offset, chunk), buffer);
            Assert.That(written, Is.EqualTo(max));
            Assert.That(written, Is.LessThanOrEqualTo(((chunk * (long)resampler.OutputRate) + resampler.InputRate - 1) / resampler.InputRate));
            result.AddRange(buffer.AsSpan(0, written));
            offset += chunk;
        }

        var tail = resampler.Flush(buffer);
        result.AddRange(buffer.AsSpan(0, tail));
        return [.. result];
    }

    private static short[] ResampleTone(int inputRate, int outputRate, double frequency, out int skip)
    {
        var resampler = new Resampler(inputRate, outputRate);

        // A quarter of a second, of which the warm-up (two filter delays) is skipped.
        var input = Tone(inputRate, inputRate / 4, frequency);
        var output = new short[resampler.GetMaxOutputLength(input.Length)];
        var written = resampler.Process(input, output);
        skip = (2 * resampler.DelaySamples) + 8;
        return output.AsSpan(0, written).ToArray();
    }

    private static short[] Tone(int rate, int length, double frequency)
    {
        var samples = new short[length];
        for (var n = 0; n < length; n++)
        {
            samples[n] = (short)Math.Round(Amplitude * Math.Sin(2 * Math.PI * frequency * n / rate));
        }

        return samples;
    }

    private static short[] TestSignal(int rate, int length, int seed)
    {
        // Speech-like content across the band plus full-scale peaks, so saturation is exercised too.
        var random = new Random(seed);
        var samples = new short[length];
        for (var n = 0; n < length; n++)
        {
            var t = (double)n / rate;
            var value = (12000 * Math.Sin(2 * Math.PI * 440 * t)) + (9000 * Math.Sin(2 * Math.PI * 0.41 * rate * t)) + (6000 * (random.NextDouble() - 0.5));
            if (n % 997 == 0)
            {
                value = n % 2 == 0 ? 32767 : -32768;
            }

            samples[n] = (short)Math.Clamp(Math.Round(value), short.MinValue, short.MaxValue);
        }

        return samples;
    }

    /// <summary>Amplitude of the component at <paramref name="frequency"/>: a DFT bin at that exact frequency under a Blackman-Harris window.</summary>
    private static double ToneAmplitude(short[] signal, int skip, int rate, double frequency)
    {
        var n = signal.Length - skip;
        double re = 0, im = 0, windowSum = 0;
        for (var i = 0; i < n; i++)
        {
            var x = 2 * Math.PI * i / (n - 1);
            var w = 0.35875 - (0.48829 * Math.Cos(x)) + (0.14128 * Math.Cos(2 * x)) - (0.01168 * Math.Cos(3 * x));
            var phase = 2 * Math.PI * frequency * i / rate;
            re += w * signal[skip + i] * Math.Cos(phase);
            im += w * signal[skip + i] * Math.Sin(phase);
            windowSum += w;
        }

        return 2 * Math.Sqrt((re * re) + (im * im)) / windowSum;
    }

    private static double Rms(short[] signal, int skip)
    {
        double sum = 0;
        for (var i = skip; i < signal.Length; i++)
        {
            sum += (double)signal[i] * signal[i];
        }

        return Math.Sqrt(sum / (signal.Length - skip));
    }
}
