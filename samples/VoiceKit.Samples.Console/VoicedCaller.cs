using System.Diagnostics;
using VoiceKit.Audio;
using VoiceKit.Testing;

namespace VoiceKit.Samples.Console;

/// <summary>
/// Plays the caller of an <see cref="InMemoryTransport"/> in real time from a <see cref="CallerScript"/>: its lines are
/// synthesised once, ahead of the call, and sent as 8 kHz mu-law in 20 ms frames every 20 ms, like a phone line, with
/// quiet line noise under everything (a real line is never digitally silent). It listens to the agent only through
/// the transport's playback position, as a person on a phone would: it answers once the agent has been quiet for
/// <see cref="AnswerGap"/>, barges in after hearing the agent for a while, and stays on the line after its last words
/// until the agent hangs up. It also measures what the caller experiences: how long after each line the agent's
/// voice starts (<see cref="AnswerDelays"/>).
/// </summary>
internal sealed class VoicedCaller
{
    private const int FrameMilliseconds = 20;

    private static readonly TimeSpan s_waitLimit = TimeSpan.FromSeconds(30);

    private readonly InMemoryTransport _transport;
    private readonly IReadOnlyList<CallerLine> _script;
    private readonly ITextToSpeech _voice;
    private readonly int _frameBytes;
    private readonly short[] _noise;
    private readonly byte[] _noiseMuLaw;
    private readonly List<(CallerLine Line, TimeSpan Start, TimeSpan End)> _spoken = [];
    private readonly List<TimeSpan> _answerDelays = [];
    private byte[][] _lineAudio = [];

    /// <summary>Creates a caller.</summary>
    /// <param name="transport">The call; its format must be 8 kHz mu-law.</param>
    /// <param name="script">What the caller says.</param>
    /// <param name="voice">The caller's voice.</param>
    public VoicedCaller(InMemoryTransport transport, IReadOnlyList<CallerLine> script, ITextToSpeech voice)
    {
        if (transport.Format != AudioFormat.Telephony)
        {
            throw new ArgumentException($"The simulated phone line is {AudioFormat.Telephony}, not {transport.Format}.", nameof(transport));
        }

        _transport = transport;
        _script = script;
        _voice = voice;
        _frameBytes = AudioFormat.Telephony.BytesPer(FrameMilliseconds);
        _noise = LineNoise(AudioFormat.Telephony.SampleRate);
        _noiseMuLaw = new byte[_noise.Length];
        MuLaw.Encode(_noise, _noiseMuLaw);
    }

    /// <summary>How long the agent must be quiet before the caller answers; a second, as people leave.</summary>
    public TimeSpan AnswerGap { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>When each line was spoken, relative to <see cref="RunAsync"/>'s start.</summary>
    public IReadOnlyList<(CallerLine Line, TimeSpan Start, TimeSpan End)> Spoken => _spoken;

    /// <summary>
    /// For each line the agent answered: from the caller's last sound to the agent's first, as the caller hears it (to
    /// the 20 ms frame). This is the end-to-end latency a caller experiences; the session's own per-turn metrics start
    /// where its voice activity detector judged the speech to have stopped.
    /// </summary>
    public IReadOnlyList<TimeSpan> AnswerDelays => _answerDelays;

    /// <summary>Synthesises every line ahead of the call, so the caller never waits on its own voice.</summary>
    public async Task PrepareAsync(CancellationToken cancellationToken) => _lineAudio = [.. await SynthesizeLinesAsync(cancellationToken).ConfigureAwait(false)];

    /// <summary>Each line as the caller sends it: 8 kHz mu-law, its parts separated by the pause, line noise under all of it.</summary>
    public async Task<IReadOnlyList<byte[]>> SynthesizeLinesAsync(CancellationToken cancellationToken)
    {
        var lines = new byte[_script.Count][];
        for (var i = 0; i < _script.Count; i++)
        {
            var line = _script[i];
            var pcm = new List<short>();
            for (var part = 0; part < line.Parts.Count; part++)
            {
                if (part > 0)
                {
                    pcm.AddRange(new short[AudioFormat.Telephony.SampleRate * (int)line.PauseBetweenParts.TotalMilliseconds / 1000]);
                }

                pcm.AddRange(await SpeakAsync(line.Parts[part], cancellationToken).ConfigureAwait(false));
            }

            var samples = pcm.ToArray();
            for (var s = 0; s < samples.Length; s++)
            {
                samples[s] = (short)Math.Clamp(samples[s] + _noise[s % _noise.Length], short.MinValue, short.MaxValue);
            }

            lines[i] = new byte[samples.Length];
            MuLaw.Encode(samples, lines[i]);
        }

        return lines;
    }

    /// <summary>Plays the script; returns when the call has ended (the agent hung up) or fails if the agent stops answering.</summary>
    /// <exception cref="TimeoutException">The agent did not speak, or did not hang up, within 30 s of being expected to.</exception>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (_lineAudio.Length != _script.Count)
        {
            await PrepareAsync(cancellationToken).ConfigureAwait(false);
        }

        var clock = Stopwatch.StartNew();
        long frame = 0;
        var noiseOffset = 0;
        TimeSpan? awaitingAnswerSince = null;
        var agentQuietSinceLine = false;

        // Sends frames in real time, speech first if any, until the condition holds (checked every frame).
        async Task SendUntilAsync(Func<bool> done, byte[]? speech, string waitingFor)
        {
            var speechOffset = 0;
            var started = clock.Elapsed;
            while (!_transport.IsEnded)
            {
                var speaking = speech is not null && speechOffset < speech.Length;
                if (!speaking && done())
                {
                    return;
                }

                if (speech is null && clock.Elapsed - started > s_waitLimit)
                {
                    throw new TimeoutException($"The simulated caller waited {s_waitLimit.TotalSeconds:0} s for the agent ({waitingFor}).");
                }

                var wait = TimeSpan.FromMilliseconds(frame * FrameMilliseconds) - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                }

                ReadOnlySpan<byte> audio;
                if (speaking)
                {
                    var length = Math.Min(_frameBytes, speech!.Length - speechOffset);
                    audio = speech.AsSpan(speechOffset, length);
                    speechOffset += length;
                }
                else
                {
                    audio = _noiseMuLaw.AsSpan(noiseOffset, _frameBytes);
                    noiseOffset = (noiseOffset + _frameBytes) % (_noiseMuLaw.Length - _frameBytes);
                }

                _transport.SendCallerAudio(audio);
                frame++;
                NoteAnswer();
            }
        }

