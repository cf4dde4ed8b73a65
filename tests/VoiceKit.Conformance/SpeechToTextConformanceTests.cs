using System.Runtime.CompilerServices;
using System.Security.Authentication;
using VoiceKit.Audio;
using VoiceKit.Testing;

namespace VoiceKit.Conformance;

/// <summary>
/// What every <see cref="ISpeechToText"/> adapter must do, run against the adapter's local protocol stand-in (or, for an
/// in-process engine, against the engine itself): stream interims then the final in order, stop reading promptly on
/// cancellation, survive a dropped connection without losing words, fail at start on bad credentials, turn a malformed
/// server message into an error update instead of a hang, and leave nothing running after dispose. An adapter's test
/// project inherits it and supplies the stand-in.
/// </summary>
/// <remarks>
/// <para>
/// By default the caller's audio is scripted (<see cref="ScriptedSpeech"/>) and the stand-in must transcribe with the
/// <see cref="ScriptedRecognizer"/> passed to <see cref="StartServerAsync"/>: the words heard in the audio received since
/// its last final, an interim as each word completes, and a final when asked to finalise (or at its own endpoint). Finals
/// must then be exactly the words spoken.
/// </para>
/// <para>
/// An engine with real acoustics overrides <see cref="SpeakPhraseAsync"/> (real speech) and <see cref="MaxWordErrorRate"/>
/// (finals within that word error rate and holding each phrase's key words in order). What has no meaning for an engine
/// that runs in process is switched off by <see cref="HasConnection"/>, <see cref="HasCredentials"/> and
/// <see cref="HasServerMessages"/>: those tests are ignored with the reason, never passed vacuously, and the stand-in
/// members they need are not called.
/// </para>
/// </remarks>
public abstract class SpeechToTextConformanceTests
{
    /// <summary>How long any single expectation may take before the test fails instead of hanging.</summary>
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>A marker contained in the bad key the adapters are configured with; errors must not repeat it.</summary>
    protected const string BadKeyMarker = "not-a-valid-key";

    private ScriptedRecognizer _recognizer = new();
    private int _seed;

    /// <summary>The call's audio format; 8 kHz mu-law (a phone call) unless overridden.</summary>
    protected virtual AudioFormat CallFormat => AudioFormat.Telephony;

    /// <summary>Whether the adapter reports interim results while the caller speaks.</summary>
    protected virtual bool SendsInterims => true;

    /// <summary>
    /// Whether the adapter talks to a server over a connection the stand-in can drop and count. True unless overridden;
    /// when false the dropped-connection test is ignored and <see cref="OpenServerConnections"/> and
    /// <see cref="DropConnectionAfter"/> are never called.
    /// </summary>
    protected virtual bool HasConnection => true;

    /// <summary>Whether the adapter is configured with credentials a server can reject. True unless overridden; when false the bad-credentials test is ignored.</summary>
    protected virtual bool HasCredentials => true;

    /// <summary>Whether results arrive as server messages that can be malformed. True unless overridden; when false that test is ignored and <see cref="SendMalformedMessageNext"/> is never called.</summary>
    protected virtual bool HasServerMessages => true;

    /// <summary>
    /// The word error rate a final may have against the words spoken. 0 (the default) demands exactly those words, as the
    /// scripted stand-ins hear them; an engine with real acoustics sets the bound it meets, and its finals must then also
    /// hold each phrase's key words in order (see <see cref="AssertHeard"/>).
    /// </summary>
    protected virtual double MaxWordErrorRate => 0;

    /// <summary>Connections (or requests) the stand-in holds open right now. Only called when <see cref="HasConnection"/>.</summary>
    protected virtual int OpenServerConnections =>
        throw new NotSupportedException($"{GetType().Name} has a connection ({nameof(HasConnection)}) but does not override {nameof(OpenServerConnections)}.");

    /// <summary>Starts the adapter's stand-in on 127.0.0.1, transcribing with <paramref name="recognizer"/>. Nothing to start by default (an in-process engine); an override may call <see cref="Assert.Ignore(string)"/> when the engine is not installed.</summary>
    /// <param name="recognizer">The acoustic model the stand-in must use.</param>
    /// <returns>A task that completes when the stand-in accepts connections.</returns>
    protected virtual ValueTask StartServerAsync(ScriptedRecognizer recognizer) => ValueTask.CompletedTask;

