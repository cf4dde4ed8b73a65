namespace VoiceKit.TurnEval;

/// <summary>A listening condition: noise kind and SNR, sample rate, and whether the line is G.711 mu-law.</summary>
internal sealed record Condition(NoiseKind Noise, double SnrDb, int SampleRate, bool MuLaw)
{
    public string Name => (Noise == NoiseKind.None ? "clean" : $"{Noise.ToString().ToLowerInvariant()}-{SnrDb:0}dB")
        + (MuLaw ? "-8k-mulaw" : $"-{SampleRate / 1000}k-pcm");

    public static IReadOnlyList<Condition> All(bool quick)
    {
        var noises = quick
            ? new[] { (NoiseKind.None, 0.0), (NoiseKind.White, 10.0), (NoiseKind.Pink, 10.0) }
            : new[] { (NoiseKind.None, 0.0) }.Concat(
                from kind in new[] { NoiseKind.White, NoiseKind.Pink, NoiseKind.Babble }
                from snr in new[] { 20.0, 10.0, 5.0 }
                select (kind, snr)).ToArray();
        return (from n in noises
                from format in new[] { (16_000, false), (8_000, true) }
                select new Condition(n.Item1, n.Item2, format.Item1, format.Item2)).ToList();
    }
}
