using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.AI;
using VoiceKit.Audio;

namespace VoiceKit;

/// <summary>
/// Streams through a batch Microsoft.Extensions.AI <see cref="ISpeechToTextClient"/>: caller audio is buffered, and each
/// utterance, cut when the session calls <see cref="ISpeechToTextStream.FinalizeAsync"/> (the turn engine heard the
/// caller stop), is sent as a WAV file and comes back as one final transcript with the endpoint flag.
/// </summary>
internal sealed class SpeechToTextClientBridge(ISpeechToTextClient client, SpeechToTextOptions? options) : ISpeechToText
{
    public AudioFormat SelectInputFormat(AudioFormat callFormat) => AudioFormat.Pcm16(callFormat.SampleRate);

    public ValueTask<ISpeechToTextStream> StartAsync(AudioFormat format, CancellationToken cancellationToken = default)
    {
        if (format.Encoding != AudioEncoding.Pcm16 || format.Channels != 1)
        {
            throw new ArgumentException($"The speech-to-text bridge takes mono PCM16; got {format}.", nameof(format));
        }

        return ValueTask.FromResult<ISpeechToTextStream>(new Stream(client, options, format));
    }

    private sealed class Stream : ISpeechToTextStream
    {
        private const int MaxUtteranceSeconds = 30;
        private const int MinUtteranceMilliseconds = 100;

        private readonly ISpeechToTextClient _client;
        private readonly SpeechToTextOptions? _options;
        private readonly AudioFormat _format;
        private readonly Lock _lock = new();
        private readonly Channel<byte[]> _utterances = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
        private byte[] _buffer;
        private int _length;

        public Stream(ISpeechToTextClient client, SpeechToTextOptions? options, AudioFormat format)
        {
            _client = client;
            _options = options;
            _format = format;
            _buffer = new byte[format.BytesPer(5_000)];
        }

        public ValueTask SendAudioAsync(ReadOnlyMemory<byte> audio, CancellationToken cancellationToken = default)
        {
            lock (_lock)
            {
                var max = _format.BytesPer(MaxUtteranceSeconds * 1000);
                if (_length + audio.Length > _buffer.Length)
                {
                    Array.Resize(ref _buffer, Math.Min(max, Math.Max(_buffer.Length * 2, _length + audio.Length)));
                }

                if (_length + audio.Length > _buffer.Length)
                {
                    // Over the limit: keep the most recent audio.
                    var drop = _length + audio.Length - _buffer.Length;
                    _buffer.AsSpan(drop, _length - drop).CopyTo(_buffer);
                    _length -= drop;
                }

                audio.Span.CopyTo(_buffer.AsSpan(_length));
                _length += audio.Length;
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask FinalizeAsync(CancellationToken cancellationToken = default)
        {
            byte[] utterance;
            lock (_lock)
            {
                if (_length < _format.BytesPer(MinUtteranceMilliseconds))
                {
                    return ValueTask.CompletedTask;
                }

                utterance = _buffer.AsSpan(0, _length).ToArray();
                _length = 0;
            }

            _utterances.Writer.TryWrite(utterance);
            return ValueTask.CompletedTask;
        }

        public async IAsyncEnumerable<TranscriptUpdate> ReadUpdatesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await foreach (var utterance in _utterances.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                using var wav = new MemoryStream(utterance.Length + 64);
                WavFile.Write(wav, _format, utterance);
                wav.Position = 0;
                var options = _options?.Clone() ?? new SpeechToTextOptions();
                options.SpeechSampleRate ??= _format.SampleRate;
                TranscriptUpdate update;
                try
                {
                    var response = await _client.GetTextAsync(wav, options, cancellationToken).ConfigureAwait(false);
                    update = new TranscriptUpdate(TranscriptUpdateKind.Final, response.Text.Trim(), IsEndpoint: true) { RawRepresentation = response };
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    // One failed request loses one utterance, not the rest of the call.
                    update = new TranscriptUpdate(TranscriptUpdateKind.Error, e.Message) { RawRepresentation = e };
                }

                if (update.Kind == TranscriptUpdateKind.Error || update.Text.Length > 0)
                {
                    yield return update;
                }
            }
        }

        public ValueTask DisposeAsync()
        {
            _utterances.Writer.TryComplete();
            return ValueTask.CompletedTask;
        }
    }
}
