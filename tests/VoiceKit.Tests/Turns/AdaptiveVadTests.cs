using System.Diagnostics;
using VoiceKit.Audio;
using VoiceKit.Turns;

namespace VoiceKit.Tests.Turns;

public sealed class AdaptiveVadTests
{
    [Test]
    public void Constructor_rejects_rates_other_than_8_and_16_kHz()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => new AdaptiveVoiceActivityDetector(44_100), Throws.TypeOf<ArgumentOutOfRangeException>());
            Assert.That(() => new AdaptiveVoiceActivityDetector(0), Throws.TypeOf<ArgumentOutOfRangeException>());
            Assert.That(new AdaptiveVoiceActivityDetector(8_000).SampleRate, Is.EqualTo(8_000));
            Assert.That(new AdaptiveVoiceActivityDetector(16_000).SampleRate, Is.EqualTo(16_000));
        });
    }

    [TestCase(8_000, 0)]
    [TestCase(8_000, 100)]
    [TestCase(8_000, 320)]
    [TestCase(16_000, 160 + 1)]
    [TestCase(16_000, 960)]
    public void Frames_that_are_not_10_20_or_30_ms_are_rejected(int sampleRate, int length)
    {
        var vad = new AdaptiveVoiceActivityDetector(sampleRate);
        var frame = new short[length];
        Assert.That(() => vad.Process(frame), Throws.ArgumentException.With.Message.Contains("10, 20 or 30 ms"));
    }

    [TestCase(8_000, 10)]
    [TestCase(8_000, 20)]
    [TestCase(8_000, 30)]
    [TestCase(16_000, 10)]
    [TestCase(16_000, 20)]
    [TestCase(16_000, 30)]
    public void Every_frame_length_tells_speech_from_silence(int sampleRate, int frameMs)
    {
        var speech = VadTestAudio.Espeak("Please call me back tomorrow morning about the invoice.", sampleRate);
        Assume.That(speech, Is.Not.Null, "espeak-ng is not installed");
        var signal = VadTestAudio.Concat(
            VadTestAudio.Noise(sampleRate, 1000, -70, seed: 1), VadTestAudio.Mix(speech!, VadTestAudio.Noise(sampleRate, speech!.Length * 1000 / sampleRate, -70, seed: 2)),
            VadTestAudio.Noise(sampleRate, 1000, -70, seed: 3));
        var truth = VadTestAudio.Truth(VadTestAudio.Concat(new short[sampleRate], speech!, new short[sampleRate]), sampleRate, frameMs);
        var scores = VadTestAudio.Run(new AdaptiveVoiceActivityDetector(sampleRate), signal, sampleRate, frameMs);

        var (f1, _, _) = VadTestAudio.F1(scores, truth, sampleRate, frameMs);
        TestContext.Out.WriteLine($"{sampleRate} Hz, {frameMs} ms frames: F1 {f1:F3}");
        Assert.That(f1, Is.GreaterThan(0.9));
    }

    [TestCase(8_000)]
    [TestCase(16_000)]
    public void Real_read_speech_is_speech_and_the_silence_around_it_is_not(int sampleRate)
    {
        var speech = VadTestAudio.Pocketsphinx("librivox/sense_and_sensibility_01_austen_64kb-0880.wav", sampleRate);
        Assume.That(speech, Is.Not.Null, "pocketsphinx-testdata is not installed");

        // A line with steady noise at -55 dBFS throughout, the recording 1.5 s in.
        var clean = VadTestAudio.Concat(new short[sampleRate * 3 / 2], speech!, new short[sampleRate * 3 / 2]);
        var signal = VadTestAudio.Mix(clean, VadTestAudio.Noise(sampleRate, clean.Length * 1000 / sampleRate, -55, seed: 4));
        var scores = VadTestAudio.Run(new AdaptiveVoiceActivityDetector(sampleRate), signal, sampleRate, 20);
        var truth = VadTestAudio.Truth(clean, sampleRate, 20);

        var (f1, precision, recall) = VadTestAudio.F1(scores, truth, sampleRate, 20);
        var leadingFalse = scores.Take(70).Count(p => p >= 0.5f);
        var trailingFalse = scores.Skip(scores.Length - 60).Count(p => p >= 0.5f);
        TestContext.Out.WriteLine($"F1 {f1:F3} precision {precision:F3} recall {recall:F3}; false frames before {leadingFalse}, after {trailingFalse}");
        Assert.Multiple(() =>
        {
            Assert.That(f1, Is.GreaterThan(0.9));
            Assert.That(leadingFalse, Is.Zero);
            Assert.That(trailingFalse, Is.Zero);
        });
    }

    [TestCase(8_000, -50)]
    [TestCase(16_000, -30)]
    [TestCase(8_000, -10)]
    public void Stationary_white_noise_alone_is_not_speech_after_adaptation(int sampleRate, double levelDbfs)
    {
        var noise = VadTestAudio.Noise(sampleRate, 20_000, levelDbfs, seed: 6);
        var scores = VadTestAudio.Run(new AdaptiveVoiceActivityDetector(sampleRate), noise, sampleRate, 20);
        var adapted = scores.Skip(25).ToArray();
        var speechFrames = adapted.Count(p => p >= 0.5f);
        TestContext.Out.WriteLine($"{speechFrames} of {adapted.Length} frames scored as speech, mean {adapted.Average():F4}");
        Assert.Multiple(() =>
        {
            Assert.That(speechFrames, Is.LessThanOrEqualTo(adapted.Length / 100));
            Assert.That(adapted.Average(), Is.LessThan(0.05));
        });
    }

    [Test]
    public void A_forty_decibel_gain_change_leaves_the_decisions_the_same()
    {
        const int rate = 8_000;
        var speech = VadTestAudio.Pocketsphinx("librivox/sense_and_sensibility_01_austen_64kb-0870.wav", rate);
        Assume.That(speech, Is.Not.Null, "pocketsphinx-testdata is not installed");
        var signal = VadTestAudio.Concat(VadTestAudio.Noise(rate, 500, -70, seed: 7), speech!, VadTestAudio.Noise(rate, 800, -70, seed: 8));

        var quiet = VadTestAudio.Run(new AdaptiveVoiceActivityDetector(rate), VadTestAudio.ScaleTo(signal, -40), rate, 20);
        var loud = VadTestAudio.Run(new AdaptiveVoiceActivityDetector(rate), VadTestAudio.ScaleTo(signal, -6), rate, 20);
        var differ = quiet.Zip(loud).Count(p => (p.First >= 0.5f) != (p.Second >= 0.5f));
        TestContext.Out.WriteLine($"{differ} of {quiet.Length} decisions differ; speech frames {quiet.Count(p => p >= 0.5f)} vs {loud.Count(p => p >= 0.5f)}");
        Assert.That(differ, Is.LessThanOrEqualTo(quiet.Length * 3 / 100));
    }

    [TestCase(8_000, 50)]
    [TestCase(8_000, 60)]
    [TestCase(16_000, 50)]
    [TestCase(16_000, 60)]
    public void Mains_hum_alone_is_not_speech(int sampleRate, double mains)
    {
        var ms = 5_000;
        var hum = new short[sampleRate * ms / 1000];
        var noise = VadTestAudio.Noise(sampleRate, ms, -65, seed: 9);
        for (var i = 0; i < hum.Length; i++)
        {
            var t = (double)i / sampleRate;
            var v = (6000 * Math.Sin(2 * Math.PI * mains * t)) + (2000 * Math.Sin(2 * Math.PI * 2 * mains * t)) + (1500 * Math.Sin(2 * Math.PI * 3 * mains * t));
            hum[i] = (short)(v + noise[i]);
        }

        var scores = VadTestAudio.Run(new AdaptiveVoiceActivityDetector(sampleRate), hum, sampleRate, 20);
        Assert.That(scores.Count(p => p >= 0.5f), Is.Zero, $"max {scores.Max():F3}");
    }

    [TestCase(8_000)]
    [TestCase(16_000)]
    public void Isolated_clicks_are_not_speech(int sampleRate)
    {
        var signal = VadTestAudio.Noise(sampleRate, 6_000, -60, seed: 10);
        var random = new Random(11);
        for (var at = sampleRate / 2; at < signal.Length - 100; at += (sampleRate * 3 / 10) + random.Next(sampleRate / 10))
        {
            // A one-millisecond click, up to almost full scale, of either polarity.
            var amplitude = random.Next(8000, 30000) * (random.Next(2) == 0 ? -1 : 1);
            for (var i = 0; i < sampleRate / 1000; i++)
            {
                signal[at + i] = (short)Math.Clamp(signal[at + i] + (amplitude * (1 - (i * 1000.0 / sampleRate))), short.MinValue, short.MaxValue);
            }
        }

        var scores = VadTestAudio.Run(new AdaptiveVoiceActivityDetector(sampleRate), signal, sampleRate, 20);
        Assert.That(scores.Count(p => p >= 0.5f), Is.Zero, $"max {scores.Max():F3}");
    }

    [Test]
    public void Reset_forgets_the_stream()
    {
        const int rate = 16_000;
        var noise = VadTestAudio.Noise(rate, 3000, -20, seed: 12);
        var signal = VadTestAudio.Concat(VadTestAudio.Noise(rate, 500, -60, seed: 13), VadTestAudio.Tones(rate, 1000), VadTestAudio.Noise(rate, 500, -60, seed: 14));
        var fresh = VadTestAudio.Run(new AdaptiveVoiceActivityDetector(rate), signal, rate, 20);

        var reused = new AdaptiveVoiceActivityDetector(rate);
        VadTestAudio.Run(reused, noise, rate, 20);
        reused.Reset();
        var afterReset = VadTestAudio.Run(reused, signal, rate, 20);
        Assert.That(afterReset, Is.EqualTo(fresh).AsCollection);
    }

    [Test]
    public void Output_is_deterministic_and_in_range()
    {
        const int rate = 8_000;
        var signal = VadTestAudio.Concat(VadTestAudio.Noise(rate, 700, -50, seed: 15), VadTestAudio.Tones(rate, 1500), VadTestAudio.Noise(rate, 700, -50, seed: 16));
        var first = VadTestAudio.Run(new AdaptiveVoiceActivityDetector(rate), signal, rate, 20);
        var second = VadTestAudio.Run(new AdaptiveVoiceActivityDetector(rate), signal, rate, 20);
        Assert.Multiple(() =>
        {
            Assert.That(second, Is.EqualTo(first).AsCollection);
            Assert.That(first, Has.All.InRange(0f, 1f));
            Assert.That(first.Max(), Is.GreaterThan(0.9f), "the harmonic burst scores as speech");
        });
    }

    [TestCase(8_000)]
    [TestCase(16_000)]
    public void Processing_a_thousand_frames_allocates_nothing(int sampleRate)
    {
        var vad = new AdaptiveVoiceActivityDetector(sampleRate);
        var signal = VadTestAudio.Concat(VadTestAudio.Noise(sampleRate, 10_000, -40, seed: 17), VadTestAudio.Tones(sampleRate, 10_000));
        var frame = sampleRate / 50;
        vad.Process(signal.AsSpan(0, frame));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var sum = 0f;
        for (var i = 0; i < 1000; i++)
        {
            sum += vad.Process(signal.AsSpan(i * frame, frame));
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Multiple(() =>
        {
            Assert.That(allocated, Is.Zero);
            Assert.That(sum, Is.GreaterThan(0));
        });
    }
}

