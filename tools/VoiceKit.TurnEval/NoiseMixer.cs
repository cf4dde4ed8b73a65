namespace VoiceKit.TurnEval;

/// <summary>Noise kinds of the evaluation conditions.</summary>
internal enum NoiseKind
{
    None,
    White,
    Pink,
    Babble,
}

/// <summary>Makes white, pink and babble noise and mixes it at an SNR measured over the speech-active part.</summary>
internal static class NoiseMixer
{
    /// <summary>Level of the line noise added to every condition, "clean" included, in dB below the speech.</summary>
    public const double LineNoiseDb = 50;

    /// <summary>
    /// Mixes noise into <paramref name="clean"/> so that speech power (mean over <paramref name="speech"/> samples)
    /// over noise power (mean over the whole call) is <paramref name="snrDb"/>. Every call also gets white line noise
    /// <see cref="LineNoiseDb"/> below the speech, so no condition holds digital silence.
    /// </summary>
    public static short[] Mix(short[] clean, bool[] speech, NoiseKind kind, double snrDb, short[]? babbleSource, int seed)
    {
        double speechPower = 0;
        long count = 0;
        for (var i = 0; i < clean.Length; i++)
        {
            if (speech[i])
            {
                speechPower += (double)clean[i] * clean[i];
                count++;
            }
        }

        speechPower /= Math.Max(1, count);
        var random = new Random(seed);
        var line = Scale(White(clean.Length, random), speechPower, LineNoiseDb);
        var noise = kind switch
        {
            NoiseKind.White => Scale(White(clean.Length, random), speechPower, snrDb),
            NoiseKind.Pink => Scale(Pink(clean.Length, random), speechPower, snrDb),
            NoiseKind.Babble => Scale(Loop(babbleSource!, clean.Length, random.Next(babbleSource!.Length)), speechPower, snrDb),
            _ => new double[clean.Length],
        };

        var mixed = new short[clean.Length];
        for (var i = 0; i < mixed.Length; i++)
        {
            mixed[i] = Signal.Clip(clean[i] + noise[i] + line[i]);
        }

        return mixed;
    }

    /// <summary>Babble: several different talkers (other voices, other recordings) summed, each starting elsewhere.</summary>
    public static short[] Babble(IReadOnlyList<short[]> talkers, int length, int seed)
    {
        var random = new Random(seed);
        var sum = new double[length];
        foreach (var talker in talkers)
        {
            var looped = Loop(talker, length, random.Next(talker.Length));
            for (var i = 0; i < length; i++)
            {
                sum[i] += looped[i];
            }
        }

        var peak = sum.Max(Math.Abs);
        return sum.Select(v => Signal.Clip(v * 16000 / Math.Max(1, peak))).ToArray();
    }

    private static double[] Scale(double[] noise, double speechPower, double snrDb)
    {
        var power = noise.Average(v => v * v);
        var gain = Math.Sqrt(speechPower / Math.Pow(10, snrDb / 10) / Math.Max(1e-9, power));
        for (var i = 0; i < noise.Length; i++)
        {
            noise[i] *= gain;
        }

        return noise;
    }

    private static double[] White(int length, Random random)
    {
        var noise = new double[length];
        for (var i = 0; i < length; i++)
        {
            // Box-Muller.
            noise[i] = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        }

        return noise;
    }

    /// <summary>Pink (1/f) noise: Paul Kellett's refined filter on white noise.</summary>
    private static double[] Pink(int length, Random random)
    {
        var white = White(length, random);
        double b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0;
        var pink = new double[length];
        for (var i = 0; i < length; i++)
        {
            var w = white[i];
            b0 = (0.99886 * b0) + (w * 0.0555179);
            b1 = (0.99332 * b1) + (w * 0.0750759);
            b2 = (0.96900 * b2) + (w * 0.1538520);
            b3 = (0.86650 * b3) + (w * 0.3104856);
            b4 = (0.55000 * b4) + (w * 0.5329522);
            b5 = (-0.7616 * b5) - (w * 0.0168980);
            pink[i] = b0 + b1 + b2 + b3 + b4 + b5 + b6 + (w * 0.5362);
            b6 = w * 0.115926;
        }

        return pink;
    }

    private static double[] Loop(short[] source, int length, int offset)
    {
        var result = new double[length];
        for (var i = 0; i < length; i++)
        {
            result[i] = source[(offset + i) % source.Length];
        }

        return result;
    }
}
