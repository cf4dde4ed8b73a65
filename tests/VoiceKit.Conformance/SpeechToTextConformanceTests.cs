using System.Runtime.CompilerServices;
using System.Security.Authentication;
using VoiceKit.Audio;

namespace VoiceKit.Conformance;

/// <summary>
/// What every <see cref="ISpeechToText"/> adapter must do, run against the adapter's local protocol stand-in: stream
/// interims then the final in order, stop reading promptly on cancellation, survive a dropped connection without losing
/// words, fail at start on bad credentials, turn a malformed server message into an error update instead of a hang, and
/// leave nothing running after dispose. An adapter's test project inherits it and supplies the stand-in.
/// </summary>
/// <remarks>
/// The stand-in must transcribe with the <see cref="ScriptedRecognizer"/> passed to <see cref="StartServerAsync"/>: the
/// words heard in the audio received since its last final, an interim as each word completes, and a final when asked to
/// finalise (or at its own endpoint).
/// </remarks>
public abstract class SpeechToTextConformanceTests
{
    /// <summary>How long any single expectation may take before the test fails instead of hanging.</summary>
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private ScriptedRecognizer _recognizer = new();

    /// <summary>The call's audio format; 8 kHz mu-law (a phone call) unless overridden.</summary>
    protected virtual AudioFormat CallFormat => AudioFormat.Telephony;

    /// <summary>Whether the adapter reports interim results while the caller speaks.</summary>
    protected virtual bool SendsInterims => true;

    /// <summary>Connections (or requests) the stand-in holds open right now.</summary>
    protected abstract int OpenServerConnections { get; }

    /// <summary>Starts the adapter's stand-in on 127.0.0.1, transcribing with <paramref name="recognizer"/>.</summary>
    /// <param name="recognizer">The acoustic model the stand-in must use.</param>
    /// <returns>A task that completes when the stand-in accepts connections.</returns>
    protected abstract ValueTask StartServerAsync(ScriptedRecognizer recognizer);

    /// <summary>Stops the stand-in.</summary>
    /// <returns>A task that completes when it has stopped.</returns>
    protected abstract ValueTask StopServerAsync();

    /// <summary>Creates the adapter, pointed at the stand-in.</summary>
    /// <param name="validCredentials">False to configure a key the stand-in rejects as the vendor does.</param>
    /// <returns>The adapter.</returns>
    protected abstract ISpeechToText CreateRecognizer(bool validCredentials = true);

    /// <summary>Makes the stand-in drop the next connection (or fail the next request mid-response) the way the vendor does, once it has received <paramref name="audioBytes"/> bytes of audio.</summary>
    /// <param name="audioBytes">Audio to take in first.</param>
    protected abstract void DropConnectionAfter(int audioBytes);

    /// <summary>Makes the stand-in send one malformed message (invalid JSON where the protocol has JSON) in place of its next result.</summary>
    protected abstract void SendMalformedMessageNext();

    /// <summary>Starts the stand-in.</summary>
    /// <returns>A task.</returns>
    [SetUp]
    public async Task StartConformanceServerAsync()
    {
        _recognizer = new ScriptedRecognizer();
        await StartServerAsync(_recognizer);
    }

    /// <summary>Stops the stand-in.</summary>
    /// <returns>A task.</returns>
    [TearDown]
    public async Task StopConformanceServerAsync() => await StopServerAsync();