/// <summary>Signals, speech sources and scoring shared by the detector tests.</summary>
internal static class VadTestAudio
{
    public const string PocketsphinxData = "/usr/share/pocketsphinx/test/data";

    public static float[] Run(IVoiceActivityDetector vad, short[] signal, int sampleRate, int frameMs)
    {
        var frame = sampleRate * frameMs / 1000;
        var scores = new float[signal.Length / frame];
        for (var i = 0; i < scores.Length; i++)
        {
            scores[i] = vad.Process(signal.AsSpan(i * frame, frame));
        }

        return scores;
    }

    /// <summary>
    /// Reference speech frames of a clean signal: 10 ms energy above max(−60 dBFS, loudest − 40 dB), gaps under 200 ms
    /// bridged, islands under 30 ms dropped; a frame is speech when it overlaps a segment.
    /// </summary>
    public static bool[] Truth(short[] clean, int sampleRate, int frameMs)
    {
        var hop = sampleRate / 100;
        var db = new double[clean.Length / hop];
        for (var i = 0; i < db.Length; i++)
        {
            double sum = 0;
            for (var j = 0; j < hop; j++)
            {
                double s = clean[(i * hop) + j];
                sum += s * s;
            }

            db[i] = 10 * Math.Log10((sum / hop / (32768.0 * 32768.0)) + 1e-12);
        }

        var threshold = Math.Max(-60, db.Max() - 40);
        var active = db.Select(d => d > threshold).ToArray();
        Bridge(active, gap: 20, island: 3);
        var perFrame = frameMs / 10;
        var truth = new bool[clean.Length / (sampleRate * frameMs / 1000)];
        for (var f = 0; f < truth.Length; f++)
        {
            for (var k = 0; k < perFrame && (f * perFrame) + k < active.Length; k++)
            {
                truth[f] |= active[(f * perFrame) + k];
            }
        }

        return truth;
    }

