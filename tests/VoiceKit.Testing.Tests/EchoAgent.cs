using System.Threading.Channels;
using Microsoft.Extensions.AI;
using VoiceKit.Audio;
using VoiceKit.Turns;

namespace VoiceKit.Testing.Tests;

/// <summary>
/// A deliberately small agent built like the real session (pool-hopping loops joined by channels, ConfigureAwait(false)),
/// to prove the fakes and the caller give deterministic calls. Replies to every endpoint final; barges in on 200 ms of
/// caller speech while agent audio plays.
/// </summary>
internal sealed class EchoAgent(InMemoryTransport transport, FakeSpeechToText stt, FakeLanguageModel llm, FakeTextToSpeech tts)
{
    private readonly Lock _lock = new();
    private readonly List<ChatMessage> _history = [new(ChatRole.System, "Echo what the caller says.")];
    private CancellationTokenSource? _reply;
    private Task _replyTask = Task.CompletedTask;

    public List<string> Events { get; } = [];

    public int BargeIns { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var format = transport.Format;
        await using var recognition = await stt.StartAsync(stt.SelectInputFormat(format), cancellationToken).ConfigureAwait(false);
        var finals = Channel.CreateBounded<string>(16);
        var recogniserLoop = Task.Run(async () =>
        {
            await foreach (var update in recognition.ReadUpdatesAsync(cancellationToken).ConfigureAwait(false))
            {
                if (update.Kind == TranscriptUpdateKind.Final && update.IsEndpoint)
                {
                    await finals.Writer.WriteAsync(update.Text, cancellationToken).ConfigureAwait(false);
                }
            }
        }, cancellationToken);
        var brain = Task.Run(async () =>
        {
            await foreach (var text in finals.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await StopReplyAsync().ConfigureAwait(false);
                lock (_lock)
                {
                    Events.Add($"user: {text}");
                    _history.Add(new ChatMessage(ChatRole.User, text));
                    _reply = new CancellationTokenSource();
                    _replyTask = ReplyAsync([.. _history], _reply.Token);
                }
            }
        }, cancellationToken);

        var vad = new AdaptiveVoiceActivityDetector(format.SampleRate);
        var pcm = new short[format.SamplesPer(20)];
        var speechFrames = 0;
        await foreach (var e in transport.ReadEventsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (e.Kind != TransportEventKind.Audio)
            {
                continue;
            }

            using (var frame = e.Frame!)
            {
                await recognition.SendAudioAsync(frame.Memory, cancellationToken).ConfigureAwait(false);
                AudioCodec.Decode(format.Encoding, frame.Span, pcm);
            }

            speechFrames = vad.Process(pcm) > 0.5f ? speechFrames + 1 : 0;
            if (speechFrames == 10 && transport.IsPlaying)
            {
                BargeIns++;
                await StopReplyAsync().ConfigureAwait(false);
                await transport.ClearAsync(cancellationToken).ConfigureAwait(false);
                lock (_lock)
                {
                    Events.Add($"barge-in after {transport.PlayedDuration.TotalMilliseconds} ms heard");
                }
            }
        }

        finals.Writer.TryComplete();
        await StopReplyAsync().ConfigureAwait(false);
        await recognition.DisposeAsync().ConfigureAwait(false);
        await Task.WhenAll(recogniserLoop, brain).ConfigureAwait(false);
    }

    private async Task StopReplyAsync()
    {
        Task task;
        lock (_lock)
        {
            _reply?.Cancel();
            task = _replyTask;
        }

        await task.ConfigureAwait(false);
    }

    private async Task ReplyAsync(List<ChatMessage> messages, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var speech = await tts.StartAsync(tts.SelectOutputFormat(transport.Format), cancellationToken).ConfigureAwait(false);
        try
        {
            var playing = Task.Run(async () =>
            {
                await foreach (var chunk in speech.ReadAudioAsync(cancellationToken).ConfigureAwait(false))
                {
                    await transport.SendAudioAsync(chunk.Audio, cancellationToken).ConfigureAwait(false);
                }
            }, cancellationToken);
            var clause = "";
            await foreach (var update in llm.StreamAsync(messages, null, cancellationToken).ConfigureAwait(false))
            {
                clause += update.Text;
                if (clause.EndsWith('.') || clause.EndsWith('?'))
                {
                    await speech.SendTextAsync(clause.Trim(), cancellationToken).ConfigureAwait(false);
                    clause = "";
                }
            }

            await speech.FlushAsync(cancellationToken).ConfigureAwait(false);
            await playing.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            await speech.DisposeAsync().ConfigureAwait(false);
        }
    }
}
