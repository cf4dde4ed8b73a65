using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using VoiceKit.Audio;

namespace VoiceKit.Tests.Agents;

/// <summary>The bridges from Microsoft.Extensions.AI clients to VoiceKit's ports.</summary>
public sealed class BridgeTests
{
    [Test]
    public async Task A_batch_recogniser_gets_one_wav_per_utterance_and_answers_with_a_final()
    {
        var client = new RecordingSpeechToTextClient("where is my parcel");
        var stt = client.AsSpeechToText(new SpeechToTextOptions { SpeechLanguage = "en" });
        var format = stt.SelectInputFormat(AudioFormat.Telephony);
        Assert.That(format, Is.EqualTo(AudioFormat.Pcm16(8000)));

        await using var stream = await stt.StartAsync(format);
        await stream.SendAudioAsync(new byte[format.BytesPer(500)]);
        await stream.FinalizeAsync();
        await stream.SendAudioAsync(new byte[format.BytesPer(40)]);
        await stream.FinalizeAsync(); // 40 ms: too short to be an utterance
        await stream.DisposeAsync();

        var updates = new List<TranscriptUpdate>();
        await foreach (var u in stream.ReadUpdatesAsync())
        {
            updates.Add(u);
        }

        Assert.That(updates.Select(u => (u.Kind, u.Text, u.IsEndpoint)), Is.EqualTo(new[] { (TranscriptUpdateKind.Final, "where is my parcel", true) }));
        var wav = client.Received.Single();
        Assert.That(wav.Format, Is.EqualTo(AudioFormat.Pcm16(8000)));
        Assert.That(wav.Data.Length, Is.EqualTo(format.BytesPer(500)));
        Assert.That(client.Options.Single()!.SpeechLanguage, Is.EqualTo("en"));
        Assert.That(client.Options.Single()!.SpeechSampleRate, Is.EqualTo(8000));
    }

    [Test]
    public async Task A_failed_batch_request_loses_one_utterance_not_the_call()
    {
        var client = new RecordingSpeechToTextClient("second try") { FailFirst = true };
        var stt = client.AsSpeechToText();
        await using var stream = await stt.StartAsync(AudioFormat.Pcm16(8000));
        await stream.SendAudioAsync(new byte[3200]);
        await stream.FinalizeAsync();
        await stream.SendAudioAsync(new byte[3200]);
        await stream.FinalizeAsync();
        await stream.DisposeAsync();

        var updates = new List<TranscriptUpdate>();
        await foreach (var u in stream.ReadUpdatesAsync())
        {
            updates.Add(u);
        }

        Assert.That(updates.Select(u => u.Kind), Is.EqualTo(new[] { TranscriptUpdateKind.Error, TranscriptUpdateKind.Final }));
        Assert.That(updates[0].RawRepresentation, Is.TypeOf<HttpRequestException>());
        Assert.That(updates[1].Text, Is.EqualTo("second try"));
    }

    [Test]
    public async Task A_speech_client_speaks_each_segment_in_order_without_its_wav_header()
    {
        var client = new WavTextToSpeechClient();
        var tts = client.AsTextToSpeech(AudioFormat.Pcm24Khz);
        Assert.That(tts.SelectOutputFormat(AudioFormat.Telephony), Is.EqualTo(AudioFormat.Pcm24Khz));

        await using var stream = await tts.StartAsync(AudioFormat.Pcm24Khz);
        await stream.SendTextAsync("Hello there.");
        await stream.SendTextAsync("How can I help?");
        await stream.FlushAsync();

        var chunks = new List<SpeechAudio>();
        await foreach (var chunk in stream.ReadAudioAsync())
        {
            chunks.Add(chunk);
        }

        Assert.That(client.Requests, Is.EqualTo(new[] { "Hello there.", "How can I help?" }));
        Assert.That(chunks.Select(c => c.Segment).Distinct(), Is.EqualTo(new[] { 0, 1 }));
        Assert.That(chunks.Where(c => c.Segment == 0).Sum(c => c.Audio.Length), Is.EqualTo(WavTextToSpeechClient.BytesFor("Hello there.")));
        Assert.That(chunks.SelectMany(c => c.Audio.ToArray()).All(b => b == 0x11), Is.True, "only audio, no header bytes");
        Assert.That(chunks.All(c => c.Audio.Length % 2 == 0), Is.True, "whole PCM16 samples only, the split one carried over");
        Assert.That(() => stream.SendTextAsync("late").AsTask(), Throws.InvalidOperationException);
    }

