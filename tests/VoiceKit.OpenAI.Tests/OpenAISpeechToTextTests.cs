using System.Net;
using System.Security.Authentication;
using VoiceKit.Audio;
using VoiceKit.Conformance;

namespace VoiceKit.OpenAI.Tests;

/// <summary>Streaming transcriptions: the exact multipart request, the credential check, recorded SSE replayed, retry and error behaviour.</summary>
[TestFixture]
[CancelAfter(10_000)]
public sealed class OpenAISpeechToTextTests
{
    private static readonly AudioFormat Phone = AudioFormat.Pcm16(8000);

    [Test]
    public async Task An_utterance_is_one_multipart_request_with_the_exact_fields_and_the_WAV(CancellationToken cancellationToken)
    {
        await using var server = new OpenAIStandIn { TranscriptionBody = Fixtures.Read("transcription-stream.sse") };
        var options = Options(server);
        options.TranscriptionLanguage = "en";
        options.TranscriptionPrompt = "Acme Parcels, tracking numbers";
        options.Organization = "org-voicekit";
        options.Project = "proj_voicekit";
        var stt = options.AsOpenAISpeechToText();
        Assert.That(stt.SelectInputFormat(AudioFormat.Telephony), Is.EqualTo(Phone), "phone audio stays 8 kHz");
        await using var stream = await stt.StartAsync(Phone, cancellationToken);
        var audio = Enumerable.Range(0, 3200).Select(i => (byte)(i * 7)).ToArray();
        await stream.SendAudioAsync(audio.AsMemory(0, 1600), cancellationToken);
        await stream.SendAudioAsync(audio.AsMemory(1600), cancellationToken);
        await stream.FinalizeAsync(cancellationToken);
        await ReadUntilFinalAsync(stream, cancellationToken);

        var request = server.RequestsTo("/audio/transcriptions").Single();
        Assert.That(request.Method, Is.EqualTo("POST"));
        Assert.That(request.Header("Authorization"), Is.EqualTo("Bearer " + OpenAIStandIn.Key));
        Assert.That(request.Header("OpenAI-Organization"), Is.EqualTo("org-voicekit"));
        Assert.That(request.Header("OpenAI-Project"), Is.EqualTo("proj_voicekit"));
        Assert.That(request.Header("Accept"), Is.EqualTo("text/event-stream"));
        var parts = OpenAIStandIn.ParseMultipart(request);
        Assert.That(parts.Select(p => p.Name), Is.EqualTo(new[] { "file", "model", "language", "prompt", "response_format", "stream" }));
        Assert.That((parts[0].FileName, parts[0].ContentType), Is.EqualTo(("utterance.wav", "audio/wav")));
        var wav = WavFile.Read(parts[0].Content);
        Assert.That(wav.Format, Is.EqualTo(Phone));
        Assert.That(wav.Data.ToArray(), Is.EqualTo(audio), "the utterance's audio, unchanged");
        Assert.That(parts.Skip(1).Select(p => (p.Name, p.Text, p.FileName)), Is.EqualTo(new[]
        {
            ("model", "gpt-4o-transcribe", (string?)null),
            ("language", "en", null),
            ("prompt", "Acme Parcels, tracking numbers", null),
            ("response_format", "json", null),
            ("stream", "true", null),
        }));
    }

    [Test]
    public async Task Language_and_prompt_are_left_out_when_not_set(CancellationToken cancellationToken)
    {
        await using var server = new OpenAIStandIn { TranscriptionBody = Fixtures.Read("transcription-stream.sse") };
        await using var stream = await Options(server).AsOpenAISpeechToText().StartAsync(Phone, cancellationToken);
        await stream.SendAudioAsync(new byte[3200], cancellationToken);
        await stream.FinalizeAsync(cancellationToken);
        await ReadUntilFinalAsync(stream, cancellationToken);

        var parts = OpenAIStandIn.ParseMultipart(server.RequestsTo("/audio/transcriptions").Single());
        Assert.That(parts.Select(p => p.Name), Is.EqualTo(new[] { "file", "model", "response_format", "stream" }));
    }

    [TestCase("transcription-stream.sse")]
    [TestCase("transcription-stream-logprobs.sse")]
    public async Task Recorded_deltas_become_interims_restating_the_text_and_done_the_final(string fixture, CancellationToken cancellationToken)
    {
        await using var server = new OpenAIStandIn { TranscriptionBody = Fixtures.Read(fixture) };
        await using var stream = await Options(server).AsOpenAISpeechToText().StartAsync(Phone, cancellationToken);
        await stream.SendAudioAsync(new byte[3200], cancellationToken);
        await stream.FinalizeAsync(cancellationToken);
        var updates = await ReadUntilFinalAsync(stream, cancellationToken);

        var final = updates[^1];
        Assert.That((final.Kind, final.IsEndpoint), Is.EqualTo((TranscriptUpdateKind.Final, true)));
        Assert.That(final.Text, Is.Not.Empty);
        var interims = updates.Where(u => u.Kind == TranscriptUpdateKind.Interim).Select(u => u.Text).ToList();
        Assert.That(interims, Is.Not.Empty);
        Assert.That(interims.Zip(interims.Skip(1)).All(pair => pair.Second.StartsWith(pair.First, StringComparison.Ordinal)), Is.True, "each interim restates the one before: " + string.Join(" | ", interims));
        Assert.That(final.Text, Does.StartWith(interims[^1]));
        if (fixture == "transcription-stream.sse")
        {
            Assert.That(interims, Is.EqualTo(new[] { "Hello", "Hello world", "Hello world,", "Hello world, this", "Hello world, this is", "Hello world, this is a", "Hello world, this is a test", "Hello world, this is a test." }));
            Assert.That(final.Text, Is.EqualTo("Hello world, this is a test."));
        }
    }