    public static void Bridge(bool[] active, int gap, int island)
    {
        var last = -1;
        for (var i = 0; i < active.Length; i++)
        {
            if (!active[i])
            {
                continue;
            }

            if (last >= 0 && i - last - 1 < gap)
            {
                Array.Fill(active, true, last + 1, i - last - 1);
            }

            last = i;
        }

        for (var i = 0; i < active.Length;)
        {
            if (!active[i])
            {
                i++;
                continue;
            }

            var j = i;
            while (j < active.Length && active[j])
            {
                j++;
            }

            if (j - i < island)
            {
                Array.Fill(active, false, i, j - i);
            }

            i = j;
        }
    }

    /// <summary>Frame F1 with one frame of tolerance either side of every reference boundary.</summary>
    public static (double F1, double Precision, double Recall) F1(float[] scores, bool[] truth, int sampleRate, int frameMs)
    {
        int tp = 0, fp = 0, fn = 0;
        var n = Math.Min(scores.Length, truth.Length);
        for (var i = 0; i < n; i++)
        {
            var nearBoundary = (i > 0 && truth[i - 1] != truth[i]) || (i + 1 < n && truth[i + 1] != truth[i]);
            if (nearBoundary)
            {
                continue;
            }

            var said = scores[i] >= 0.5f;
            if (said && truth[i])
            {
                tp++;
            }
            else if (said)
            {
                fp++;
            }
            else if (truth[i])
            {
                fn++;
            }
        }

        var precision = tp / (double)Math.Max(1, tp + fp);
        var recall = tp / (double)Math.Max(1, tp + fn);
        return (2 * precision * recall / Math.Max(1e-9, precision + recall), precision, recall);
    }

