using System.Diagnostics;
using System.Net;
using System.Security.Authentication;
using System.Text.Json.Nodes;
using VoiceKit.Audio;
using VoiceKit.Conformance;

namespace VoiceKit.OpenAI.Tests;

/// <summary>Speech: the exact request, PCM streamed as it arrives, pipelining in segment order, error mapping and prompt disposal.</summary>
[TestFixture]
[CancelAfter(10_000)]
public sealed class OpenAITextToSpeechTests
{
    private static readonly AudioFormat Speech = AudioFormat.Pcm24Khz;

    [Test]
    public async Task Each_segment_is_one_request_with_the_exact_JSON(CancellationToken cancellationToken)
    {
        await using var server = new OpenAIStandIn();
        var options = OpenAISpeechToTextTests.Options(server);
        options.Organization = "org-voicekit";
        await using (var stream = await options.AsOpenAITextToSpeech().StartAsync(Speech, cancellationToken))
        {
            var reading = ReadAllAsync(stream, cancellationToken);
            await stream.SendTextAsync("Hello there. ", cancellationToken);
            await stream.SendTextAsync("How can I help?", cancellationToken);
            await stream.FlushAsync(cancellationToken);
            await reading;
        }

        var requests = server.RequestsTo("/audio/speech").ToList();
        Assert.That(requests.Select(r => r.Text), Is.EquivalentTo(new[]
        {
            """{"model":"gpt-4o-mini-tts","input":"Hello there. ","voice":"alloy","response_format":"pcm"}""",
            """{"model":"gpt-4o-mini-tts","input":"How can I help?","voice":"alloy","response_format":"pcm"}""",
        }));
        Assert.That(requests.Select(r => (r.Method, r.Header("Authorization"), r.Header("Content-Type"), r.Header("OpenAI-Organization"))).Distinct(),
            Is.EqualTo(new[] { ("POST", (string?)("Bearer " + OpenAIStandIn.Key), (string?)"application/json", (string?)"org-voicekit") }));
    }

    [Test]
    public async Task Instructions_and_speed_are_sent_when_set(CancellationToken cancellationToken)
    {
        await using var server = new OpenAIStandIn();
        var options = OpenAISpeechToTextTests.Options(server);
        options.SpeechModel = "gpt-4o-mini-tts";
        options.Voice = "coral";
        options.SpeechInstructions = "Speak calmly and warmly.";
        options.SpeechSpeed = 1.25;
        await using (var stream = await options.AsOpenAITextToSpeech().StartAsync(Speech, cancellationToken))
        {
            var reading = ReadAllAsync(stream, cancellationToken);
            await stream.SendTextAsync("Hi.", cancellationToken);
            await stream.FlushAsync(cancellationToken);
            await reading;
        }

        Assert.That(server.RequestsTo("/audio/speech").Single().Text,
            Is.EqualTo("""{"model":"gpt-4o-mini-tts","input":"Hi.","voice":"coral","response_format":"pcm","instructions":"Speak calmly and warmly.","speed":1.25}"""));
    }

    [Test]
    public void The_output_is_24_kHz_PCM16_for_any_call()
    {
        var tts = new OpenAIVoiceOptions { ApiKey = "sk-x" }.AsOpenAITextToSpeech();
        Assert.That(new[] { AudioFormat.Telephony, AudioFormat.Pcm16Khz, AudioFormat.Pcm48Khz }.Select(tts.SelectOutputFormat), Has.All.EqualTo(AudioFormat.Pcm24Khz));
        Assert.That(async () => await tts.StartAsync(AudioFormat.Telephony), Throws.ArgumentException);
    }