    [Test]
    public async Task The_key_is_checked_once_per_recogniser_and_a_missing_models_endpoint_is_tolerated(CancellationToken cancellationToken)
    {
        await using var server = new OpenAIStandIn { ModelsStatus = HttpStatusCode.NotFound };
        var stt = Options(server).AsOpenAISpeechToText();
        await (await stt.StartAsync(Phone, cancellationToken)).DisposeAsync();
        await (await stt.StartAsync(Phone, cancellationToken)).DisposeAsync();

        var checks = server.Requests.Where(r => r.Method == "GET").ToList();
        Assert.That(checks.Select(r => r.Path), Is.EqualTo(new[] { "/v1/models/gpt-4o-transcribe" }));
        Assert.That(checks[0].Header("Authorization"), Is.EqualTo("Bearer " + OpenAIStandIn.Key));
    }

    [Test]
    public async Task A_rejected_key_fails_start_with_a_message_naming_the_option(CancellationToken cancellationToken)
    {
        await using var server = new OpenAIStandIn();
        var thrown = Assert.ThrowsAsync<AuthenticationException>(async () => await Options(server, "not-a-valid-key-42").AsOpenAISpeechToText().StartAsync(Phone, cancellationToken));
        Assert.That(thrown!.Message, Does.Contain("OpenAIVoiceOptions.ApiKey").And.Contain("OPENAI_API_KEY").And.Contain("invalid_api_key").And.Not.Contain("not-a-valid-key"));
    }

    [Test]
    public async Task With_the_check_off_start_sends_nothing(CancellationToken cancellationToken)
    {
        await using var server = new OpenAIStandIn();
        var options = Options(server);
        options.VerifyCredentialsOnStart = false;
        await (await options.AsOpenAISpeechToText().StartAsync(Phone, cancellationToken)).DisposeAsync();
        Assert.That(server.Requests, Is.Empty);
    }

    [Test]
    public async Task A_dropped_response_is_retried_once_with_the_same_bytes(CancellationToken cancellationToken)
    {
        var recognizer = new ScriptedRecognizer();
        var phrase = ScriptedSpeech.Say("please send a new card", seed: 5);
        recognizer.Learn(phrase);
        await using var server = new OpenAIStandIn(recognizer) { DropAfterAudioBytes = phrase.Audio.Length };
        await using var stream = await Options(server).AsOpenAISpeechToText().StartAsync(Phone, cancellationToken);
        await stream.SendAudioAsync(ToPcm(phrase.Audio), cancellationToken);
        await stream.FinalizeAsync(cancellationToken);
        var updates = await ReadUntilFinalAsync(stream, cancellationToken);

        Assert.That(ScriptedSpeech.Normalize(updates[^1].Text), Is.EqualTo(phrase.Transcript));
        Assert.That(updates.Any(u => u.Kind == TranscriptUpdateKind.Error), Is.False, "a retried drop is not an error");
        var requests = server.RequestsTo("/audio/transcriptions").ToList();
        Assert.That((server.Drops, requests.Count), Is.EqualTo((1, 2)));
        Assert.That(requests[1].Body, Is.EqualTo(requests[0].Body), "the retry sends the same audio");
        Assert.That(((OpenAISpeechToTextStream)stream).Retries, Is.EqualTo(1));
    }

    [Test]
    public async Task A_malformed_event_is_an_error_update_and_the_utterance_still_ends_in_a_final(CancellationToken cancellationToken)
    {
        var recognizer = new ScriptedRecognizer();
        var phrase = ScriptedSpeech.Say("what time do you open", seed: 6);
        recognizer.Learn(phrase);
        await using var server = new OpenAIStandIn(recognizer) { MalformedNext = true };
        await using var stream = await Options(server).AsOpenAISpeechToText().StartAsync(Phone, cancellationToken);
        await stream.SendAudioAsync(ToPcm(phrase.Audio), cancellationToken);
        await stream.FinalizeAsync(cancellationToken);
        var updates = await ReadUntilFinalAsync(stream, cancellationToken);

        var error = updates.Single(u => u.Kind == TranscriptUpdateKind.Error);
        Assert.That(error.RawRepresentation, Is.InstanceOf<VoiceProviderException>());
        Assert.That(error.Text, Does.Contain("not valid JSON"));
        Assert.That(ScriptedSpeech.Normalize(updates[^1].Text), Is.EqualTo(phrase.Transcript));
    }