    /// <summary>Stops the stand-in; nothing to stop by default.</summary>
    /// <returns>A task that completes when it has stopped.</returns>
    protected virtual ValueTask StopServerAsync() => ValueTask.CompletedTask;

    /// <summary>Creates the adapter, pointed at the stand-in.</summary>
    /// <param name="validCredentials">False to configure a key the stand-in rejects as the vendor does (only when <see cref="HasCredentials"/>).</param>
    /// <returns>The adapter.</returns>
    protected abstract ISpeechToText CreateRecognizer(bool validCredentials = true);

    /// <summary>Makes the stand-in drop the next connection (or fail the next request mid-response) the way the vendor does, once it has received <paramref name="audioBytes"/> bytes of audio. Only called when <see cref="HasConnection"/>.</summary>
    /// <param name="audioBytes">Audio to take in first.</param>
    protected virtual void DropConnectionAfter(int audioBytes) =>
        throw new NotSupportedException($"{GetType().Name} has a connection ({nameof(HasConnection)}) but does not override {nameof(DropConnectionAfter)}.");

    /// <summary>Makes the stand-in send one malformed message (invalid JSON where the protocol has JSON) in place of its next result. Only called when <see cref="HasServerMessages"/>.</summary>
    protected virtual void SendMalformedMessageNext() =>
        throw new NotSupportedException($"{GetType().Name} has server messages ({nameof(HasServerMessages)}) but does not override {nameof(SendMalformedMessageNext)}.");

    /// <summary>
    /// The audio of <paramref name="text"/> as a caller says it, in <paramref name="format"/> (the call's format; the suite
    /// converts it to the stream's input format where the adapter asks for another, as a session does). By default
    /// scripted speech that the stand-in's <see cref="ScriptedRecognizer"/> learns here; an engine with real acoustics
    /// returns real speech.
    /// </summary>
    /// <param name="text">The words.</param>
    /// <param name="format">The call's format, <see cref="CallFormat"/>.</param>
    /// <param name="cancellationToken">Cancels the synthesis.</param>
    /// <returns>The audio.</returns>
    protected virtual Task<byte[]> SpeakPhraseAsync(string text, AudioFormat format, CancellationToken cancellationToken)
    {
        var phrase = Learn(text, ++_seed);
        return Task.FromResult(FromTelephony(phrase.Audio, format));
    }

    /// <summary>
    /// Judges a final transcript. With <see cref="MaxWordErrorRate"/> 0: exactly the words spoken. Otherwise within that
    /// word error rate, and holding <paramref name="keyWords"/> in order: words chosen from the start and the end of the
    /// phrase, so audio that was lost or reordered fails the check even when the rate alone would let it pass.
    /// </summary>
    /// <param name="transcript">The final's text.</param>
    /// <param name="spoken">What was said.</param>
    /// <param name="keyWords">Words a recogniser must not miss.</param>
    /// <param name="because">What the check proves.</param>
    protected virtual void AssertHeard(string transcript, string spoken, IReadOnlyList<string> keyWords, string because)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        ArgumentNullException.ThrowIfNull(keyWords);
        if (MaxWordErrorRate == 0)
        {
            Assert.That(ScriptedSpeech.Normalize(transcript), Is.EqualTo(ScriptedSpeech.Normalize(spoken)), because);
            return;
        }