    public static short[] Noise(int sampleRate, int ms, double levelDbfs, int seed)
    {
        var random = new Random(seed);
        var rms = 32768 * Math.Pow(10, levelDbfs / 20);
        var samples = new short[sampleRate * ms / 1000];
        for (var i = 0; i < samples.Length; i++)
        {
            // Sum of uniforms: near-Gaussian, unit variance times rms.
            var g = (random.NextDouble() + random.NextDouble() + random.NextDouble() + random.NextDouble() - 2) * Math.Sqrt(3);
            samples[i] = (short)Math.Clamp(Math.Round(g * rms), short.MinValue, short.MaxValue);
        }

        return samples;
    }

    /// <summary>A vowel-like harmonic burst (pitch 120 Hz, formant-weighted harmonics).</summary>
    public static short[] Tones(int sampleRate, int ms)
    {
        var samples = new short[sampleRate * ms / 1000];
        for (var i = 0; i < samples.Length; i++)
        {
            var t = (double)i / sampleRate;
            double v = 0;
            for (var h = 1; h * 120 < Math.Min(3500, sampleRate / 2); h++)
            {
                var f = h * 120.0;
                var weight = Math.Exp(-Math.Pow((f - 700) / 300, 2)) + (0.5 * Math.Exp(-Math.Pow((f - 1200) / 400, 2))) + 0.05;
                v += weight * Math.Sin(2 * Math.PI * f * t);
            }

            samples[i] = (short)(v * 3000);
        }

        return samples;
    }

    public static short[] Concat(params short[][] parts) => parts.SelectMany(p => p).ToArray();

    public static short[] Mix(short[] a, short[] b)
    {
        var result = new short[Math.Max(a.Length, b.Length)];
        for (var i = 0; i < result.Length; i++)
        {
            var sum = (i < a.Length ? a[i] : 0) + (i < b.Length ? b[i] : 0);
            result[i] = (short)Math.Clamp(sum, short.MinValue, short.MaxValue);
        }

        return result;
    }

    /// <summary>Scales a signal so that its loud part (frames within 20 dB of the loudest) has the given RMS level.</summary>
    public static short[] ScaleTo(short[] signal, double levelDbfs)
    {
        const int hop = 160;
        var energies = Enumerable.Range(0, signal.Length / hop)
            .Select(i => signal.AsSpan(i * hop, hop).ToArray().Average(s => (double)s * s)).ToArray();
        var loudest = energies.Max();
        var active = energies.Where(e => e > loudest / 100).Average();
        var gain = 32768 * Math.Pow(10, levelDbfs / 20) / Math.Sqrt(active);
        return signal.Select(s => (short)Math.Clamp(Math.Round(s * gain), short.MinValue, short.MaxValue)).ToArray();
    }

    public static short[]? Pocketsphinx(string relativePath, int sampleRate)
    {
        var path = Path.Combine(PocketsphinxData, relativePath);
        return File.Exists(path) ? ReadWav(path, sampleRate) : null;
    }

    /// <summary>Synthesises text with espeak-ng, or returns null when espeak-ng is not installed.</summary>
    public static short[]? Espeak(string text, int sampleRate, string voice = "en-us", int wordsPerMinute = 165)
    {
        var path = Path.Combine(Path.GetTempPath(), $"voicekit-vad-{Environment.ProcessId}-{Guid.NewGuid():N}.wav");
        try
        {
            var start = new ProcessStartInfo("espeak-ng") { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var argument in new[] { "-v", voice, "-s", wordsPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture), "-w", path, text })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start);
            if (process is null)
            {
                return null;
            }

            process.WaitForExit();
            return process.ExitCode == 0 && File.Exists(path) ? ReadWav(path, sampleRate) : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
        finally
        {
            File.Delete(path);
        }
    }

    public static short[] ReadWav(string path, int sampleRate)
    {
        var wav = WavFile.ReadFile(path);
        var converted = AudioConverter.ConvertAll(wav.Data.Span, wav.Format, AudioFormat.Pcm16(sampleRate));
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, short>(converted).ToArray();
    }
}
