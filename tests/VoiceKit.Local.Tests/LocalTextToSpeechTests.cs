using VoiceKit.Audio;

namespace VoiceKit.Local.Tests;

[CancelAfter(30_000)]
public sealed class LocalTextToSpeechTests
{
    [TestCase("flite", 16_000)]
    [TestCase("espeak", 22_050)]
    public async Task Each_segment_is_spoken_in_order_at_the_voices_rate(string engine, int rate)
    {
        var tts = CreateOrIgnore(engine);
        var format = tts.SelectOutputFormat(AudioFormat.Telephony);
        Assert.That(format, Is.EqualTo(AudioFormat.Pcm16(rate)), "the engine's own rate; the session converts to the call's mu-law");
        var bytesPerSecond = rate * 2;

        await using var stream = await tts.StartAsync(format);
        var reading = Task.Run(async () =>
        {
            var chunks = new List<(int Bytes, int Segment, double Rms)>();
            await foreach (var chunk in stream.ReadAudioAsync())
            {
                chunks.Add((chunk.Audio.Length, chunk.Segment, Rms(chunk.Audio.Span)));
            }

            return chunks;
        });
        await stream.SendTextAsync("Thanks for calling Acme Parcels. ");
        await stream.SendTextAsync("How can I help you today?");
        await stream.FlushAsync();
        var chunks = await reading;

        Assert.That(chunks.Select(c => c.Segment).Distinct(), Is.EqualTo(new[] { 0, 1 }), "both segments, in order");
        Assert.That(chunks.Where(c => c.Bytes > 0).All(c => c.Bytes <= rate / 50 * 2), Is.True, "20 ms chunks");
        foreach (var segment in new[] { 0, 1 })
        {
            var seconds = chunks.Where(c => c.Segment == segment).Sum(c => c.Bytes) / (double)bytesPerSecond;
            Assert.That(seconds, Is.InRange(0.8, 4.0), $"segment {segment} lasts as long as speech of its words");
        }

        Assert.That(chunks.Max(c => c.Rms), Is.GreaterThan(1000), "it is audible speech, not silence");
    }

    [Test]
    public void An_unknown_voice_is_refused_with_the_voices_available()
    {
        Assert.That(() => new FliteTextToSpeechOptions { Voice = "hal9000" }.AsFliteTextToSpeech(),
            Throws.InvalidOperationException.With.Message.Contains("slt"));
        Assert.That(() => new EspeakTextToSpeechOptions { Voice = "klingon-xx" }.AsEspeakTextToSpeech(),
            Throws.InvalidOperationException.With.Message.Contains("no voice"));
    }

    private static ITextToSpeech CreateOrIgnore(string engine)
    {
        try
        {
            return engine == "flite" ? new FliteTextToSpeechOptions().AsFliteTextToSpeech() : new EspeakTextToSpeechOptions().AsEspeakTextToSpeech();
        }
        catch (InvalidOperationException e) when (e.Message.Contains("install the Debian package", StringComparison.Ordinal))
        {
            Assert.Ignore(e.Message);
            throw;
        }
    }

    private static double Rms(ReadOnlySpan<byte> pcm)
    {
        double sum = 0;
        var samples = pcm.Length / 2;
        for (var i = 0; i < samples; i++)
        {
            var s = (short)(pcm[2 * i] | (pcm[(2 * i) + 1] << 8));
            sum += (double)s * s;
        }

        return samples == 0 ? 0 : Math.Sqrt(sum / samples);
    }
}
