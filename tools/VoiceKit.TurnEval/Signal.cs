using System.Runtime.InteropServices;
using VoiceKit.Audio;

namespace VoiceKit.TurnEval;

/// <summary>Small offline signal helpers: conversion, speech activity of clean audio, levels.</summary>
internal static class Signal
{
    /// <summary>Decodes and resamples whole-file audio to mono PCM16 at <paramref name="rate"/>, removing the filter delay.</summary>
    public static short[] Convert(ReadOnlySpan<byte> data, AudioFormat format, int rate)
    {
        if (format.Channels != 1)
        {
            throw new InvalidOperationException($"Expected mono audio, got {format}.");
        }

        return MemoryMarshal.Cast<byte, short>(AudioConverter.ConvertAll(data, format, AudioFormat.Pcm16(rate))).ToArray();
    }

    public static short[] Resample(short[] samples, int from, int to) =>
        from == to ? samples : Convert(MemoryMarshal.AsBytes(samples.AsSpan()), AudioFormat.Pcm16(from), to);

    /// <summary>Round trip through G.711 mu-law, as a phone line would deliver the audio.</summary>
    public static short[] MuLawRoundTrip(short[] samples, out byte[] encoded)
    {
        encoded = new byte[samples.Length];
        MuLaw.Encode(samples, encoded);
        var decoded = new short[samples.Length];
        MuLaw.Decode(encoded, decoded);
        return decoded;
    }

    /// <summary>10 ms frames of clean speech: above max(loudest − 40 dB, quietest decile + 12 dB), 200 ms gaps bridged.</summary>
    public static bool[] ActiveFrames(short[] samples, int rate)
    {
        var hop = rate / 100;
        var db = new double[samples.Length / hop];
        for (var i = 0; i < db.Length; i++)
        {
            db[i] = LevelDb(samples.AsSpan(i * hop, hop));
        }

        var sorted = db.OrderBy(d => d).ToArray();
        var threshold = Math.Max(sorted[^1] - 40, sorted[sorted.Length / 10] + 12);
        var active = db.Select(d => d > threshold).ToArray();
        Bridge(active, gap: 20, island: 3);
        return active;
    }

    public static void Bridge(bool[] active, int gap, int island)
    {
        var last = -1;
        for (var i = 0; i < active.Length; i++)
        {
            if (active[i])
            {
                if (last >= 0 && i - last - 1 < gap)
                {
                    Array.Fill(active, true, last + 1, i - last - 1);
                }

                last = i;
            }
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

    public static double LevelDb(ReadOnlySpan<short> samples)
    {
        double sum = 0;
        foreach (var s in samples)
        {
            sum += (double)s * s;
        }

        return 10 * Math.Log10((sum / Math.Max(1, samples.Length) / (32768.0 * 32768.0)) + 1e-13);
    }

    public static void Fade(short[] samples, int length)
    {
        length = Math.Min(length, samples.Length / 2);
        for (var i = 0; i < length; i++)
        {
            var g = (double)i / length;
            samples[i] = (short)(samples[i] * g);
            samples[^(i + 1)] = (short)(samples[^(i + 1)] * g);
        }
    }

    public static void NormaliseActive(short[] samples, bool[] active10ms, double levelDbfs)
    {
        double sum = 0;
        long count = 0;
        for (var f = 0; f < active10ms.Length; f++)
        {
            if (active10ms[f])
            {
                for (var i = f * 160; i < Math.Min(samples.Length, (f + 1) * 160); i++)
                {
                    sum += (double)samples[i] * samples[i];
                    count++;
                }
            }
        }

        var current = 10 * Math.Log10((sum / Math.Max(1, count) / (32768.0 * 32768.0)) + 1e-13);
        var gain = Math.Pow(10, (levelDbfs - current) / 20);
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = Clip(samples[i] * gain);
        }
    }

    public static short Clip(double value) => (short)Math.Clamp(Math.Round(value), short.MinValue, short.MaxValue);
}
