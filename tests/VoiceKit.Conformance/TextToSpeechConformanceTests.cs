using System.Runtime.CompilerServices;
using System.Security.Authentication;
using VoiceKit.Audio;

namespace VoiceKit.Conformance;

/// <summary>
/// What every <see cref="ITextToSpeech"/> adapter must do, run against the adapter's local protocol stand-in: speak every
/// segment in order (and say which segment each piece of audio speaks), start speaking before the reply's text is
/// complete, stop at once on barge-in with nothing of the abandoned reply leaking into the next, fail a reply whose
/// connection drops with a typed error (and recover for the next), fail at start on bad credentials, turn a malformed
/// server message into a typed error instead of a hang, and leave nothing running after dispose.
/// </summary>
/// <remarks>The stand-in must synthesise with <see cref="ScriptedVoice"/> in the format the adapter asked for.</remarks>
public abstract class TextToSpeechConformanceTests
{
    /// <summary>How long any single expectation may take before the test fails instead of hanging.</summary>
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>A marker contained in the bad key the adapters are configured with; errors must not repeat it.</summary>
    protected const string BadKeyMarker = "not-a-valid-key";

    private static readonly string[] s_reply = ["Sure, let me check that. ", "Your parcel left the depot this morning, ", "and it should reach you by six tonight."];

    /// <summary>The call's audio format; 8 kHz mu-law (a phone call) unless overridden.</summary>
    protected virtual AudioFormat CallFormat => AudioFormat.Telephony;

    /// <summary>Whether <see cref="SpeechAudio.Segment"/> is reported (not -1).</summary>
    protected virtual bool ReportsSegments => true;

    /// <summary>Connections (or requests) the stand-in holds open right now.</summary>
    protected abstract int OpenServerConnections { get; }

    /// <summary>Starts the adapter's stand-in on 127.0.0.1.</summary>
    /// <returns>A task that completes when the stand-in accepts connections.</returns>
    protected abstract ValueTask StartServerAsync();

    /// <summary>Stops the stand-in.</summary>
    /// <returns>A task that completes when it has stopped.</returns>
    protected abstract ValueTask StopServerAsync();

    /// <summary>Creates the adapter, pointed at the stand-in.</summary>
    /// <param name="validCredentials">False to configure a key the stand-in rejects as the vendor does; it contains <see cref="BadKeyMarker"/>.</param>
    /// <returns>The adapter.</returns>
    protected abstract ITextToSpeech CreateSynthesizer(bool validCredentials = true);

    /// <summary>Makes the stand-in drop the next reply's connection (or response) the way the vendor does, after sending <paramref name="audioBytes"/> bytes of audio.</summary>
    /// <param name="audioBytes">Audio to send first.</param>
    protected abstract void DropConnectionAfter(int audioBytes);

    /// <summary>Makes the stand-in send one malformed message in the next reply, in place of audio.</summary>
    protected abstract void SendMalformedMessageNext();

    /// <summary>A slow first byte: makes the stand-in hold back the first audio of the next reply (or request) by <paramref name="delay"/>; zero turns it off.</summary>
    /// <param name="delay">How long.</param>
    protected abstract void DelayFirstAudio(TimeSpan delay);

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
            Assert.That(Words(ScriptedVoice.Read(all, format)), Is.EqualTo(Words(string.Concat(s_reply))), "the audio speaks the reply, in order");
            if (ReportsSegments)
            {
                Assert.That(chunks.Select(c => c.Segment), Is.Ordered, "segments never go backwards");
                for (var s = 0; s < s_reply.Length; s++)
                {
                    var audio = Concat(chunks.Where(c => c.Segment == s).Select(c => c.Audio));
                    Assert.That(Words(ScriptedVoice.Read(audio, format)), Is.EqualTo(Words(s_reply[s])), $"segment {s}'s audio speaks segment {s}");
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
            await second.SendTextAsync("Go ahead.");
            await second.FlushAsync();
            var audio = Concat((await secondReading.WaitAsync(Patience)).Select(c => c.Audio));
            Assert.That(Words(ScriptedVoice.Read(audio, format)), Is.EqualTo(Words("Of course. Go ahead.")), "nothing of the abandoned reply is heard in the next");
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
            Assert.That(Words(ScriptedVoice.Read(audio, format)), Is.EqualTo(Words("One moment please. Let me look that up.")));
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
            Assert.That(Words(ScriptedVoice.Read(audio, format)), Is.EqualTo(Words("Go ahead.")), "the next reply is clean and prompt");
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
            Assert.That(Words(ScriptedVoice.Read(audio, format)), Is.EqualTo(Words("Sorry, as I was saying.")), "the next reply works on a new connection");
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

        await Eventually.HoldsAsync(() => OpenServerConnections == 0, Patience, "the stand-in sees every connection closed");
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
