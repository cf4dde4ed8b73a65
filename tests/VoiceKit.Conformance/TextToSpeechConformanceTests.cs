using System.Runtime.CompilerServices;
using System.Security.Authentication;
using VoiceKit.Audio;

namespace VoiceKit.Conformance;

/// <summary>
/// What every <see cref="ITextToSpeech"/> adapter must do, run against the adapter's local protocol stand-in (or, for an
/// in-process engine, against the engine itself): speak every segment in order (and say which segment each piece of
/// audio speaks), start speaking before the reply's text is complete, stop at once on barge-in with nothing of the
/// abandoned reply leaking into the next, fail a reply whose connection drops with a typed error (and recover for the
/// next), fail at start on bad credentials, turn a malformed server message into a typed error instead of a hang, and
/// leave nothing running after dispose.
/// </summary>
/// <remarks>
/// <para>
/// By default the stand-in must synthesise with <see cref="ScriptedVoice"/> in the format the adapter asked for, and
/// <see cref="AssertSpeaksAsync"/> reads the audio back into exactly the text sent.
/// </para>
/// <para>
/// An engine with a real voice overrides <see cref="AssertSpeaksAsync"/> with checks its audio can fail (audible, as long
/// as its text takes to say, recognised back where a recogniser hears the voice well). What has no meaning for an engine
/// that runs in process is switched off by <see cref="HasConnection"/>, <see cref="HasCredentials"/> and
/// <see cref="HasServerMessages"/>: those tests are ignored with the reason, never passed vacuously, and the stand-in
/// members they need are not called.
/// </para>
/// </remarks>
public abstract class TextToSpeechConformanceTests
{
    /// <summary>How long any single expectation may take before the test fails instead of hanging.</summary>
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>A marker contained in the bad key the adapters are configured with; errors must not repeat it.</summary>
    protected const string BadKeyMarker = "not-a-valid-key";

    private static readonly string[] s_reply = ["Sure, let me check that. ", "Your parcel left the depot this morning, ", "and it should reach you by six tonight."];

    /// <summary>
    /// Every text the suite sends, so an override of <see cref="AssertSpeaksAsync"/> can recognise audio within the
    /// suite's vocabulary (a clause read back as another clause's words still fails).
    /// </summary>
    protected static IReadOnlyList<string> SpokenTexts { get; } =
    [
        .. s_reply, "Of course. ", "Let me look that up.", "One moment please. ", "This answer is slow to start. ", "Go ahead.",
        "Sorry, as I was saying.", "Thank you for calling. ", "Goodbye.",
    ];

    /// <summary>The call's audio format; 8 kHz mu-law (a phone call) unless overridden.</summary>
    protected virtual AudioFormat CallFormat => AudioFormat.Telephony;

    /// <summary>Whether <see cref="SpeechAudio.Segment"/> is reported (not -1).</summary>
    protected virtual bool ReportsSegments => true;

    /// <summary>
    /// Whether the adapter talks to a server over a connection the stand-in can drop, slow down and count. True unless
    /// overridden; when false the dropped-connection and slow-first-byte tests are ignored and
    /// <see cref="OpenServerConnections"/>, <see cref="DropConnectionAfter"/> and <see cref="DelayFirstAudio"/> are never called.
    /// </summary>
    protected virtual bool HasConnection => true;

    /// <summary>Whether the adapter is configured with credentials a server can reject. True unless overridden; when false the bad-credentials test is ignored.</summary>
    protected virtual bool HasCredentials => true;

    /// <summary>Whether audio arrives in server messages that can be malformed. True unless overridden; when false that test is ignored and <see cref="SendMalformedMessageNext"/> is never called.</summary>
    protected virtual bool HasServerMessages => true;

    /// <summary>Connections (or requests) the stand-in holds open right now. Only called when <see cref="HasConnection"/>.</summary>
    protected virtual int OpenServerConnections =>
        throw new NotSupportedException($"{GetType().Name} has a connection ({nameof(HasConnection)}) but does not override {nameof(OpenServerConnections)}.");

