using VoiceKit.Conformance;
using VoiceKit.Testing;

namespace VoiceKit.Integration.Tests;

/// <summary>
/// Plays a caller on an <see cref="InMemoryTransport"/> in real time, as a phone line does: one 20 ms frame every 20 ms,
/// quiet line noise between phrases, a phrase's audio from <see cref="ScriptedSpeech"/>, and hooks that run at a chosen
/// point of a phrase (to drop a provider's connection mid-utterance, for example).
/// </summary>
internal sealed class RealTimeCaller(InMemoryTransport transport)
{
    private const int FrameBytes = 160;
    private readonly Random _noise = new(7);
    private readonly byte[] _frame = new byte[FrameBytes];

    /// <summary>Sends line noise until <paramref name="condition"/> holds (checked every frame).</summary>
    public async Task SilenceUntilAsync(Func<bool> condition, TimeSpan timeout, PeriodicTimer clock)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The caller waited in vain.");
            }

            await SendNoiseAsync(clock);
        }
    }

    /// <summary>Sends <paramref name="duration"/> of line noise.</summary>
    public async Task SilenceAsync(TimeSpan duration, PeriodicTimer clock)
    {
        for (var i = 0; i < duration.TotalMilliseconds / 20; i++)
        {
            await SendNoiseAsync(clock);
        }
    }

    /// <summary>Says <paramref name="phrase"/>; <paramref name="atHalf"/> runs once half its audio has been sent.</summary>
    public async Task SayAsync(SpokenPhrase phrase, PeriodicTimer clock, Func<Task>? atHalf = null)
    {
        for (var at = 0; at < phrase.Audio.Length; at += FrameBytes)
        {
            await clock.WaitForNextTickAsync();
            var length = Math.Min(FrameBytes, phrase.Audio.Length - at);
            phrase.Audio.AsSpan(at, length).CopyTo(_frame);
            _frame.AsSpan(length).Fill(ScriptedSpeech.MuLawSilence);
            transport.SendCallerAudio(_frame);
            if (atHalf is not null && at < phrase.Audio.Length / 2 && at + FrameBytes >= phrase.Audio.Length / 2)
            {
                await atHalf();
            }
        }
    }

    private async Task SendNoiseAsync(PeriodicTimer clock)
    {
        await clock.WaitForNextTickAsync();
        for (var i = 0; i < _frame.Length; i++)
        {
            // The mu-law codes closest to zero: a quiet line (about -70 dBFS), not digital silence.
            _frame[i] = (byte)(_noise.Next(2) == 0 ? 0xFF - _noise.Next(3) : 0x7F - _noise.Next(3));
        }

        transport.SendCallerAudio(_frame);
    }
}