    [Test]
    public async Task Recorded_PCM_is_delivered_byte_for_byte_in_whole_samples_across_odd_chunks(CancellationToken cancellationToken)
    {
        var recorded = Fixtures.Read("speech-pcm-24k-s16le.pcm");
        await using var server = new OpenAIStandIn { SpeechBody = recorded, SpeechChunkBytes = 999 };
        await using var stream = await OpenAISpeechToTextTests.Options(server).AsOpenAITextToSpeech().StartAsync(Speech, cancellationToken);
        var reading = ReadAllAsync(stream, cancellationToken);
        await stream.SendTextAsync("Hello, world!", cancellationToken);
        await stream.FlushAsync(cancellationToken);
        var chunks = await reading;

        Assert.That(chunks.SelectMany(c => c.Audio).ToArray(), Is.EqualTo(recorded), "exactly the recorded body");
        Assert.That(chunks.Select(c => c.Audio.Length % 2), Has.All.Zero, "whole samples only");
        Assert.That(chunks.Select(c => c.Segment), Has.All.Zero);
        Assert.That(chunks, Has.Count.GreaterThan(10), "delivered as it arrived, not buffered whole");
    }

    [Test]
    public async Task The_next_segment_is_requested_while_the_previous_streams_and_audio_stays_in_order(CancellationToken cancellationToken)
    {
        await using var server = new OpenAIStandIn { SpeechFirstByteDelay = TimeSpan.FromMilliseconds(150) };
        await using var stream = await OpenAISpeechToTextTests.Options(server).AsOpenAITextToSpeech().StartAsync(Speech, cancellationToken);
        var reading = ReadAllAsync(stream, cancellationToken);
        string[] segments = ["One moment. ", "I am looking that up, ", "it is parcel four. ", "Anything else?"];
        foreach (var segment in segments)
        {
            await stream.SendTextAsync(segment, cancellationToken);
        }

        await stream.FlushAsync(cancellationToken);
        var chunks = await reading;

        Assert.That(server.MaxOpenRequests, Is.EqualTo(OpenAITextToSpeechStream.Lookahead), "two requests overlap, never more");
        Assert.That(chunks.Select(c => c.Segment), Is.Ordered);
        for (var s = 0; s < segments.Length; s++)
        {
            var audio = chunks.Where(c => c.Segment == s).SelectMany(c => c.Audio).ToArray();
            Assert.That(ScriptedVoice.Read(audio, Speech), Is.EqualTo(segments[s]), $"segment {s}");
        }
    }

    [Test]
    public async Task Whitespace_segments_keep_their_number_but_send_nothing(CancellationToken cancellationToken)
    {
        await using var server = new OpenAIStandIn();
        await using var stream = await OpenAISpeechToTextTests.Options(server).AsOpenAITextToSpeech().StartAsync(Speech, cancellationToken);
        var reading = ReadAllAsync(stream, cancellationToken);
        await stream.SendTextAsync("Yes. ", cancellationToken);
        await stream.SendTextAsync("  ", cancellationToken);
        await stream.SendTextAsync("Done.", cancellationToken);
        await stream.FlushAsync(cancellationToken);
        var chunks = await reading;

        Assert.That(chunks.Select(c => c.Segment).Distinct(), Is.EqualTo(new[] { 0, 2 }));
        Assert.That(server.RequestsTo("/audio/speech").Count(), Is.EqualTo(2));
    }

    [Test]
    public async Task An_error_status_fails_the_reply_with_the_vendor_code(CancellationToken cancellationToken)
    {
        await using var server = new OpenAIStandIn
        {
            SpeechError = (HttpStatusCode.BadRequest, "application/json", OpenAIStandIn.ErrorBody("[{'type': 'string_too_long', 'loc': ('body', 'input')}]", "invalid_request_error", "string_above_max_length")),
        };
        var thrown = await SpeakExpectingFailureAsync<VoiceProviderException>(server, cancellationToken);
        Assert.That((thrown.ErrorCode, thrown.IsTransient, thrown.Provider), Is.EqualTo(("string_above_max_length", false, "openai")));
        Assert.That(thrown.Message, Does.Contain("HTTP 400"));
    }

    [Test]
    public async Task A_rate_limit_is_a_transient_provider_error(CancellationToken cancellationToken)
    {
        await using var server = new OpenAIStandIn
        {
            SpeechError = (HttpStatusCode.TooManyRequests, "application/json", OpenAIStandIn.ErrorBody("Rate limit reached.", "requests", "rate_limit_exceeded")),
        };
        var thrown = await SpeakExpectingFailureAsync<VoiceProviderException>(server, cancellationToken);
        Assert.That((thrown.ErrorCode, thrown.IsTransient), Is.EqualTo(("rate_limit_exceeded", true)));
    }