    [Test]
    public async Task A_chat_client_streams_through_as_the_language_model()
    {
        var chat = new StreamingChatClient("Your ", "parcel ", "arrives today.");
        var model = chat.AsLanguageModel();
        var text = "";
        await foreach (var update in model.StreamAsync([new ChatMessage(ChatRole.User, "where is it")], new ChatOptions()))
        {
            text += update.Text;
        }

        Assert.That(text, Is.EqualTo("Your parcel arrives today."));
        Assert.That(chat.LastMessages.Single().Text, Is.EqualTo("where is it"));
    }

    [Test]
    public void Bad_bridge_arguments_are_rejected()
    {
        Assert.That(() => ((ISpeechToTextClient)null!).AsSpeechToText(), Throws.ArgumentNullException);
        Assert.That(() => new WavTextToSpeechClient().AsTextToSpeech(default), Throws.ArgumentException);
        Assert.That(async () => await new RecordingSpeechToTextClient("x").AsSpeechToText().StartAsync(AudioFormat.Telephony), Throws.ArgumentException);
    }

    private sealed class RecordingSpeechToTextClient(string text) : ISpeechToTextClient
    {
        public List<WavAudio> Received { get; } = [];

        public List<SpeechToTextOptions?> Options { get; } = [];

        public bool FailFirst { get; set; }

        public Task<SpeechToTextResponse> GetTextAsync(Stream audioSpeechStream, SpeechToTextOptions? options = null, CancellationToken cancellationToken = default)
        {
            if (FailFirst)
            {
                FailFirst = false;
                throw new HttpRequestException("503 Service Unavailable");
            }

            Received.Add(WavFile.Read(audioSpeechStream));
            Options.Add(options);
            return Task.FromResult(new SpeechToTextResponse(text));
        }

        public IAsyncEnumerable<SpeechToTextResponseUpdate> GetStreamingTextAsync(Stream audioSpeechStream, SpeechToTextOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    private sealed class WavTextToSpeechClient : ITextToSpeechClient
    {
        public List<string> Requests { get; } = [];

        public static int BytesFor(string text) => text.Length * 480;

        public Task<TextToSpeechResponse> GetAudioAsync(string text, TextToSpeechOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public async IAsyncEnumerable<TextToSpeechResponseUpdate> GetStreamingAudioAsync(string text, TextToSpeechOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            Requests.Add(text);
            var pcm = new byte[BytesFor(text)];
            Array.Fill(pcm, (byte)0x11);
            using var wav = new MemoryStream();
            WavFile.Write(wav, AudioFormat.Pcm24Khz, pcm);
            var bytes = wav.ToArray();
            var split = (bytes.Length / 3) | 1; // an odd split: a PCM16 sample straddles the two chunks
            await Task.Yield();
            yield return new TextToSpeechResponseUpdate([new DataContent(bytes.AsMemory(0, split), "audio/wav")]);
            yield return new TextToSpeechResponseUpdate([new DataContent(bytes.AsMemory(split), "audio/wav")]);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    private sealed class StreamingChatClient(params string[] deltas) : IChatClient
    {
        public IReadOnlyList<ChatMessage> LastMessages { get; private set; } = [];

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            LastMessages = [.. messages];
            foreach (var delta in deltas)
            {
                await Task.Yield();
                yield return new ChatResponseUpdate(ChatRole.Assistant, delta);
            }
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
