using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using VoiceKit.Audio;

namespace VoiceKit.Tests.Agents;

/// <summary>
/// Wraps a synthesiser the way a real WebSocket adapter can behave on barge-in: the first reply's stream, after its audio,
/// stays open (no end-of-stream message yet), and when its read is cancelled it throws a <see cref="WebSocketException"/>
/// from the aborted socket rather than <see cref="OperationCanceledException"/>.
/// </summary>
internal sealed class SocketErrorOnCancelTextToSpeech(ITextToSpeech inner) : ITextToSpeech
{
    private int _streams;

    public AudioFormat SelectOutputFormat(AudioFormat callFormat) => inner.SelectOutputFormat(callFormat);

    public async ValueTask<ITextToSpeechStream> StartAsync(AudioFormat format, CancellationToken cancellationToken = default) =>
        new Stream(await inner.StartAsync(format, cancellationToken), holdOpen: Interlocked.Increment(ref _streams) == 1);

    private sealed class Stream(ITextToSpeechStream inner, bool holdOpen) : ITextToSpeechStream
    {
        public ValueTask SendTextAsync(string text, CancellationToken cancellationToken = default) => inner.SendTextAsync(text, cancellationToken);

        public ValueTask FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

        public async IAsyncEnumerable<SpeechAudio> ReadAudioAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await foreach (var chunk in inner.ReadAudioAsync(cancellationToken))
            {
                yield return chunk;
            }

            if (holdOpen)
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    throw new WebSocketException(WebSocketError.InvalidState, "The WebSocket is in an invalid state ('Aborted') for this operation.");
                }
            }
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
