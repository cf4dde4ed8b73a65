using System.Runtime.InteropServices;
using VoiceKit.Audio;

namespace VoiceKit;

/// <summary>
/// Writes a stereo WAV of a call: the caller on the left, the agent on the right, time-aligned. The caller's frames set
/// the clock; for each one, the agent channel gets exactly the agent audio the transport played in that interval
/// (from <see cref="ITransport.PlayedDuration"/>), so silences, barge-ins and cleared audio appear as the caller heard them.
/// </summary>
/// <remarks>
/// The audio pump adds agent audio from its own task; the session writes caller frames from the brain loop: the
/// agent queue is locked. Buffers are allocated once; writes go through the stream's own buffering.
/// </remarks>
internal sealed class CallRecorder : IAsyncDisposable
{
    private readonly WavWriter _writer;
    private readonly AudioFormat _recordFormat;
    private readonly AudioConverter _agentConverter;
    private readonly Lock _lock = new();
    private short[] _agentQueue = new short[16_000];
    private int _agentCount;
    private short[] _interleaved = [];
    private byte[] _agentScratch = [];
    private long _playedSamplesWritten;

    public CallRecorder(Stream stream, AudioFormat callFormat, int sampleRate)
    {
        _recordFormat = new AudioFormat(AudioEncoding.Pcm16, sampleRate, channels: 2);
        _writer = new WavWriter(stream, _recordFormat);
        _agentConverter = new AudioConverter(callFormat, AudioFormat.Pcm16(sampleRate));
    }

    /// <summary>Queues agent audio (in the call's format) as it is sent to the transport.</summary>
    public void AddAgentAudio(ReadOnlySpan<byte> audio)
    {
        lock (_lock)
        {
            var needed = _agentConverter.GetMaxOutputLength(audio.Length);
            if (_agentScratch.Length < needed)
            {
                _agentScratch = new byte[needed];
            }

            var written = _agentConverter.Convert(audio, _agentScratch);
            var samples = MemoryMarshal.Cast<byte, short>(_agentScratch.AsSpan(0, written));
            if (_agentCount + samples.Length > _agentQueue.Length)
            {
                Array.Resize(ref _agentQueue, Math.Max(_agentQueue.Length * 2, _agentCount + samples.Length));
            }

            samples.CopyTo(_agentQueue.AsSpan(_agentCount));
            _agentCount += samples.Length;
        }
    }

    /// <summary>Drops queued agent audio that will never play (after the transport cleared it).</summary>
    public void OnCleared(TimeSpan played)
    {
        lock (_lock)
        {
            TakePlayed(played, Span<short>.Empty);
            _agentCount = 0;
        }
    }

    /// <summary>Writes one caller frame with the agent audio played meanwhile.</summary>
    public void WriteCallerFrame(ReadOnlySpan<short> caller, TimeSpan played)
    {
        if (_interleaved.Length < caller.Length * 2)
        {
            _interleaved = new short[caller.Length * 2];
        }

        var stereo = _interleaved.AsSpan(0, caller.Length * 2);
        stereo.Clear();
        for (var i = 0; i < caller.Length; i++)
        {
            stereo[2 * i] = caller[i];
        }

        lock (_lock)
        {
            TakePlayed(played, stereo);
        }

        _writer.Write(MemoryMarshal.AsBytes(stereo));
    }

    public async ValueTask DisposeAsync() => await _writer.DisposeAsync().ConfigureAwait(false);

    /// <summary>Moves the agent samples played since the last call into the right channel of <paramref name="stereo"/>.</summary>
    private void TakePlayed(TimeSpan played, Span<short> stereo)
    {
        var playedSamples = _recordFormat.SamplesFor(played);
        if (stereo.IsEmpty)
        {
            _playedSamplesWritten = playedSamples;
            return;
        }

        var frameSamples = stereo.Length / 2;
        var due = (int)Math.Min(Math.Min(playedSamples - _playedSamplesWritten, _agentCount), frameSamples);
        if (due <= 0)
        {
            return;
        }

        // Played audio lands at the end of the frame: that is when the transport reported it.
        _playedSamplesWritten += due;
        var offset = frameSamples - due;
        for (var i = 0; i < due; i++)
        {
            stereo[(2 * (offset + i)) + 1] = _agentQueue[i];
        }

        _agentQueue.AsSpan(due, _agentCount - due).CopyTo(_agentQueue);
        _agentCount -= due;
    }
}
