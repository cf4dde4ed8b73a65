using VoiceKit.Audio;

namespace VoiceKit.Local.Tests;

[CancelAfter(30_000)]
public sealed class PocketSphinxSpeechToTextTests
{
    private const int FrameMilliseconds = 20;

    /// <summary>
    /// The word error rate each phone-audio phrase (Flite slt, 8 kHz mu-law) must stay within. Measured: 0.50, 0.57 and
    /// 0.33 with the general en-us language model; the model's own 8 kHz front end gave 1.0 for every phrase.
    /// </summary>
    private const double MaxPhoneWordErrorRate = 0.6;

    /// <summary>The bound for the same phrases at 16 kHz. Measured: 0.50 ("car sale" for "parcel"), 0.14 and 0.00.</summary>
    private const double MaxWidebandWordErrorRate = 0.5;

    [SetUp]
    public void RequireEngine() => PocketSphinxTestAudio.RequireEngine();

    [TestCase("where is my parcel", false)]
    [TestCase("my order number is four two seven", false)]
    [TestCase("i would like to speak to an agent please", false)]
    [TestCase("where is my parcel", true)]
    [TestCase("my order number is four two seven", true)]
    [TestCase("i would like to speak to an agent please", true)]
    public async Task RecognisesWithinTheWordErrorBound(string phrase, bool wideband, CancellationToken cancellationToken)
    {
        var recogniser = new PocketSphinxOptions().AsPocketSphinxSpeechToText();
        var format = wideband ? AudioFormat.Pcm16Khz : recogniser.SelectInputFormat(AudioFormat.Telephony);
        Assert.That(format, Is.EqualTo(wideband ? AudioFormat.Pcm16Khz : AudioFormat.Telephony), "phone audio stays 8 kHz mu-law");
        var audio = await PocketSphinxTestAudio.SynthesizeAsync(phrase, format, cancellationToken);

        await using var stream = await recogniser.StartAsync(format, cancellationToken);
        var elapsed = await PocketSphinxTestAudio.SendInFramesAsync(stream, format, audio, cancellationToken);
        await stream.FinalizeAsync(cancellationToken);
        var final = await PocketSphinxTestAudio.FirstFinalAsync(stream, cancellationToken);

        var frames = audio.Length / format.BytesPer(FrameMilliseconds);
        var wer = PocketSphinxTestAudio.WordErrorRate(phrase, final.Text);
        await TestContext.Out.WriteLineAsync(
            $"{format.SampleRate / 1000} kHz '{phrase}' -> '{final.Text}': WER {wer:F2}; {elapsed.TotalMilliseconds / frames:F3} ms per {FrameMilliseconds} ms frame");
        Assert.Multiple(() =>
        {
            Assert.That(final.IsEndpoint, Is.True);
            Assert.That(wer, Is.LessThanOrEqualTo(wideband ? MaxWidebandWordErrorRate : MaxPhoneWordErrorRate), final.Text);
        });
    }

    [Test]
    public async Task DecodesFasterThanRealTime(CancellationToken cancellationToken)
    {
        var recogniser = new PocketSphinxOptions().AsPocketSphinxSpeechToText();
        var audio = await PocketSphinxTestAudio.SynthesizeAsync("my order number is four two seven", AudioFormat.Telephony, cancellationToken);
        await using var stream = await recogniser.StartAsync(AudioFormat.Telephony, cancellationToken);

        var elapsed = await PocketSphinxTestAudio.SendInFramesAsync(stream, AudioFormat.Telephony, audio, cancellationToken);

        var perFrame = elapsed / (audio.Length / AudioFormat.Telephony.BytesPer(FrameMilliseconds));
        Assert.That(perFrame, Is.LessThan(TimeSpan.FromMilliseconds(10)), "a 20 ms frame must decode in well under 20 ms (the machine may be shared)");
    }

