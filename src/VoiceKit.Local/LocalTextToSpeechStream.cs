using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading.Channels;

namespace VoiceKit.Local;

/// <summary>
/// One reply on an in-process synthesiser (Flite, eSpeak NG): a worker synthesises segments in order as they are sent;
/// the reader gets each segment's audio in 20 ms chunks from one pooled buffer per segment (returned when the reader
/// moves on).
/// </summary>
internal sealed class LocalTextToSpeechStream : ITextToSpeechStream
{
    private readonly ILocalSynthesizer _owner;
    private readonly Channel<string> _text = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Channel<(byte[] Buffer, int Length, int Segment)> _audio = Channel.CreateBounded<(byte[], int, int)>(
        new BoundedChannelOptions(4) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly CancellationTokenSource _lifetime = new();
    private readonly Task _worker;
    private int _disposed;

    public LocalTextToSpeechStream(ILocalSynthesizer owner)
    {
        _owner = owner;
        _worker = Task.Run(() => SynthesizeAsync(_lifetime.Token));
    }

    public ValueTask SendTextAsync(string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_text.Writer.TryWrite(text))
        {
            throw new InvalidOperationException("FlushAsync has been called: the reply's text is complete.");
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        _text.Writer.TryComplete();
        return ValueTask.CompletedTask;
    }

    public async IAsyncEnumerable<SpeechAudio> ReadAudioAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var chunk = _owner.SampleRate / 50 * 2; // 20 ms of PCM16
        await foreach (var (buffer, length, segment) in _audio.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                for (var at = 0; at < length; at += chunk)
                {
                    yield return new SpeechAudio(buffer.AsMemory(at, Math.Min(chunk, length - at)), segment);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        await _worker.ConfigureAwait(false); // surfaces a synthesis failure
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _text.Writer.TryComplete();
        await _lifetime.CancelAsync().ConfigureAwait(false);
        await _worker.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        while (_audio.Reader.TryRead(out var item))
        {
            ArrayPool<byte>.Shared.Return(item.Buffer);
        }

        _lifetime.Dispose();
    }

    private async Task SynthesizeAsync(CancellationToken cancellationToken)
    {
        Exception? failure = null;
        try
        {
            var segment = 0;
            await foreach (var text in _text.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                var index = segment++;
                if (string.IsNullOrWhiteSpace(text))
                {
                    continue;
                }

                var (buffer, length) = _owner.Synthesize(text, static (samples, _) =>
                {
                    var bytes = MemoryMarshal.AsBytes(samples);
                    var rented = ArrayPool<byte>.Shared.Rent(bytes.Length);
                    bytes.CopyTo(rented);
                    return (rented, bytes.Length);
                });
                try
                {
                    await _audio.Writer.WriteAsync((buffer, length, index), cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    throw;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            failure = e;
            throw;
        }
        finally
        {
            _audio.Writer.TryComplete(failure);
        }
    }
}