    [Test]
    public async Task A_401_during_a_reply_is_an_AuthenticationException(CancellationToken cancellationToken)
    {
        await using var server = new OpenAIStandIn
        {
            SpeechError = (HttpStatusCode.Unauthorized, "application/json", OpenAIStandIn.ErrorBody("Incorrect API key provided: sk-test-key.", "invalid_request_error", "invalid_api_key")),
        };
        var thrown = await SpeakExpectingFailureAsync<AuthenticationException>(server, cancellationToken);
        Assert.That(thrown.Message, Does.Contain("OPENAI_API_KEY").And.Not.Contain(OpenAIStandIn.Key));
    }

    [TestCase("application/json", """{"error":{"message":"The server had an error processing your request.","type":"server_error","param":null,"code":"server_error"}}""", "server_error")]
    [TestCase("text/plain; charset=utf-8", "upstream connect error", null)]
    [TestCase("text/html", "<html><body>Bad gateway</body></html>", null)]
    public async Task A_200_with_an_error_body_where_audio_belongs_is_a_provider_error(string contentType, string body, string? code, CancellationToken cancellationToken)
    {
        await using var server = new OpenAIStandIn { SpeechError = (HttpStatusCode.OK, contentType, body) };
        var thrown = await SpeakExpectingFailureAsync<VoiceProviderException>(server, cancellationToken);
        Assert.That(thrown.ErrorCode, Is.EqualTo(code));
        Assert.That(thrown.Message, Does.Contain("audio was expected"));
    }

    [Test]
    public async Task An_unparseable_error_body_is_still_a_provider_error(CancellationToken cancellationToken)
    {
        await using var server = new OpenAIStandIn { SpeechError = (HttpStatusCode.BadGateway, "text/html", "<html>502</html>") };
        var thrown = await SpeakExpectingFailureAsync<VoiceProviderException>(server, cancellationToken);
        Assert.That((thrown.ErrorCode, thrown.IsTransient), Is.EqualTo(((string?)null, true)));
        Assert.That(thrown.Message, Does.Contain("HTTP 502"));
    }

    [Test]
    public async Task A_response_cut_off_mid_stream_is_a_transient_provider_error(CancellationToken cancellationToken)
    {
        await using var server = new OpenAIStandIn { DropAfterAudioBytes = 4001 };
        var thrown = await SpeakExpectingFailureAsync<VoiceProviderException>(server, cancellationToken);
        Assert.That(thrown.IsTransient, Is.True);
        Assert.That(thrown.Message, Does.Contain("cut off"));
    }