        // The answer to a line is the first agent audio after the line ended and the agent had gone quiet.
        void NoteAnswer()
        {
            if (awaitingAnswerSince is not { } since)
            {
                return;
            }

            if (!_transport.IsPlaying)
            {
                agentQuietSinceLine = true;
            }
            else if (agentQuietSinceLine)
            {
                _answerDelays.Add(clock.Elapsed - since);
                awaitingAnswerSince = null;
            }
        }

        for (var i = 0; i < _script.Count && !_transport.IsEnded; i++)
        {
            var line = _script[i];
            var playedBefore = _transport.PlayedDuration;
            if (line.Cue.AgentAudible is { } audible)
            {
                await SendUntilAsync(() => _transport.PlayedDuration - playedBefore >= audible, null, $"{audible.TotalSeconds:0.0} s of speech to talk over").ConfigureAwait(false);
            }
            else
            {
                var quietSince = clock.Elapsed;
                var heard = false;
                await SendUntilAsync(
                    () =>
                    {
                        if (_transport.IsPlaying)
                        {
                            heard = true;
                            quietSince = clock.Elapsed;
                        }

                        return heard && clock.Elapsed - quietSince >= AnswerGap;
                    },
                    null,
                    "a reply").ConfigureAwait(false);
            }

            var start = clock.Elapsed;
            await SendUntilAsync(() => true, _lineAudio[i], "nothing").ConfigureAwait(false);
            _spoken.Add((line, start, clock.Elapsed));
            awaitingAnswerSince = clock.Elapsed - TrailingQuiet(_lineAudio[i]);
            agentQuietSinceLine = false;
        }

        // Stay on the line (line noise) until the agent says goodbye and hangs up.
        await SendUntilAsync(() => _transport.IsEnded, null, "the hang-up").ConfigureAwait(false);
    }

    /// <summary>How long the line's audio ends in near-silence (the synthesiser's tail): the caller stopped before it.</summary>
    private static TimeSpan TrailingQuiet(byte[] muLaw)
    {
        const int quiet = 200; // well above the line noise (±18), well below speech
        var end = muLaw.Length;
        while (end > 0 && Math.Abs((int)MuLaw.DecodeSample(muLaw[end - 1])) < quiet)
        {
            end--;
        }

        return AudioFormat.Telephony.DurationOf(muLaw.Length - end);
    }

    private async Task<short[]> SpeakAsync(string text, CancellationToken cancellationToken)
    {
        var format = _voice.SelectOutputFormat(AudioFormat.Telephony);
        var stream = await _voice.StartAsync(format, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var collected = new List<byte>();
            var reader = Task.Run(
                async () =>
                {
                    await foreach (var chunk in stream.ReadAudioAsync(cancellationToken).ConfigureAwait(false))
                    {
                        collected.AddRange(chunk.Audio.Span);
                    }
                },
                cancellationToken);
            await stream.SendTextAsync(text, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            await reader.ConfigureAwait(false);

            var pcm = AudioConverter.ConvertAll(collected.ToArray(), format, AudioFormat.Pcm16(AudioFormat.Telephony.SampleRate));
            return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, short>(pcm).ToArray();
        }
    }

    /// <summary>One second of quiet line noise (about −65 dBFS): what a phone line carries under and between words.</summary>
    private static short[] LineNoise(int sampleRate)
    {
        var noise = new short[sampleRate];
        uint state = 2463534242;
        for (var i = 0; i < noise.Length; i++)
        {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            noise[i] = (short)((int)(state % 37) - 18); // ±18 of 32768: about −65 dBFS RMS
        }

        return noise;
    }
}