    /// <summary>Starts the adapter's stand-in on 127.0.0.1. Nothing to start by default (an in-process engine); an override may call <see cref="Assert.Ignore(string)"/> when the engine is not installed.</summary>
    /// <returns>A task that completes when the stand-in accepts connections.</returns>
    protected virtual ValueTask StartServerAsync() => ValueTask.CompletedTask;

    /// <summary>Stops the stand-in; nothing to stop by default.</summary>
    /// <returns>A task that completes when it has stopped.</returns>
    protected virtual ValueTask StopServerAsync() => ValueTask.CompletedTask;

    /// <summary>Creates the adapter, pointed at the stand-in.</summary>
    /// <param name="validCredentials">False to configure a key the stand-in rejects as the vendor does; it contains <see cref="BadKeyMarker"/>. Only false when <see cref="HasCredentials"/>.</param>
    /// <returns>The adapter.</returns>
    protected abstract ITextToSpeech CreateSynthesizer(bool validCredentials = true);

    /// <summary>Makes the stand-in drop the next reply's connection (or response) the way the vendor does, after sending <paramref name="audioBytes"/> bytes of audio. Only called when <see cref="HasConnection"/>.</summary>
    /// <param name="audioBytes">Audio to send first.</param>
    protected virtual void DropConnectionAfter(int audioBytes) =>
        throw new NotSupportedException($"{GetType().Name} has a connection ({nameof(HasConnection)}) but does not override {nameof(DropConnectionAfter)}.");

    /// <summary>Makes the stand-in send one malformed message in the next reply, in place of audio. Only called when <see cref="HasServerMessages"/>.</summary>
    protected virtual void SendMalformedMessageNext() =>
        throw new NotSupportedException($"{GetType().Name} has server messages ({nameof(HasServerMessages)}) but does not override {nameof(SendMalformedMessageNext)}.");

    /// <summary>A slow first byte: makes the stand-in hold back the first audio of the next reply (or request) by <paramref name="delay"/>; zero turns it off. Only called when <see cref="HasConnection"/>.</summary>
    /// <param name="delay">How long.</param>
    protected virtual void DelayFirstAudio(TimeSpan delay) =>
        throw new NotSupportedException($"{GetType().Name} has a connection ({nameof(HasConnection)}) but does not override {nameof(DelayFirstAudio)}.");

    /// <summary>
    /// Asserts that <paramref name="audio"/> speaks <paramref name="text"/> and nothing else. By default it is read back
    /// with <see cref="ScriptedVoice"/> and must be exactly the text's words; an engine with a real voice checks what its
    /// audio can be held to (and what lost, leaked or reordered audio would break).
    /// </summary>
    /// <param name="audio">All the audio received for the text, concatenated.</param>
    /// <param name="format">Its format (the one the stream was opened with).</param>
    /// <param name="text">The text sent.</param>
    /// <param name="because">What the check proves.</param>
    /// <returns>A task.</returns>
    protected virtual ValueTask AssertSpeaksAsync(byte[] audio, AudioFormat format, string text, string because)
    {
        Assert.That(Words(ScriptedVoice.Read(audio, format)), Is.EqualTo(Words(text)), because);
        return ValueTask.CompletedTask;
    }

    /// <summary>Starts the stand-in.</summary>
    /// <returns>A task.</returns>
    [SetUp]
    public async Task StartConformanceServerAsync() => await StartServerAsync();

    /// <summary>Stops the stand-in.</summary>
    /// <returns>A task.</returns>
    [TearDown]
    public async Task StopConformanceServerAsync() => await StopServerAsync();