    [Test]
    public async Task Dispose_cancels_every_request_in_flight_at_once(CancellationToken cancellationToken)
    {
        await using var server = new OpenAIStandIn { SpeechFirstByteDelay = TimeSpan.FromSeconds(3) };
        var stream = await OpenAISpeechToTextTests.Options(server).AsOpenAITextToSpeech().StartAsync(Speech, cancellationToken);
        var reading = ReadAllAsync(stream, cancellationToken);
        await stream.SendTextAsync("A long first sentence. ", cancellationToken);
        await stream.SendTextAsync("And a second one.", cancellationToken);
        while (server.OpenRequests < 2)
        {
            await Task.Delay(10, cancellationToken);
        }

        var stopwatch = Stopwatch.StartNew();
        await stream.DisposeAsync();
        Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(1)), "dispose does not wait for the provider");
        Assert.That(async () => await reading.WaitAsync(TimeSpan.FromSeconds(1), cancellationToken), Throws.InstanceOf<OperationCanceledException>(), "the reader ends at once");
        Assert.That(async () => await stream.SendTextAsync("More."), Throws.InstanceOf<ObjectDisposedException>());
    }

    [Test]
    public async Task The_key_is_checked_once_per_synthesiser_and_a_rejected_key_fails_start(CancellationToken cancellationToken)
    {
        await using var server = new OpenAIStandIn();
        var tts = OpenAISpeechToTextTests.Options(server).AsOpenAITextToSpeech();
        await (await tts.StartAsync(Speech, cancellationToken)).DisposeAsync();
        await (await tts.StartAsync(Speech, cancellationToken)).DisposeAsync();
        Assert.That(server.Requests.Select(r => (r.Method, r.Path)), Is.EqualTo(new[] { ("GET", "/v1/models/gpt-4o-mini-tts") }));

        var bad = OpenAISpeechToTextTests.Options(server, "not-a-valid-key-7").AsOpenAITextToSpeech();
        var thrown = Assert.ThrowsAsync<AuthenticationException>(async () => await bad.StartAsync(Speech, cancellationToken));
        Assert.That(thrown!.Message, Does.Contain("invalid_api_key").And.Not.Contain("not-a-valid-key"));
    }

    [Test]
    public async Task A_pause_between_segments_longer_than_the_timeout_is_not_server_silence(CancellationToken cancellationToken)
    {
        // The language model may take longer than the silence timeout to produce the next clause (a tool call); only time
        // spent waiting on the server's body counts as silence.
        await using var server = new OpenAIStandIn();
        var options = OpenAISpeechToTextTests.Options(server);
        options.RequestTimeout = TimeSpan.FromMilliseconds(300);
        await using var stream = await options.AsOpenAITextToSpeech().StartAsync(Speech, cancellationToken);
        var reading = ReadAllAsync(stream, cancellationToken);
        await stream.SendTextAsync("One moment. ", cancellationToken);
        await Task.Delay(TimeSpan.FromMilliseconds(900), cancellationToken); // the pause being modelled, not an assertion
        await stream.SendTextAsync("Here it is.", cancellationToken);
        await stream.FlushAsync(cancellationToken);
        var chunks = await reading;

        Assert.That(ScriptedVoice.Read(chunks.Where(c => c.Segment == 0).SelectMany(c => c.Audio).ToArray(), Speech), Is.EqualTo("One moment. "));
        Assert.That(ScriptedVoice.Read(chunks.Where(c => c.Segment == 1).SelectMany(c => c.Audio).ToArray(), Speech), Is.EqualTo("Here it is."));
    }

    [Test]
    public async Task An_error_status_whose_body_never_comes_fails_the_reply_instead_of_hanging(CancellationToken cancellationToken)
    {
        await using var server = new OpenAIStandIn
        {
            SpeechError = (HttpStatusCode.InternalServerError, "application/json", OpenAIStandIn.ErrorBody("unused", "server_error", "server_error")),
            SpeechErrorStallsBody = true,
        };
        var thrown = await SpeakExpectingFailureAsync<VoiceProviderException>(server, cancellationToken, o => o.RequestTimeout = TimeSpan.FromMilliseconds(300));
        Assert.That((thrown.IsTransient, thrown.Provider), Is.EqualTo((true, "openai")));
        Assert.That(thrown.Message, Does.Contain("HTTP 500"));
    }

    private static async Task<TException> SpeakExpectingFailureAsync<TException>(OpenAIStandIn server, CancellationToken cancellationToken, Action<OpenAIVoiceOptions>? configure = null)
        where TException : Exception
    {
        var options = OpenAISpeechToTextTests.Options(server);
        options.VerifyCredentialsOnStart = false;
        configure?.Invoke(options);
        await using var stream = await options.AsOpenAITextToSpeech().StartAsync(Speech, cancellationToken);
        var reading = ReadAllAsync(stream, cancellationToken);
        await stream.SendTextAsync("Your parcel is on its way.", cancellationToken);
        await stream.FlushAsync(cancellationToken);
        var thrown = Assert.ThrowsAsync<TException>(async () => await reading);
        return thrown!;
    }

    private static Task<List<(byte[] Audio, int Segment)>> ReadAllAsync(ITextToSpeechStream stream, CancellationToken cancellationToken) => Task.Run(async () =>
    {
        var chunks = new List<(byte[], int)>();
        await foreach (var chunk in stream.ReadAudioAsync(cancellationToken))
        {
            chunks.Add((chunk.Audio.ToArray(), chunk.Segment));
        }

        return chunks;
    });
}