    [Test]
    [CancelAfter(30_000)]
    public async Task Streams_interims_then_the_final_in_order()
    {
        var phrase = Learn("where is my parcel number four two seven", seed: 11);
        var recognizer = CreateRecognizer();
        await using var stream = await recognizer.StartAsync(recognizer.SelectInputFormat(CallFormat));
        var updates = CollectUntilFinal(stream);

        await SendAsync(stream, phrase.Audio, recognizer.SelectInputFormat(CallFormat));
        await SendAsync(stream, ScriptedSpeech.Silence(TimeSpan.FromMilliseconds(200)), recognizer.SelectInputFormat(CallFormat));
        await stream.FinalizeAsync();

        var received = await updates.WaitAsync(Patience);
        var final = received[^1];
        Assert.That(ScriptedSpeech.Normalize(final.Text), Is.EqualTo(phrase.Transcript), "the final transcript");
        var interims = received.Where(u => u.Kind == TranscriptUpdateKind.Interim).ToList();
        if (SendsInterims)
        {
            Assert.That(interims, Is.Not.Empty, "interim results while the caller speaks");
        }

        foreach (var interim in interims)
        {
            Assert.That(phrase.Transcript, Does.StartWith(ScriptedSpeech.Normalize(interim.Text)), "each interim restates the open segment so far");
        }

        Assert.That(received.Where(u => u.Kind == TranscriptUpdateKind.Final).Take(received.Count(u => u.Kind == TranscriptUpdateKind.Final) - 1).All(u => u.Text.Length == 0),
            Is.True, "no final before the last carries words");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Transcribes_one_utterance_after_another()
    {
        var first = Learn("i want to change my address", seed: 21);
        var second = Learn("yes that is right", seed: 22);
        var recognizer = CreateRecognizer();
        var format = recognizer.SelectInputFormat(CallFormat);
        await using var stream = await recognizer.StartAsync(format);

        var finals = new List<string>();
        foreach (var phrase in new[] { first, second })
        {
            var updates = CollectUntilFinal(stream);
            await SendAsync(stream, phrase.Audio, format);
            await SendAsync(stream, ScriptedSpeech.Silence(TimeSpan.FromMilliseconds(200)), format);
            await stream.FinalizeAsync();
            finals.Add(ScriptedSpeech.Normalize((await updates.WaitAsync(Patience))[^1].Text));
        }

        Assert.That(finals, Is.EqualTo(new[] { first.Transcript, second.Transcript }), "each final holds its own utterance, nothing carried over");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Cancelling_a_read_mid_stream_ends_it_promptly()
    {
        var phrase = Learn("please cancel my order", seed: 31);
        var recognizer = CreateRecognizer();
        var format = recognizer.SelectInputFormat(CallFormat);
        var stream = await recognizer.StartAsync(format);
        using var cancel = new CancellationTokenSource();
        var reading = Task.Run(async () =>
        {
            await foreach (var update in stream.ReadUpdatesAsync(cancel.Token))
            {
                _ = update;
            }
        });

        await SendAsync(stream, phrase.Audio.AsMemory(0, phrase.Audio.Length / 2), format);
        await cancel.CancelAsync();
        Assert.That(async () => await reading.WaitAsync(TimeSpan.FromSeconds(2)), Throws.InstanceOf<OperationCanceledException>(), "a cancelled read ends at once");

        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        Assert.That(async () => await stream.SendAudioAsync(phrase.Audio.AsMemory(0, 160), cancelled.Token), Throws.InstanceOf<OperationCanceledException>(), "a cancelled send throws");

        Assert.That(async () => await stream.DisposeAsync().AsTask().WaitAsync(Patience), Throws.Nothing, "dispose completes after a cancelled read");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task A_connection_dropped_mid_utterance_loses_no_words()
    {
        var phrase = Learn("my tracking number is nine one five three", seed: 41);
        DropConnectionAfter(phrase.Audio.Length / 2);
        var recognizer = CreateRecognizer();
        var format = recognizer.SelectInputFormat(CallFormat);
        await using var stream = await recognizer.StartAsync(format);
        var updates = CollectUntilFinal(stream);

        await SendAsync(stream, phrase.Audio, format, paced: true);
        await SendAsync(stream, ScriptedSpeech.Silence(TimeSpan.FromMilliseconds(200)), format, paced: true);
        await stream.FinalizeAsync();

        var final = (await updates.WaitAsync(Patience))[^1];
        Assert.That(ScriptedSpeech.Normalize(final.Text), Is.EqualTo(phrase.Transcript), "every word survives the dropped connection");
    }

    [Test]
    [CancelAfter(30_000)]
    public void Bad_credentials_fail_at_start_with_an_AuthenticationException()
    {
        var recognizer = CreateRecognizer(validCredentials: false);
        var format = recognizer.SelectInputFormat(CallFormat);
        var thrown = Assert.ThrowsAsync<AuthenticationException>(async () => await (await recognizer.StartAsync(format)).DisposeAsync());
        Assert.That(thrown!.Message, Does.Not.Contain(BadKeyMarker), "the key is never echoed in errors");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task A_malformed_server_message_becomes_an_error_update_not_a_hang()
    {
        var phrase = Learn("what time do you open", seed: 51);
        SendMalformedMessageNext();
        var recognizer = CreateRecognizer();
        var format = recognizer.SelectInputFormat(CallFormat);
        await using var stream = await recognizer.StartAsync(format);
        var error = Task.Run(async () =>
        {
            await foreach (var update in stream.ReadUpdatesAsync())
            {
                if (update.Kind == TranscriptUpdateKind.Error)
                {
                    return update;
                }
            }

            return null;
        });

        await SendAsync(stream, phrase.Audio, format);
        await SendAsync(stream, ScriptedSpeech.Silence(TimeSpan.FromMilliseconds(200)), format);
        await stream.FinalizeAsync();

        var update = await error.WaitAsync(Patience);
        Assert.That(update, Is.Not.Null, "an Error update, not the end of the stream");
        Assert.That(update!.Text, Is.Not.Empty, "the error says what went wrong");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Dispose_closes_the_connection_and_leaves_nothing_running()
    {
        var phrase = Learn("thank you goodbye", seed: 61);
        var recognizer = CreateRecognizer();
        var weak = await UseAndDisposeAsync(recognizer, phrase, CallFormat);

        await Eventually.HoldsAsync(() => OpenServerConnections == 0, Patience, "the stand-in sees every connection closed");
        await Eventually.AssertCollectedAsync(weak, "stream");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Sending_after_dispose_throws_ObjectDisposedException()
    {
        var recognizer = CreateRecognizer();
        var stream = await recognizer.StartAsync(recognizer.SelectInputFormat(CallFormat));
        await stream.DisposeAsync();
        await stream.DisposeAsync(); // idempotent
        Assert.That(async () => await stream.SendAudioAsync(new byte[160]), Throws.InstanceOf<ObjectDisposedException>());
    }

    [Test]
    public void Phone_audio_is_taken_at_its_own_sample_rate()
    {
        var format = CreateRecognizer().SelectInputFormat(CallFormat);
        Assert.That((format.SampleRate, format.Channels), Is.EqualTo((CallFormat.SampleRate, 1)), "no resampling of the caller's audio");
    }

    /// <summary>A marker contained in the bad key the adapters are configured with; errors must not repeat it.</summary>
    protected const string BadKeyMarker = "not-a-valid-key";

    /// <summary>Learns a phrase for the stand-in's recogniser.</summary>
    /// <param name="text">The words.</param>
    /// <param name="seed">Varies the audio.</param>
    /// <returns>The phrase.</returns>
    protected SpokenPhrase Learn(string text, int seed)
    {
        var phrase = ScriptedSpeech.Say(text, seed);
        _recognizer.Learn(phrase);
        return phrase;
    }

    /// <summary>Sends 8 kHz mu-law audio in 20 ms frames, converted to the stream's format.</summary>
    /// <param name="stream">The stream.</param>
    /// <param name="muLaw">The audio.</param>
    /// <param name="format">The stream's format.</param>
    /// <param name="paced">Wait 2 ms between frames, so a stand-in's drop lands mid-utterance rather than after it.</param>
    /// <returns>A task.</returns>
    protected static async Task SendAsync(ISpeechToTextStream stream, ReadOnlyMemory<byte> muLaw, AudioFormat format, bool paced = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var converter = format == AudioFormat.Telephony ? null : new AudioConverter(AudioFormat.Telephony, format);
        for (var at = 0; at < muLaw.Length; at += 160)
        {
            var frame = muLaw.Slice(at, Math.Min(160, muLaw.Length - at));
            if (converter is null)
            {
                await stream.SendAudioAsync(frame);
            }
            else
            {
                var converted = new byte[converter.GetMaxOutputLength(frame.Length)];
                var written = converter.Convert(frame.Span, converted);
                await stream.SendAudioAsync(converted.AsMemory(0, written));
            }

            if (paced)
            {
                await Task.Delay(2);
            }
        }
    }

    private static Task<List<TranscriptUpdate>> CollectUntilFinal(ISpeechToTextStream stream) => Task.Run(async () =>
    {
        var updates = new List<TranscriptUpdate>();
        await foreach (var update in stream.ReadUpdatesAsync())
        {
            updates.Add(update);
            if (update.Kind == TranscriptUpdateKind.Final && update.Text.Length > 0)
            {
                return updates;
            }
        }

        Assert.Fail("The update stream ended without a final transcript; got: " + string.Join(" | ", updates.Select(u => $"{u.Kind}:{u.Text}")));
        return updates;
    });

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference> UseAndDisposeAsync(ISpeechToText recognizer, SpokenPhrase phrase, AudioFormat callFormat)
    {
        var format = recognizer.SelectInputFormat(callFormat);
        var stream = await recognizer.StartAsync(format);
        var updates = CollectUntilFinal(stream);
        await SendAsync(stream, phrase.Audio, format);
        await SendAsync(stream, ScriptedSpeech.Silence(TimeSpan.FromMilliseconds(200)), format);
        await stream.FinalizeAsync();
        await updates.WaitAsync(Patience);
        await stream.DisposeAsync();
        return new WeakReference(stream);
    }
}
