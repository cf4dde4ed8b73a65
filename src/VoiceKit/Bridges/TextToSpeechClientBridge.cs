using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.AI;
using VoiceKit.Audio;

namespace VoiceKit;

/// <summary>
/// Speaks through a Microsoft.Extensions.AI <see cref="ITextToSpeechClient"/>: each segment of text is one streaming
/// request, in order, and its audio comes back tagged with the segment so the session can tell what was heard.
/// </summary>
internal sealed class TextToSpeechClientBridge(ITextToSpeechClient client, AudioFormat producedFormat, TextToSpeechOptions? options) : ITextToSpeech
{
    public AudioFormat SelectOutputFormat(AudioFormat callFormat) => producedFormat;

    public ValueTask<ITextToSpeechStream> StartAsync(AudioFormat format, CancellationToken cancellationToken = default)
    {
        if (format != producedFormat)
        {
            throw new ArgumentException($"This text-to-speech client produces {producedFormat}, not {format}.", nameof(format));
        }

        return ValueTask.FromResult<ITextToSpeechStream>(new Stream(client, options, format));
    }

    private sealed class Stream(ITextToSpeechClient client, TextToSpeechOptions? options, AudioFormat format) : ITextToSpeechStream
    {
        private readonly Channel<string> _segments = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

        public ValueTask SendTextAsync(string text, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(text);
            return _segments.Writer.TryWrite(text) ? ValueTask.CompletedTask
                : throw new InvalidOperationException("Text was sent after FlushAsync.");
        }

        public ValueTask FlushAsync(CancellationToken cancellationToken = default)
        {
            _segments.Writer.TryComplete();
            return ValueTask.CompletedTask;
        }

        public async IAsyncEnumerable<SpeechAudio> ReadAudioAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var segment = 0;
            var carry = new byte[format.BlockAlign];
            await foreach (var text in _segments.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                var header = new WavHeaderStripper();
                var carried = 0;
                await foreach (var update in client.GetStreamingAudioAsync(text, options, cancellationToken).ConfigureAwait(false))
                {
                    foreach (var data in update.Contents.OfType<DataContent>())
                    {
                        // Network chunks split samples anywhere: carry a partial sample into the next chunk, or every
                        // later PCM16 sample would be misaligned (loud noise).
                        var audio = header.Strip(data.Data);
                        if (carried > 0 && !audio.IsEmpty)
                        {
                            var joined = new byte[carried + audio.Length];
                            carry.AsSpan(0, carried).CopyTo(joined);
                            audio.Span.CopyTo(joined.AsSpan(carried));
                            audio = joined;
                            carried = 0;
                        }

                        var whole = audio.Length - (audio.Length % format.BlockAlign);
                        audio.Span[whole..].CopyTo(carry);
                        carried = audio.Length - whole;
                        if (whole > 0)
                        {
                            yield return new SpeechAudio(audio[..whole], segment);
                        }
                    }
                }

                segment++;
            }
        }

        public ValueTask DisposeAsync()
        {
            _segments.Writer.TryComplete();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Drops a RIFF/WAVE header from the start of a stream of audio chunks, if there is one.</summary>
    private sealed class WavHeaderStripper
    {
        private bool _checked;

        public ReadOnlyMemory<byte> Strip(ReadOnlyMemory<byte> chunk)
        {
            if (_checked)
            {
                return chunk;
            }

            _checked = true;
            var span = chunk.Span;
            if (span.Length < 12 || !span[..4].SequenceEqual("RIFF"u8) || !span[8..12].SequenceEqual("WAVE"u8))
            {
                return chunk;
            }

            // Walk the chunks to "data"; the header arrives in the first piece of every real service's stream.
            var offset = 12;
            while (offset + 8 <= span.Length)
            {
                var size = System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(span[(offset + 4)..]);
                if (span.Slice(offset, 4).SequenceEqual("data"u8))
                {
                    return chunk[(offset + 8)..];
                }

                offset += 8 + size + (size & 1);
            }

            return ReadOnlyMemory<byte>.Empty;
        }
    }
}