        var rate = WordErrorRate.Compute(spoken, transcript);
        TestContext.Out.WriteLine($"'{spoken}' heard as '{transcript}': WER {rate:F2}");
        Assert.That(rate, Is.LessThanOrEqualTo(MaxWordErrorRate), $"{because}: '{transcript}' for '{spoken}'");
        Assert.That(KeyWords.ContainsInOrder(transcript, keyWords), Is.True, $"{because}: '{transcript}' holds {string.Join(", ", keyWords)} in order");
    }

    /// <summary>
    /// Judges the interims of one utterance. With <see cref="MaxWordErrorRate"/> 0: each restates the words spoken so far.
    /// Otherwise (a real recogniser revises its guesses) none has more words than were spoken, allowing the error rate,
    /// and the last, sent once all the speech was in, is within the error rate of the phrase.
    /// </summary>
    /// <param name="interims">The interims' texts, in order.</param>
    /// <param name="spoken">What was said.</param>
    protected virtual void AssertInterims(IReadOnlyList<string> interims, string spoken)
    {
        ArgumentNullException.ThrowIfNull(interims);
        if (MaxWordErrorRate == 0)
        {
            foreach (var interim in interims)
            {
                Assert.That(ScriptedSpeech.Normalize(spoken), Does.StartWith(ScriptedSpeech.Normalize(interim)), "each interim restates the open segment so far");
            }

            return;
        }

        var spokenWords = WordErrorRate.Words(spoken).Length;
        var mostWords = (int)Math.Floor(spokenWords * (1 + MaxWordErrorRate));
        Assert.That(interims.Select(i => WordErrorRate.Words(i).Length), Has.All.LessThanOrEqualTo(mostWords), "no interim hears more than was said");
        if (interims.Count > 0)
        {
            Assert.That(WordErrorRate.Compute(spoken, interims[^1]), Is.LessThanOrEqualTo(MaxWordErrorRate), $"the last interim ('{interims[^1]}') tracks the phrase");
        }
    }

    /// <summary>
    /// Called with a stream just disposed, while it is still referenced. Nothing by default: the stand-in's connection
    /// count proves the release. An in-process engine checks here that its native resources were freed (see
    /// <see cref="NativeHandles.AssertAllClosed"/>).
    /// </summary>
    /// <param name="stream">The disposed stream.</param>
    protected virtual void AssertReleased(ISpeechToTextStream stream)
    {
    }

    /// <summary>Starts the stand-in.</summary>
    /// <returns>A task.</returns>
    [SetUp]
    public async Task StartConformanceServerAsync()
    {
        _recognizer = new ScriptedRecognizer();
        _seed = 0;
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
        const string Spoken = "i have a question about my order";
        var recognizer = CreateRecognizer();
        var format = recognizer.SelectInputFormat(CallFormat);
        var audio = await SpeakPhraseAsync(Spoken, CallFormat, TestCancellation);
        await using var stream = await recognizer.StartAsync(format);
        var updates = CollectUntilFinal(stream);

        await SendAsync(stream, audio, format);
        await SendAsync(stream, Silence(CallFormat, 200), format);
        await stream.FinalizeAsync();

        var received = await updates.WaitAsync(Patience);
        AssertHeard(received[^1].Text, Spoken, ["have", "question", "order"], "the final transcript");
        var interims = received.Where(u => u.Kind == TranscriptUpdateKind.Interim).Select(u => u.Text).ToList();
        if (SendsInterims)
        {
            Assert.That(interims, Is.Not.Empty, "interim results while the caller speaks");
        }

        AssertInterims(interims, Spoken);
        Assert.That(received.Where(u => u.Kind == TranscriptUpdateKind.Final).Take(received.Count(u => u.Kind == TranscriptUpdateKind.Final) - 1).All(u => u.Text.Length == 0),
            Is.True, "no final before the last carries words");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Transcribes_one_utterance_after_another()
    {
        (string Text, string[] KeyWords)[] utterances =
        [
            ("i would like to cancel my order", ["like", "cancel", "order"]),
            ("can you tell me the opening hours", ["can", "tell", "opening", "hours"]),
        ];
        var recognizer = CreateRecognizer();
        var format = recognizer.SelectInputFormat(CallFormat);
        var audio = new List<byte[]>();
        foreach (var (text, _) in utterances)
        {
            audio.Add(await SpeakPhraseAsync(text, CallFormat, TestCancellation));
        }

        await using var stream = await recognizer.StartAsync(format);
        var finals = new List<string>();
        foreach (var spoken in audio)
        {
            var updates = CollectUntilFinal(stream);
            await SendAsync(stream, spoken, format);
            await SendAsync(stream, Silence(CallFormat, 200), format);
            await stream.FinalizeAsync();
            finals.Add((await updates.WaitAsync(Patience))[^1].Text);
        }

        for (var u = 0; u < utterances.Length; u++)
        {
            AssertHeard(finals[u], utterances[u].Text, utterances[u].KeyWords, $"final {u} holds utterance {u}");
            var other = utterances[1 - u];
            Assert.That(WordErrorRate.Words(finals[u]), Has.None.AnyOf(other.KeyWords.Except(WordErrorRate.Words(utterances[u].Text)).ToArray()),
                $"final {u} holds nothing of the other utterance, nothing carried over");
        }
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Cancelling_a_read_mid_stream_ends_it_promptly()
    {
        var audio = await SpeakPhraseAsync("please cancel my order", CallFormat, TestCancellation);
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

        await SendAsync(stream, audio.AsMemory(0, HalfOf(audio)), format);
        await cancel.CancelAsync();
        Assert.That(async () => await reading.WaitAsync(TimeSpan.FromSeconds(2)), Throws.InstanceOf<OperationCanceledException>(), "a cancelled read ends at once");

        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        Assert.That(async () => await stream.SendAudioAsync(Silence(format, 20), cancelled.Token), Throws.InstanceOf<OperationCanceledException>(), "a cancelled send throws");

        Assert.That(async () => await stream.DisposeAsync().AsTask().WaitAsync(Patience), Throws.Nothing, "dispose completes after a cancelled read");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task A_connection_dropped_mid_utterance_loses_no_words()
    {
        RequireConnection();
        const string Spoken = "my tracking number is nine one five three";
        var audio = await SpeakPhraseAsync(Spoken, CallFormat, TestCancellation);
        DropConnectionAfter(HalfOf(audio));
        var recognizer = CreateRecognizer();
        var format = recognizer.SelectInputFormat(CallFormat);
        await using var stream = await recognizer.StartAsync(format);
        var updates = CollectUntilFinal(stream);

        await SendAsync(stream, audio, format, paced: true);
        await SendAsync(stream, Silence(CallFormat, 200), format, paced: true);
        await stream.FinalizeAsync();

        var final = (await updates.WaitAsync(Patience))[^1];
        AssertHeard(final.Text, Spoken, ["tracking", "nine", "three"], "every word survives the dropped connection");
    }

    [Test]
    [CancelAfter(30_000)]
    public void Bad_credentials_fail_at_start_with_an_AuthenticationException()
    {
        if (!HasCredentials)
        {
            Assert.Ignore($"no credentials: {GetType().Name} needs none (an in-process engine)");
        }

        var recognizer = CreateRecognizer(validCredentials: false);
        var format = recognizer.SelectInputFormat(CallFormat);
        var thrown = Assert.ThrowsAsync<AuthenticationException>(async () => await (await recognizer.StartAsync(format)).DisposeAsync());
        Assert.That(thrown!.Message, Does.Not.Contain(BadKeyMarker), "the key is never echoed in errors");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task A_malformed_server_message_becomes_an_error_update_not_a_hang()
    {
        if (!HasServerMessages)
        {
            Assert.Ignore($"no server messages: {GetType().Name} gets its results in process");
        }

        var audio = await SpeakPhraseAsync("what time do you open", CallFormat, TestCancellation);
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

        await SendAsync(stream, audio, format);
        await SendAsync(stream, Silence(CallFormat, 200), format);
        await stream.FinalizeAsync();

        var update = await error.WaitAsync(Patience);
        Assert.That(update, Is.Not.Null, "an Error update, not the end of the stream");
        Assert.That(update!.Text, Is.Not.Empty, "the error says what went wrong");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Dispose_closes_the_connection_and_leaves_nothing_running()
    {
        var audio = await SpeakPhraseAsync("thank you goodbye", CallFormat, TestCancellation);
        var recognizer = CreateRecognizer();
        var weak = await UseAndDisposeAsync(recognizer, audio, recognizer.SelectInputFormat(CallFormat));

        if (HasConnection)
        {
            await Eventually.HoldsAsync(() => OpenServerConnections == 0, Patience, "the stand-in sees every connection closed");
        }

        await Eventually.AssertCollectedAsync(weak, "stream");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Sending_after_dispose_throws_ObjectDisposedException()
    {
        var recognizer = CreateRecognizer();
        var format = recognizer.SelectInputFormat(CallFormat);
        var stream = await recognizer.StartAsync(format);
        await stream.DisposeAsync();
        await stream.DisposeAsync(); // idempotent
        Assert.That(async () => await stream.SendAudioAsync(Silence(format, 20)), Throws.InstanceOf<ObjectDisposedException>());
    }

    [Test]
    public void Phone_audio_is_taken_at_its_own_sample_rate()
    {
        var format = CreateRecognizer().SelectInputFormat(CallFormat);
        Assert.That((format.SampleRate, format.Channels), Is.EqualTo((CallFormat.SampleRate, 1)), "no resampling of the caller's audio");
    }

    /// <summary>The running test's cancellation (from its [CancelAfter]).</summary>
    protected static CancellationToken TestCancellation => TestContext.CurrentContext.CancellationToken;

    /// <summary>Learns a phrase for the stand-in's recogniser (what the default <see cref="SpeakPhraseAsync"/> does).</summary>
    /// <param name="text">The words.</param>
    /// <param name="seed">Varies the audio.</param>
    /// <returns>The phrase.</returns>
    protected SpokenPhrase Learn(string text, int seed)
    {
        var phrase = ScriptedSpeech.Say(text, seed);
        _recognizer.Learn(phrase);
        return phrase;
    }

    /// <summary>Sends the call's audio in 20 ms frames, converted to the stream's format as a call's input loop would.</summary>
    /// <param name="stream">The stream.</param>
    /// <param name="audio">The audio, in <see cref="CallFormat"/>.</param>
    /// <param name="format">The stream's format.</param>
    /// <param name="paced">Wait 2 ms between frames, so a stand-in's drop lands mid-utterance rather than after it.</param>
    /// <returns>A task.</returns>
    protected async Task SendAsync(ISpeechToTextStream stream, ReadOnlyMemory<byte> audio, AudioFormat format, bool paced = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var converter = format == CallFormat ? null : new AudioConverter(CallFormat, format);
        var frame = CallFormat.BytesPer(20);
        for (var at = 0; at < audio.Length; at += frame)
        {
            var piece = audio.Slice(at, Math.Min(frame, audio.Length - at));
            if (converter is null)
            {
                await stream.SendAudioAsync(piece);
            }
            else
            {
                var converted = new byte[converter.GetMaxOutputLength(piece.Length)];
                var written = converter.Convert(piece.Span, converted);
                await stream.SendAudioAsync(converted.AsMemory(0, written));
            }

            if (paced)
            {
                await Task.Delay(2);
            }
        }
    }

    /// <summary>Silence in <paramref name="format"/> (the code for zero in mu-law and A-law).</summary>
    /// <param name="format">The format.</param>
    /// <param name="milliseconds">How long.</param>
    /// <returns>The audio.</returns>
    protected static byte[] Silence(AudioFormat format, int milliseconds)
    {
        var silence = new byte[format.BytesPer(milliseconds)];
        if (format.Encoding == AudioEncoding.MuLaw)
        {
            silence.AsSpan().Fill(ScriptedSpeech.MuLawSilence);
        }
        else if (format.Encoding == AudioEncoding.ALaw)
        {
            silence.AsSpan().Fill(ALaw.EncodeSample(0));
        }

        return silence;
    }

    /// <summary>Scripted phone audio in the call's format (as is for a phone call).</summary>
    private static byte[] FromTelephony(byte[] muLaw, AudioFormat format)
    {
        if (format == AudioFormat.Telephony)
        {
            return muLaw;
        }

        var converter = new AudioConverter(AudioFormat.Telephony, format);
        var output = new byte[converter.GetMaxOutputLength(muLaw.Length)];
        return output[..converter.Convert(muLaw, output)];
    }

    /// <summary>The byte count of the first half of the call's audio, in whole samples.</summary>
    private int HalfOf(byte[] audio) => audio.Length / 2 / CallFormat.BlockAlign * CallFormat.BlockAlign;

    private void RequireConnection()
    {
        if (!HasConnection)
        {
            Assert.Ignore($"no connection: {GetType().Name} runs in process, there is nothing to drop");
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
    private async Task<WeakReference> UseAndDisposeAsync(ISpeechToText recognizer, byte[] audio, AudioFormat format)
    {
        var stream = await recognizer.StartAsync(format);
        var updates = CollectUntilFinal(stream);
        await SendAsync(stream, audio, format);
        await SendAsync(stream, Silence(CallFormat, 200), format);
        await stream.FinalizeAsync();
        await updates.WaitAsync(Patience);
        await stream.DisposeAsync();
        AssertReleased(stream);
        return new WeakReference(stream);
    }
}