    [Test]
    [CancelAfter(30_000)]
    public async Task Speaks_every_segment_in_order()
    {
        var synthesizer = CreateSynthesizer();
        var format = synthesizer.SelectOutputFormat(CallFormat);
        try
        {
            await using var stream = await synthesizer.StartAsync(format);
            var reading = ReadAllAsync(stream);
            foreach (var segment in s_reply)
            {
                await stream.SendTextAsync(segment);
            }

            await stream.FlushAsync();
            var chunks = await reading.WaitAsync(Patience);

            var all = Concat(chunks.Select(c => c.Audio));
            await AssertSpeaksAsync(all, format, string.Concat(s_reply), "the audio speaks the reply, in order");
            if (ReportsSegments)
            {
                Assert.That(chunks.Select(c => c.Segment), Is.Ordered, "segments never go backwards");
                for (var s = 0; s < s_reply.Length; s++)
                {
                    var audio = Concat(chunks.Where(c => c.Segment == s).Select(c => c.Audio));
                    await AssertSpeaksAsync(audio, format, s_reply[s], $"segment {s}'s audio speaks segment {s}");
                }
            }
        }
        finally
        {
            await DisposeSynthesizerAsync(synthesizer);
        }
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task The_first_clause_is_spoken_before_the_reply_is_complete()
    {
        var synthesizer = CreateSynthesizer();
        try
        {
            await using var stream = await synthesizer.StartAsync(synthesizer.SelectOutputFormat(CallFormat));
            await stream.SendTextAsync(s_reply[0]);
            await using var audio = stream.ReadAudioAsync().GetAsyncEnumerator();
            Assert.That(await audio.MoveNextAsync().AsTask().WaitAsync(Patience), Is.True, "audio for the first clause arrives before the flush");
            Assert.That(audio.Current.Audio.Length, Is.GreaterThan(0));
            await stream.FlushAsync();
            while (await audio.MoveNextAsync().AsTask().WaitAsync(Patience))
            {
            }
        }
        finally
        {
            await DisposeSynthesizerAsync(synthesizer);
        }
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Barge_in_stops_at_once_and_the_next_reply_is_clean()
    {
        var synthesizer = CreateSynthesizer();
        var format = synthesizer.SelectOutputFormat(CallFormat);
        try
        {
            var first = await synthesizer.StartAsync(format);
            using var cancel = new CancellationTokenSource();
            var firstAudio = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var reading = Task.Run(async () =>
            {
                await foreach (var chunk in first.ReadAudioAsync(cancel.Token))
                {
                    firstAudio.TrySetResult();
                }
            });

            for (var i = 0; i < 6; i++)
            {
                await first.SendTextAsync($"This is a long answer, part {i}, that the caller will not wait for. ");
            }

            await firstAudio.Task.WaitAsync(Patience);
            var stopwatch = System.Diagnostics.Stopwatch.StartNew();
            await cancel.CancelAsync();
            Assert.That(async () => await reading.WaitAsync(TimeSpan.FromSeconds(1)), Throws.InstanceOf<OperationCanceledException>(), "reading stops at once");
            await first.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(2));
            Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(2)), "abandoning the reply does not wait for the provider");

            await using var second = await synthesizer.StartAsync(format);
            var secondReading = ReadAllAsync(second);
            await second.SendTextAsync("Of course. ");
            await second.SendTextAsync("Let me look that up.");
            await second.FlushAsync();
            var audio = Concat((await secondReading.WaitAsync(Patience)).Select(c => c.Audio));
            await AssertSpeaksAsync(audio, format, "Of course. Let me look that up.", "nothing of the abandoned reply is heard in the next");
        }
        finally
        {
            await DisposeSynthesizerAsync(synthesizer);
        }
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task A_slow_first_byte_is_waited_for_not_mistaken_for_a_failure()
    {
        RequireConnection("no server to hold back the first byte");
        var synthesizer = CreateSynthesizer();
        var format = synthesizer.SelectOutputFormat(CallFormat);
        try
        {
            DelayFirstAudio(TimeSpan.FromSeconds(1.5));
            await using var stream = await synthesizer.StartAsync(format);
            var stopwatch = System.Diagnostics.Stopwatch.StartNew();
            var reading = ReadAllAsync(stream);
            await stream.SendTextAsync("One moment please. ");
            await stream.SendTextAsync("Let me look that up.");
            await stream.FlushAsync();
            var audio = Concat((await reading.WaitAsync(Patience)).Select(c => c.Audio));
            Assert.That(stopwatch.Elapsed, Is.GreaterThan(TimeSpan.FromSeconds(1.3)), "the stand-in did hold the first byte back");
            await AssertSpeaksAsync(audio, format, "One moment please. Let me look that up.", "the reply after the slow first byte, whole");
        }
        finally
        {
            await DisposeSynthesizerAsync(synthesizer);
        }
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Barge_in_before_the_first_byte_returns_at_once()
    {
        RequireConnection("no server to hold back the first byte");
        var synthesizer = CreateSynthesizer();
        var format = synthesizer.SelectOutputFormat(CallFormat);
        try
        {
            DelayFirstAudio(TimeSpan.FromSeconds(5));
            var first = await synthesizer.StartAsync(format);
            using var cancel = new CancellationTokenSource();
            var reading = Task.Run(async () =>
            {
                await foreach (var chunk in first.ReadAudioAsync(cancel.Token))
                {
                    Assert.Fail("no audio was due yet");
                }
            });
            await first.SendTextAsync("This answer is slow to start. ");
            await Task.Delay(300);

            var stopwatch = System.Diagnostics.Stopwatch.StartNew();
            await cancel.CancelAsync();
            Assert.That(async () => await reading.WaitAsync(TimeSpan.FromSeconds(1)), Throws.InstanceOf<OperationCanceledException>(), "reading stops at once");
            await first.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(2));
            Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(1.5)), "abandoning the reply does not wait for the slow provider");

