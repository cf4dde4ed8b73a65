using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using VoiceKit.Audio;

namespace VoiceKit.OpenAI;

/// <summary>
/// One call's recognition on OpenAI's streaming transcriptions. Caller audio is held until the session calls
/// <see cref="FinalizeAsync"/> (the turn engine heard the caller stop); that utterance then goes out as one request,
/// whose <c>transcript.text.delta</c> events become interim updates (restating the text so far) and whose
/// <c>transcript.text.done</c> becomes the final, with the endpoint flag. Utterances are transcribed one at a time, in
/// order, by one worker. A request that fails in transit (connection refused or reset, the response cut off, no byte for
/// <see cref="OpenAIVoiceOptions.RequestTimeout"/>, a 429 or 5xx) is sent again once with the same audio, so no words
/// are lost; anything else becomes an <see cref="TranscriptUpdateKind.Error"/> update and the next utterance goes on.
/// </summary>
internal sealed class OpenAISpeechToTextStream : ISpeechToTextStream
{
    /// <summary>Shorter utterances are not sent: a finalize right after the last one has nothing to transcribe.</summary>
    private const int MinUtteranceMilliseconds = 60;

    private readonly OpenAIVoiceOptions _settings;
    private readonly HttpClient _http;
    private readonly AudioFormat _format;
    private readonly TimeProvider _time;
    private readonly int _maxBytes;
    private readonly Lock _gate = new();
    private readonly Channel<Utterance> _utterances = Channel.CreateUnbounded<Utterance>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<TranscriptUpdate> _updates = Channel.CreateBounded<TranscriptUpdate>(
        new BoundedChannelOptions(256) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly CancellationTokenSource _lifetime = new();
    private readonly Task _worker;
    private byte[] _audio;
    private int _length;
    private int _disposed;

    public OpenAISpeechToTextStream(OpenAIVoiceOptions settings, HttpClient http, AudioFormat format)
    {
        _settings = settings;
        _http = http;
        _format = format;
        _time = settings.TimeProvider;
        _maxBytes = (int)Math.Min(format.BytesFor(settings.MaxUtterance), 20 << 20);
        _audio = new byte[format.BytesPer(5_000)];
        _worker = Task.Run(() => RunAsync(_lifetime.Token));
    }

    /// <summary>Requests sent again after a failure in transit.</summary>
    internal int Retries { get; private set; }

    public ValueTask SendAudioAsync(ReadOnlyMemory<byte> audio, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (_length + audio.Length > _audio.Length && _audio.Length < _maxBytes)
            {
                Array.Resize(ref _audio, Math.Min(_maxBytes, Math.Max(_audio.Length * 2, _length + audio.Length)));
            }

            var source = audio.Span;
            if (source.Length > _audio.Length)
            {
                source = source[^_audio.Length..];
            }

            if (_length + source.Length > _audio.Length)
            {
                // Longer than any utterance should be without a finalize: keep the most recent audio, whole samples.
                var drop = _length + source.Length - _audio.Length;
                drop = Math.Min(_length, drop + (drop % _format.BlockAlign));
                _audio.AsSpan(drop, _length - drop).CopyTo(_audio);
                _length -= drop;
            }

            source.CopyTo(_audio.AsSpan(_length));
            _length += source.Length;
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask FinalizeAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        byte[] pcm;
        lock (_gate)
        {
            if (_length < _format.BytesPer(MinUtteranceMilliseconds))
            {
                return ValueTask.CompletedTask;
            }

            pcm = _audio.AsSpan(0, _length - (_length % _format.BlockAlign)).ToArray();
            _length = 0;
        }

        _utterances.Writer.TryWrite(new Utterance(pcm, _time.GetTimestamp()));
        return ValueTask.CompletedTask;
    }

    public IAsyncEnumerable<TranscriptUpdate> ReadUpdatesAsync(CancellationToken cancellationToken = default) =>
        _updates.Reader.ReadAllAsync(cancellationToken);

    /// <summary>Stops at once: the request in flight is cancelled (its connection closed) and utterances not yet sent are dropped.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _utterances.Writer.TryComplete();
        await _lifetime.CancelAsync().ConfigureAwait(false);
        await _worker.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _updates.Writer.TryComplete();
        _lifetime.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        Exception? failure = null;
        try
        {
            await foreach (var utterance in _utterances.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await TranscribeAsync(utterance, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // Anything TranscribeAsync does not turn into an Error update ends recognition: the reader must see why,
            // not a stream that simply stops.
            failure = new VoiceProviderException("OpenAI transcription stopped: " + ex.Message, OpenAIHttp.Provider, innerException: ex);
        }
        finally
        {
            _updates.Writer.TryComplete(failure);
        }
    }

    /// <summary>Transcribes one utterance, sending it again once if the first attempt fails in transit.</summary>
    private async Task TranscribeAsync(Utterance utterance, CancellationToken cancellationToken)
    {
        var boundary = TranscriptionContent.NewBoundary();
        var body = TranscriptionContent.Build(_settings, _format, utterance.Pcm, boundary);
        for (var attempt = 0; ; attempt++)
        {
            var failure = await AttemptAsync(body, boundary, utterance, cancellationToken).ConfigureAwait(false);
            if (failure is null)
            {
                return;
            }

            if (attempt == 0 && failure.IsTransient)
            {
                Retries++;
                OpenAITelemetry.Metrics.RecordReconnect(ProviderMetrics.SpeechToText);
                continue;
            }

            await ReportAsync(failure, cancellationToken).ConfigureAwait(false);
            return;
        }
    }

    /// <summary>One request. Returns <see langword="null"/> when the utterance is settled (transcribed, or its error reported), or the failure.</summary>
    private async Task<VoiceProviderException?> AttemptAsync(byte[] body, string boundary, Utterance utterance, CancellationToken cancellationToken)
    {
        using var idle = new CancellationTokenSource(_settings.RequestTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, idle.Token);
        using var request = OpenAIHttp.CreateRequest(HttpMethod.Post, "audio/transcriptions", _settings);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        request.Content = TranscriptionContent.ToContent(body, boundary);
        var text = new StringBuilder();
        var malformed = false;
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var error = await OpenAIHttp.ReadErrorAsync(response, "transcription", _settings, linked.Token).ConfigureAwait(false);
                if (error is VoiceProviderException { IsTransient: true } transient)
                {
                    return transient;
                }

                await ReportAsync(error, cancellationToken).ConfigureAwait(false);
                return null;
            }

            if (response.Content.Headers.ContentType?.MediaType == "application/json")
            {
                // A server that does not stream (whisper-1, some compatible servers) answers with the whole transcript.
                var json = await OpenAIHttp.ReadBoundedAsync(response.Content, 1 << 20, linked.Token).ConfigureAwait(false);
                var whole = JsonSerializer.Deserialize(json, OpenAIJsonContext.Default.TranscriptionResponse);
                await FinalAsync(whole?.Text ?? string.Empty, whole, utterance, cancellationToken).ConfigureAwait(false);
                return null;
            }

            var stream = await response.Content.ReadAsStreamAsync(linked.Token).ConfigureAwait(false);
            await foreach (var item in SseParser.Create(stream).EnumerateAsync(linked.Token).ConfigureAwait(false))
            {
                idle.CancelAfter(_settings.RequestTimeout);
                if (item.Data == "[DONE]")
                {
                    break;
                }

                TranscriptionEvent? message;
                try
                {
                    message = JsonSerializer.Deserialize(item.Data, OpenAIJsonContext.Default.TranscriptionEvent);
                }
                catch (JsonException ex)
                {
                    malformed = true;
                    await ReportAsync(new VoiceProviderException("OpenAI sent a transcription event that is not valid JSON; it was skipped.", OpenAIHttp.Provider, innerException: ex), cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (message?.Error is { } streamError)
                {
                    await ReportAsync(OpenAIHttp.ErrorFromStream("transcription", streamError.Message, streamError.Code ?? streamError.Type, _settings), cancellationToken).ConfigureAwait(false);
                    return null;
                }

                switch (message?.Type)
                {
                    case "transcript.text.delta":
                        text.Append(message.Delta);
                        var soFar = text.ToString().Trim();
                        if (soFar.Length > 0)
                        {
                            await _updates.Writer.WriteAsync(new TranscriptUpdate(TranscriptUpdateKind.Interim, soFar) { RawRepresentation = message }, cancellationToken).ConfigureAwait(false);
                        }

                        break;
                    case "transcript.text.done":
                        await FinalAsync(message.Text ?? text.ToString(), message, utterance, cancellationToken).ConfigureAwait(false);
                        return null;
                    default:
                        break; // transcript.text.segment (diarization) and types added later
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new VoiceProviderException($"OpenAI sent nothing for {_settings.RequestTimeout.TotalSeconds:0.#} s during a transcription.", OpenAIHttp.Provider, isTransient: true);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
        {
            return new VoiceProviderException("The connection to OpenAI failed during a transcription.", OpenAIHttp.Provider, isTransient: true, innerException: ex);
        }
        catch (JsonException ex)
        {
            await ReportAsync(new VoiceProviderException("OpenAI sent a transcription response that is not valid JSON.", OpenAIHttp.Provider, innerException: ex), cancellationToken).ConfigureAwait(false);
            return null;
        }

        // The response ended without transcript.text.done. After a skipped malformed event that is already reported;
        // otherwise the response was cut short.
        return malformed ? null : new VoiceProviderException("OpenAI ended a transcription response before transcript.text.done.", OpenAIHttp.Provider, isTransient: true);
    }

    private async ValueTask FinalAsync(string text, object? raw, Utterance utterance, CancellationToken cancellationToken)
    {
        OpenAITelemetry.Metrics.RecordFirstResult(ProviderMetrics.SpeechToText, _time.GetElapsedTime(utterance.FinalizedAt));
        await _updates.Writer.WriteAsync(new TranscriptUpdate(TranscriptUpdateKind.Final, text.Trim(), IsEndpoint: true) { RawRepresentation = raw }, cancellationToken).ConfigureAwait(false);
    }

    private ValueTask ReportAsync(Exception error, CancellationToken cancellationToken) =>
        _updates.Writer.WriteAsync(new TranscriptUpdate(TranscriptUpdateKind.Error, error.Message) { RawRepresentation = error }, cancellationToken);

    /// <summary>An utterance cut by a finalize: its samples and when the finalize came (for the time-to-final metric).</summary>
    private sealed record Utterance(byte[] Pcm, long FinalizedAt);
}