    [Test]
    public async Task DecodingAFrameDoesNotAllocate(CancellationToken cancellationToken)
    {
        var recogniser = new PocketSphinxOptions().AsPocketSphinxSpeechToText();
        await using var stream = await recogniser.StartAsync(AudioFormat.Telephony, cancellationToken);
        var frame = PocketSphinxTestAudio.Silence(AudioFormat.Telephony, FrameMilliseconds);
        for (var i = 0; i < 10; i++)
        {
            await stream.SendAudioAsync(frame, cancellationToken);
        }

        var synchronous = 0;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 50; i++)
        {
            synchronous += stream.SendAudioAsync(frame, cancellationToken).IsCompletedSuccessfully ? 1 : 0;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Multiple(() =>
        {
            Assert.That(allocated, Is.Zero, "one second of frames decoded without allocating");
            Assert.That(synchronous, Is.EqualTo(50));
        });
    }

    [Test]
    public async Task SendsInterimUpdatesBeforeTheFinal(CancellationToken cancellationToken)
    {
        var recogniser = new PocketSphinxOptions().AsPocketSphinxSpeechToText();
        var audio = await PocketSphinxTestAudio.SynthesizeAsync("where is my parcel", AudioFormat.Telephony, cancellationToken);
        await using var stream = await recogniser.StartAsync(AudioFormat.Telephony, cancellationToken);

        await PocketSphinxTestAudio.SendInFramesAsync(stream, AudioFormat.Telephony, audio, cancellationToken);
        await stream.FinalizeAsync(cancellationToken);

        var updates = new List<TranscriptUpdate>();
        await foreach (var update in stream.ReadUpdatesAsync(cancellationToken))
        {
            updates.Add(update);
            if (update.Kind == TranscriptUpdateKind.Final)
            {
                break;
            }
        }

        Assert.Multiple(() =>
        {
            Assert.That(updates[0].Kind, Is.EqualTo(TranscriptUpdateKind.Interim));
            Assert.That(updates.Count(u => u.Kind == TranscriptUpdateKind.Interim), Is.GreaterThan(1), "partials grow while the caller speaks");
            Assert.That(updates.Where(u => u.Kind == TranscriptUpdateKind.Interim).Select(u => u.Text), Is.Unique, "an interim is sent only when it changed");
        });
    }

    [Test]
    public async Task FinalizeStartsANewUtterance(CancellationToken cancellationToken)
    {
        var recogniser = new PocketSphinxOptions().AsPocketSphinxSpeechToText();
        var format = AudioFormat.Pcm16(8_000);
        var first = await PocketSphinxTestAudio.SynthesizeAsync("where is my parcel", format, cancellationToken);
        var second = await PocketSphinxTestAudio.SynthesizeAsync("thank you goodbye", format, cancellationToken);
        await using var stream = await recogniser.StartAsync(format, cancellationToken);

        await PocketSphinxTestAudio.SendInFramesAsync(stream, format, first, cancellationToken);
        await stream.FinalizeAsync(cancellationToken);
        await PocketSphinxTestAudio.SendInFramesAsync(stream, format, second, cancellationToken);
        await stream.FinalizeAsync(cancellationToken);

        var finals = new List<string>();
        await foreach (var update in stream.ReadUpdatesAsync(cancellationToken))
        {
            if (update.Kind == TranscriptUpdateKind.Final)
            {
                finals.Add(update.Text);
                if (finals.Count == 2)
                {
                    break;
                }
            }
        }

        Assert.Multiple(() =>
        {
            Assert.That(finals[0], Does.StartWith("where is my"));
            Assert.That(finals[1], Does.Not.Contain("where"), "the second final holds only the second utterance");
            Assert.That(finals[1], Does.Contain("you"));
        });
    }