            DelayFirstAudio(TimeSpan.Zero);
            await using var second = await synthesizer.StartAsync(format);
            var secondReading = ReadAllAsync(second);
            await second.SendTextAsync("Go ahead.");
            await second.FlushAsync();
            var audio = Concat((await secondReading.WaitAsync(Patience)).Select(c => c.Audio));
            await AssertSpeaksAsync(audio, format, "Go ahead.", "the next reply is clean and prompt");
        }
        finally
        {
            await DisposeSynthesizerAsync(synthesizer);
        }
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task A_dropped_connection_fails_the_reply_with_a_provider_error_and_the_next_reply_works()
    {
        RequireConnection("nothing to drop");
        var synthesizer = CreateSynthesizer();
        var format = synthesizer.SelectOutputFormat(CallFormat);
        try
        {
            DropConnectionAfter(ScriptedVoice.LengthOf("Sure, let", format));
            await using (var stream = await synthesizer.StartAsync(format))
            {
                var reading = ReadAllAsync(stream);
                foreach (var segment in s_reply)
                {
                    await SendIgnoringProviderErrorsAsync(() => stream.SendTextAsync(segment));
                }

                await SendIgnoringProviderErrorsAsync(() => stream.FlushAsync());
                var thrown = Assert.ThrowsAsync<VoiceProviderException>(async () => await reading.WaitAsync(Patience), "a cut-off reply fails; it does not end as if complete");
                Assert.That(thrown!.IsTransient, Is.True, "a dropped connection is transient");
            }

            await using var next = await synthesizer.StartAsync(format);
            var nextReading = ReadAllAsync(next);
            await next.SendTextAsync("Sorry, as I was saying.");
            await next.FlushAsync();
            var audio = Concat((await nextReading.WaitAsync(Patience)).Select(c => c.Audio));
            await AssertSpeaksAsync(audio, format, "Sorry, as I was saying.", "the next reply works on a new connection");
        }
        finally
        {
            await DisposeSynthesizerAsync(synthesizer);
        }
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Bad_credentials_fail_at_start_with_an_AuthenticationException()
    {
        if (!HasCredentials)
        {
            Assert.Ignore($"no credentials: {GetType().Name} needs none (an in-process engine)");
        }

        var synthesizer = CreateSynthesizer(validCredentials: false);
        try
        {
            var thrown = Assert.ThrowsAsync<AuthenticationException>(async () => await (await synthesizer.StartAsync(synthesizer.SelectOutputFormat(CallFormat))).DisposeAsync());
            Assert.That(thrown!.Message, Does.Not.Contain(BadKeyMarker), "the key is never echoed in errors");
        }
        finally
        {
            await DisposeSynthesizerAsync(synthesizer);
        }
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task A_malformed_server_message_becomes_a_provider_error_not_a_hang()
    {
        if (!HasServerMessages)
        {
            Assert.Ignore($"no server messages: {GetType().Name} synthesises in process");
        }

        var synthesizer = CreateSynthesizer();
        try
        {
            SendMalformedMessageNext();
            await using var stream = await synthesizer.StartAsync(synthesizer.SelectOutputFormat(CallFormat));
            var reading = ReadAllAsync(stream);
            foreach (var segment in s_reply)
            {
                await SendIgnoringProviderErrorsAsync(() => stream.SendTextAsync(segment));
            }

            await SendIgnoringProviderErrorsAsync(() => stream.FlushAsync());
            Assert.ThrowsAsync<VoiceProviderException>(async () => await reading.WaitAsync(Patience));
        }
        finally
        {
            await DisposeSynthesizerAsync(synthesizer);
        }
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Dispose_closes_the_connection_and_leaves_nothing_running()
    {
        var synthesizer = CreateSynthesizer();
        var weak = await UseAndDisposeAsync(synthesizer, CallFormat);
        await DisposeSynthesizerAsync(synthesizer);

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
        var synthesizer = CreateSynthesizer();
        try
        {
            var stream = await synthesizer.StartAsync(synthesizer.SelectOutputFormat(CallFormat));
            await stream.DisposeAsync();
            await stream.DisposeAsync(); // idempotent
            Assert.That(async () => await stream.SendTextAsync("Hello."), Throws.InstanceOf<ObjectDisposedException>());
        }
        finally
        {
            await DisposeSynthesizerAsync(synthesizer);
        }
    }

    /// <summary>Disposes the synthesizer if it holds resources (warm connections).</summary>
    /// <param name="synthesizer">The synthesizer.</param>
    /// <returns>A task.</returns>
    protected static async ValueTask DisposeSynthesizerAsync(ITextToSpeech synthesizer)
    {
        switch (synthesizer)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync();
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }

    /// <summary>Reads a stream to its end, copying each chunk (chunks are only valid until the next is read).</summary>
    /// <param name="stream">The stream.</param>
    /// <returns>The chunks.</returns>
    protected static Task<List<(byte[] Audio, int Segment)>> ReadAllAsync(ITextToSpeechStream stream) => Task.Run(async () =>
    {
        var chunks = new List<(byte[], int)>();
        await foreach (var chunk in stream.ReadAudioAsync())
        {
            chunks.Add((chunk.Audio.ToArray(), chunk.Segment));
        }

        return chunks;
    });

    /// <summary>The words of a text, normalised for comparison.</summary>
    /// <param name="text">Text.</param>
    /// <returns>Normalised words.</returns>
    protected static string Words(string text) => ScriptedSpeech.Normalize(text);

    private static byte[] Concat(IEnumerable<byte[]> pieces) => [.. pieces.SelectMany(p => p)];

    private void RequireConnection(string what)
    {
        if (!HasConnection)
        {
            Assert.Ignore($"no connection: {GetType().Name} runs in process, {what}");
        }
    }

    /// <summary>A send may fail once the provider has dropped; what matters is how the reading side ends.</summary>
    private static async Task SendIgnoringProviderErrorsAsync(Func<ValueTask> send)
    {
        try
        {
            await send();
        }
        catch (VoiceProviderException)
        {
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference> UseAndDisposeAsync(ITextToSpeech synthesizer, AudioFormat callFormat)
    {
        var stream = await synthesizer.StartAsync(synthesizer.SelectOutputFormat(callFormat));
        var reading = ReadAllAsync(stream);
        await stream.SendTextAsync("Thank you for calling. ");
        await stream.SendTextAsync("Goodbye.");
        await stream.FlushAsync();
        await reading.WaitAsync(Patience);
        await stream.DisposeAsync();
        return new WeakReference(stream);
    }
}
