using VoiceKit.Turns;

namespace VoiceKit.Tests.Turns;

/// <summary>
/// The issue-3 detector bars on a small generated set: espeak-ng phrases and pocketsphinx-testdata recordings with
/// 300–900 ms gaps, white line noise 50 dB down, and white or pink noise at 10 dB SNR (speech-active power). Reference
/// speech comes from the clean audio (see <see cref="VadTestAudio.Truth"/>); frames next to a boundary are not scored.
/// The full evaluation is tools/VoiceKit.TurnEval.
/// </summary>
public sealed class VadEvalTests
{
    private static readonly string[] Phrases =
    [
        "Hi, I'm calling about my order and", "it still hasn't arrived.", "My number is four one five", "two three nine eight.",
        "Can you send the invoice to", "my work address instead?",
    ];

    [TestCase(16_000, "clean", 0.93)]
    [TestCase(8_000, "clean", 0.93)]
    [TestCase(16_000, "white", 0.88)]
    [TestCase(8_000, "white", 0.88)]
    [TestCase(16_000, "pink", 0.88)]
    [TestCase(8_000, "pink", 0.88)]
    public void Frame_F1_meets_the_bar(int rate, string noise, double bar)
    {
        var clean = Build(rate);
        var signal = Mix(clean, rate, noise);
        var scores = VadTestAudio.Run(new AdaptiveVoiceActivityDetector(rate), signal, rate, 20);
        var (f1, precision, recall) = VadTestAudio.F1(scores, VadTestAudio.Truth(clean, rate, 20), rate, 20);
        TestContext.Out.WriteLine($"{rate} Hz {noise}: F1 {f1:F3} (P {precision:F3}, R {recall:F3})");
        Assert.That(f1, Is.GreaterThanOrEqualTo(bar));
    }

    private static short[] Build(int rate)
    {
        var parts = new List<short[]> { new short[rate] };
        var random = new Random(3);
        foreach (var phrase in Phrases)
        {
            var speech = VadTestAudio.Espeak(phrase, rate);
            Assume.That(speech, Is.Not.Null, "espeak-ng is not installed");
            parts.Add(VadTestAudio.ScaleTo(speech!, -26));
            parts.Add(new short[rate * random.Next(300, 901) / 1000]);
        }

        foreach (var file in new[] { "librivox/sense_and_sensibility_01_austen_64kb-0880.wav", "cards/005.wav" })
        {
            var speech = VadTestAudio.Pocketsphinx(file, rate);
            Assume.That(speech, Is.Not.Null, "pocketsphinx-testdata is not installed");
            parts.Add(VadTestAudio.ScaleTo(speech!, -26));
            parts.Add(new short[rate * 800 / 1000]);
        }

        parts.Add(new short[rate]);
        return VadTestAudio.Concat([.. parts]);
    }

    private static short[] Mix(short[] clean, int rate, string noise)
    {
        // Line noise about 50 dB under the speech, and the condition's noise at 10 dB SNR.
        var ms = clean.Length * 1000 / rate;
        var mixed = VadTestAudio.Mix(clean, VadTestAudio.Noise(rate, ms, -76, seed: 21));
        if (noise == "clean")
        {
            return mixed;
        }

        // SNR as in the evaluation: speech power over the reference speech frames against the noise power.
        var truth = VadTestAudio.Truth(clean, rate, 10);
        var hop = rate / 100;
        var speechPower = Enumerable.Range(0, truth.Length).Where(f => truth[f])
            .SelectMany(f => clean.Skip(f * hop).Take(hop)).Average(v => (double)v * v);
        var n = VadTestAudio.Noise(rate, ms, (10 * Math.Log10(speechPower / (32768.0 * 32768.0))) - 10, seed: 22);
        if (noise == "pink")
        {
            n = Pink(n);
        }

        return VadTestAudio.Mix(mixed, n);
    }

    /// <summary>Paul Kellett's economy pink filter, rescaled to the input's power.</summary>
    private static short[] Pink(short[] white)
    {
        double b0 = 0, b1 = 0, b2 = 0, power = 0, pinkPower = 0;
        var pink = new double[white.Length];
        for (var i = 0; i < white.Length; i++)
        {
            double w = white[i];
            b0 = (0.99765 * b0) + (w * 0.0990460);
            b1 = (0.96300 * b1) + (w * 0.2965164);
            b2 = (0.57000 * b2) + (w * 1.0526913);
            pink[i] = b0 + b1 + b2 + (w * 0.1848);
            power += w * w;
            pinkPower += pink[i] * pink[i];
        }

        var gain = Math.Sqrt(power / pinkPower);
        return pink.Select(v => (short)Math.Clamp(Math.Round(v * gain), short.MinValue, short.MaxValue)).ToArray();
    }
}