    [Test]
    public async Task SendsSplitMidSampleDecodeLikeWholeFrames(CancellationToken cancellationToken)
    {
        var recogniser = new PocketSphinxOptions().AsPocketSphinxSpeechToText();
        var format = AudioFormat.Pcm16(8_000);
        var audio = await PocketSphinxTestAudio.SynthesizeAsync("my order number is four two seven", format, cancellationToken);

        await using var whole = await recogniser.StartAsync(format, cancellationToken);
        await PocketSphinxTestAudio.SendInFramesAsync(whole, format, audio, cancellationToken);
        await whole.FinalizeAsync(cancellationToken);
        await using var split = await recogniser.StartAsync(format, cancellationToken);
        for (var offset = 0; offset < audio.Length; offset += 161)
        {
            await split.SendAudioAsync(audio.AsMemory(offset, Math.Min(161, audio.Length - offset)), cancellationToken);
        }

        await split.SendAudioAsync(PocketSphinxTestAudio.Silence(format, 300), cancellationToken);
        await split.FinalizeAsync(cancellationToken);

        var expected = (await PocketSphinxTestAudio.FirstFinalAsync(whole, cancellationToken)).Text;
        Assert.That((await PocketSphinxTestAudio.FirstFinalAsync(split, cancellationToken)).Text, Is.EqualTo(expected).And.Not.Empty);
    }

    [Test]
    public async Task DisposeEndsTheStream(CancellationToken cancellationToken)
    {
        var recogniser = new PocketSphinxOptions().AsPocketSphinxSpeechToText();
        var stream = await recogniser.StartAsync(AudioFormat.Telephony, cancellationToken);
        await stream.SendAudioAsync(PocketSphinxTestAudio.Silence(AudioFormat.Telephony, 200), cancellationToken);

        await stream.DisposeAsync();
        await stream.DisposeAsync();

        var updates = new List<TranscriptUpdate>();
        await foreach (var update in stream.ReadUpdatesAsync(cancellationToken))
        {
            updates.Add(update);
        }

        Assert.Multiple(() =>
        {
            Assert.That(updates.Where(u => u.Kind == TranscriptUpdateKind.Final), Is.Empty);
            Assert.That(async () => await stream.SendAudioAsync(new byte[160], cancellationToken), Throws.InstanceOf<ObjectDisposedException>());
            Assert.That(async () => await stream.FinalizeAsync(cancellationToken), Throws.InstanceOf<ObjectDisposedException>());
        });
    }

    [Test]
    public void AMissingModelPathIsAClearError()
    {
        var options = new PocketSphinxOptions { LanguageModelPath = "/nonexistent/en-us.lm.bin" };

        Assert.That(
            () => options.AsPocketSphinxSpeechToText(),
            Throws.InvalidOperationException
                .With.Message.Contains("LanguageModelPath")
                .And.Message.Contains("/nonexistent/en-us.lm.bin")
                .And.Message.Contains("pocketsphinx-en-us"));
    }

    [Test]
    public void KeepsPhoneAudioAndAsksForPcmOtherwise()
    {
        var recogniser = new PocketSphinxOptions().AsPocketSphinxSpeechToText();

        Assert.Multiple(() =>
        {
            Assert.That(recogniser.SelectInputFormat(AudioFormat.Telephony), Is.EqualTo(AudioFormat.Telephony));
            Assert.That(recogniser.SelectInputFormat(AudioFormat.TelephonyALaw), Is.EqualTo(AudioFormat.TelephonyALaw));
            Assert.That(recogniser.SelectInputFormat(AudioFormat.Pcm16(8_000)), Is.EqualTo(AudioFormat.Pcm16(8_000)));
            Assert.That(recogniser.SelectInputFormat(AudioFormat.Pcm16Khz), Is.EqualTo(AudioFormat.Pcm16Khz));
            Assert.That(recogniser.SelectInputFormat(AudioFormat.Pcm48Khz), Is.EqualTo(AudioFormat.Pcm16Khz));
        });
    }

    /// <summary>Sends the audio in 20 ms frames followed by 300 ms of silence; returns the time spent in SendAudioAsync.</summary>
}
