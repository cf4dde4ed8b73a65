using System.Runtime.CompilerServices;
using System.Threading.Channels;
using VoiceKit.Audio;

namespace VoiceKit.Conformance;

/// <summary>
/// An in-process synthesiser for tests that run in real time: speaks each segment with <see cref="ScriptedVoice"/> in
/// 8 kHz mu-law (so the audio a transport played can be read back into text), in 20 ms chunks tagged with their segment,
/// after an optional first-byte delay.
/// </summary>
public sealed class ScriptedTextToSpeech : ITextToSpeech
{
    private int _open;

    /// <summary>How long the first audio of a reply takes. 50 ms by default.</summary>
    public TimeSpan FirstByteDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Streams opened and not yet disposed.</summary>
    public int StreamsOpen => Volatile.Read(ref _open);

    /// <inheritdoc />
    public AudioFormat SelectOutputFormat(AudioFormat callFormat) => AudioFormat.Telephony;

    /// <inheritdoc />
    public ValueTask<ITextToSpeechStream> StartAsync(AudioFormat format, CancellationToken cancellationToken = default)
    {
        if (format != AudioFormat.Telephony)
        {
            throw new ArgumentException("ScriptedTextToSpeech speaks 8 kHz mu-law only.", nameof(format));
        }

        Interlocked.Increment(ref _open);
        return ValueTask.FromResult<ITextToSpeechStream>(new Stream(this));
    }

    private sealed class Stream(ScriptedTextToSpeech owner) : ITextToSpeechStream
    {
        private readonly Channel<(string Text, int Segment)> _segments = Channel.CreateUnbounded<(string, int)>();
        private int _next;
        private int _disposed;

        public ValueTask SendTextAsync(string text, CancellationToken cancellationToken = default)
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            _segments.Writer.TryWrite((text, _next++));
            return ValueTask.CompletedTask;
        }

        public ValueTask FlushAsync(CancellationToken cancellationToken = default)
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            _segments.Writer.TryComplete();
            return ValueTask.CompletedTask;
        }

        public async IAsyncEnumerable<SpeechAudio> ReadAudioAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var first = true;
            await foreach (var (text, segment) in _segments.Reader.ReadAllAsync(cancellationToken))
            {
                if (first && owner.FirstByteDelay > TimeSpan.Zero)
                {
                    await Task.Delay(owner.FirstByteDelay, cancellationToken);
                }

                first = false;
                var audio = ScriptedVoice.Synthesize(text, AudioFormat.Telephony);
                for (var at = 0; at < audio.Length; at += 160)
                {
                    yield return new SpeechAudio(audio.AsMemory(at, Math.Min(160, audio.Length - at)), segment);
                }
            }
        }

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                _segments.Writer.TryComplete();
                Interlocked.Decrement(ref owner._open);
            }

            return ValueTask.CompletedTask;
        }
    }
}