    [Test]
    public async Task An_error_status_is_an_error_update_with_the_code_and_the_next_utterance_works(CancellationToken cancellationToken)
    {
        await using var server = new OpenAIStandIn
        {
            TranscriptionError = (HttpStatusCode.BadRequest, "application/json", OpenAIStandIn.ErrorBody("Audio file might be corrupted or unsupported", "invalid_request_error", "invalid_value")),
        };
        await using var stream = await Options(server).AsOpenAISpeechToText().StartAsync(Phone, cancellationToken);
        var reader = stream.ReadUpdatesAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        await stream.SendAudioAsync(new byte[3200], cancellationToken);
        await stream.FinalizeAsync(cancellationToken);
        Assert.That(await reader.MoveNextAsync(), Is.True);
        Assert.That(reader.Current.Kind, Is.EqualTo(TranscriptUpdateKind.Error));
        var error = (VoiceProviderException)reader.Current.RawRepresentation!;
        Assert.That((error.ErrorCode, error.IsTransient), Is.EqualTo(("invalid_value", false)));
        Assert.That(error.Message, Does.Contain("HTTP 400").And.Contain("corrupted"));

        server.TranscriptionBody = Fixtures.Read("transcription-stream.sse");
        await stream.SendAudioAsync(new byte[3200], cancellationToken);
        await stream.FinalizeAsync(cancellationToken);
        TranscriptUpdate update;
        do
        {
            Assert.That(await reader.MoveNextAsync(), Is.True);
            update = reader.Current;
        }
        while (update.Kind != TranscriptUpdateKind.Final);
        Assert.That(update.Text, Is.EqualTo("Hello world, this is a test."));
        Assert.That(server.RequestsTo("/audio/transcriptions").Count(), Is.EqualTo(2), "a 400 is not retried");
        await reader.DisposeAsync();
    }

    [Test]
    public async Task An_error_event_in_the_stream_is_an_error_update_with_the_code(CancellationToken cancellationToken)
    {
        await using var server = new OpenAIStandIn
        {
            TranscriptionBody = System.Text.Encoding.UTF8.GetBytes("data: {\"type\":\"transcript.text.delta\",\"delta\":\"Hel\"}\r\n\r\ndata: " + OpenAIStandIn.ErrorBody("The server had an error.", "server_error", "server_error") + "\r\n\r\n"),
        };
        await using var stream = await Options(server).AsOpenAISpeechToText().StartAsync(Phone, cancellationToken);
        await stream.SendAudioAsync(new byte[3200], cancellationToken);
        await stream.FinalizeAsync(cancellationToken);
        var updates = new List<TranscriptUpdate>();
        await foreach (var update in stream.ReadUpdatesAsync(cancellationToken))
        {
            updates.Add(update);
            if (update.Kind == TranscriptUpdateKind.Error)
            {
                break;
            }
        }

        Assert.That(updates.Select(u => u.Kind), Is.EqualTo(new[] { TranscriptUpdateKind.Interim, TranscriptUpdateKind.Error }));
        Assert.That(((VoiceProviderException)updates[1].RawRepresentation!).ErrorCode, Is.EqualTo("server_error"));
    }

    [Test]
    public async Task A_finalize_with_no_audio_sends_nothing(CancellationToken cancellationToken)
    {
        await using var server = new OpenAIStandIn();
        await using var stream = await Options(server).AsOpenAISpeechToText().StartAsync(Phone, cancellationToken);
        await stream.FinalizeAsync(cancellationToken);
        await stream.DisposeAsync();
        Assert.That(server.RequestsTo("/audio/transcriptions"), Is.Empty);
    }

    internal static OpenAIVoiceOptions Options(OpenAIStandIn server, string key = OpenAIStandIn.Key) => new()
    {
        ApiKey = key,
        Endpoint = server.Endpoint,
        Organization = null,
        Project = null,
    };

    private static byte[] ToPcm(byte[] muLaw)
    {
        var pcm = new byte[muLaw.Length * 2];
        for (var i = 0; i < muLaw.Length; i++)
        {
            var sample = MuLaw.DecodeSample(muLaw[i]);
            pcm[2 * i] = (byte)sample;
            pcm[(2 * i) + 1] = (byte)(sample >> 8);
        }

        return pcm;
    }

    private static async Task<List<TranscriptUpdate>> ReadUntilFinalAsync(ISpeechToTextStream stream, CancellationToken cancellationToken)
    {
        var updates = new List<TranscriptUpdate>();
        await foreach (var update in stream.ReadUpdatesAsync(cancellationToken))
        {
            updates.Add(update);
            if (update.Kind == TranscriptUpdateKind.Final)
            {
                return updates;
            }
        }

        Assert.Fail("No final: " + string.Join(" | ", updates.Select(u => $"{u.Kind}:{u.Text}")));
        return updates;
    }
}
