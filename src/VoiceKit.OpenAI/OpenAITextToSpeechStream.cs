using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;

namespace VoiceKit.OpenAI;

/// <summary>
/// One reply's synthesis on OpenAI's <c>POST audio/speech</c>. Each segment of text is one request for raw 24 kHz PCM16.
/// Requests are pipelined: while one segment's audio streams, the next segment's request is already under way (at most
/// <see cref="Lookahead"/> at a time), but audio is delivered strictly in segment order, each chunk tagged with its
/// segment. Bodies are read as they arrive, never buffered whole; a byte that splits a sample across network chunks is
/// carried into the next chunk. An error status, an error body where audio was expected, a response cut off mid-stream
/// or a silent server fails the reply with a <see cref="VoiceProviderException"/> (transient for the last two).
/// <see cref="DisposeAsync"/> cancels every request in flight at once.
/// </summary>
internal sealed class OpenAITextToSpeechStream : ITextToSpeechStream
{
    /// <summary>Segments with a request in flight: the one being delivered and the next.</summary>
    internal const int Lookahead = 2;

    private const int ChunkBytes = 16 * 1024;

    private readonly OpenAIVoiceOptions _settings;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly List<Segment> _window = [];
    private readonly Channel<Segment> _segments = Channel.CreateUnbounded<Segment>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _lifetime = new();
    private int _nextIndex;
    private int _retries;
    private long _firstTextAt;
    private bool _firstAudioSeen;
    private bool _flushed;
    private bool _failed;
    private int _disposed;

    public OpenAITextToSpeechStream(OpenAIVoiceOptions settings, HttpClient http)
    {
        _settings = settings;
        _http = http;
        _time = settings.TimeProvider;
    }

    /// <summary>Requests sent again after a connection failure before any response.</summary>
    internal int Retries => Volatile.Read(ref _retries);

    public ValueTask SendTextAsync(string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (_flushed)
            {
                throw new InvalidOperationException("Text was sent after FlushAsync.");
            }

            var segment = new Segment(_nextIndex++, text);
            if (_firstTextAt == 0)
            {
                _firstTextAt = _time.GetTimestamp();
            }

            if (!_failed)
            {
                // After a failure the reader has already ended with the error; nothing more is spoken.
                _window.Add(segment);
                StartRequests();
                _segments.Writer.TryWrite(segment);
            }
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        lock (_gate)
        {
            _flushed = true;
        }

        _segments.Writer.TryComplete();
        return ValueTask.CompletedTask;
    }

    public async IAsyncEnumerable<SpeechAudio> ReadAudioAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var buffer = new byte[ChunkBytes];
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
        var finished = false;
        try
        {
            while (await _segments.Reader.WaitToReadAsync(stop.Token).ConfigureAwait(false))
            {
                if (!_segments.Reader.TryRead(out var segment))
                {
                    continue;
                }

                if (string.IsNullOrWhiteSpace(segment.Text))
                {
                    Complete(segment); // nothing to say
                    continue;
                }

                // Started when it entered the lookahead window, which it did before the reader could take it.
                var request = segment.Response ?? throw new InvalidOperationException("A speech segment reached the reader before its request was started.");
                using (var response = await request.WaitAsync(stop.Token).ConfigureAwait(false))
                {
                    await EnsureAudioAsync(response, stop.Token).ConfigureAwait(false);
                    var body = await response.Content.ReadAsStreamAsync(stop.Token).ConfigureAwait(false);
                    var carried = 0;
                    while (true)
                    {
                        var read = await ReadChunkAsync(body, buffer.AsMemory(carried), stop.Token).ConfigureAwait(false);
                        if (read == 0)
                        {
                            break;
                        }

                        var total = carried + read;
                        var whole = total & ~1;
                        if (whole > 0)
                        {
                            RecordFirstAudio();
                            yield return new SpeechAudio(buffer.AsMemory(0, whole), segment.Index);
                        }

                        carried = total - whole;
                        if (carried == 1)
                        {
                            buffer[0] = buffer[whole];
                        }
                    }
                }

                Complete(segment);
            }

            finished = true;
        }
        finally
        {
            if (!finished)
            {
                // Failed, cancelled (barge-in) or abandoned: stop every request still in flight.
                Abandon();
            }
        }
    }

    /// <summary>Cancels every request in flight at once and waits only for the cancellations to land; never for the provider.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Segment[] pending;
        lock (_gate)
        {
            _failed = true;
            _flushed = true;
            pending = [.. _window];
            _window.Clear();
        }

        _segments.Writer.TryComplete();
        await _lifetime.CancelAsync().ConfigureAwait(false);
        foreach (var segment in pending)
        {
            if (segment.Response is { } response)
            {
                await ((Task)response).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (response.IsCompletedSuccessfully)
                {
                    response.Result.Dispose();
                }
            }
        }
    }

    /// <summary>Starts the requests of the first <see cref="Lookahead"/> segments not yet delivered. Called under the lock.</summary>
    private void StartRequests()
    {
        if (_failed || _lifetime.IsCancellationRequested)
        {
            return;
        }

        for (var i = 0; i < Math.Min(Lookahead, _window.Count); i++)
        {
            var segment = _window[i];
            if (!segment.Started)
            {
                segment.Started = true;
                if (!string.IsNullOrWhiteSpace(segment.Text))
                {
                    segment.Response = RequestAsync(segment.Text, _lifetime.Token);
                }
            }
        }
    }

    private void Complete(Segment segment)
    {
        lock (_gate)
        {
            _window.Remove(segment);
            StartRequests();
        }
    }

    private void Abandon()
    {
        lock (_gate)
        {
            _failed = true;
        }

        try
        {
            _lifetime.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Sends one segment's request and returns at its response headers. A connection failure before any response is tried once more.</summary>
    private async Task<HttpResponseMessage> RequestAsync(string text, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(
            new SpeechRequest
            {
                Model = _settings.SpeechModel,
                Input = text,
                Voice = _settings.Voice,
                Instructions = string.IsNullOrWhiteSpace(_settings.SpeechInstructions) ? null : _settings.SpeechInstructions,
                Speed = _settings.SpeechSpeed,
            },
            OpenAIJsonContext.Default.SpeechRequest);
        for (var attempt = 0; ; attempt++)
        {
            using var timeout = new CancellationTokenSource(_settings.RequestTimeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            using var request = OpenAIHttp.CreateRequest(HttpMethod.Post, "audio/speech", _settings);
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            try
            {
                return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            }
            catch (HttpRequestException) when (attempt == 0 && !cancellationToken.IsCancellationRequested)
            {
                Interlocked.Increment(ref _retries);
                OpenAITelemetry.Metrics.RecordReconnect(ProviderMetrics.TextToSpeech);
            }
            catch (HttpRequestException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new VoiceProviderException("Could not reach OpenAI for speech.", OpenAIHttp.Provider, isTransient: true, innerException: ex);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new VoiceProviderException($"OpenAI did not answer a speech request within {_settings.RequestTimeout.TotalSeconds:0.#} s.", OpenAIHttp.Provider, isTransient: true, innerException: ex);
            }
        }
    }

    /// <summary>
    /// Throws unless the response carries audio: an error status, or a 200 with a JSON or text body (an error where audio
    /// was expected). An error body is read under the same silence timeout as audio, so a server that sends an error
    /// status and then stalls fails the reply instead of hanging it.
    /// </summary>
    private async Task EnsureAudioAsync(HttpResponseMessage response, CancellationToken stop)
    {
        var media = response.Content.Headers.ContentType?.MediaType;
        var errorBody = media is not null && (media.StartsWith("text/", StringComparison.OrdinalIgnoreCase) || media.Contains("json", StringComparison.OrdinalIgnoreCase));
        if (response.IsSuccessStatusCode && !errorBody)
        {
            return;
        }

        using var idle = new CancellationTokenSource(_settings.RequestTimeout, _time);
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(stop, idle.Token);
        if (!response.IsSuccessStatusCode)
        {
            Exception error;
            try
            {
                error = await OpenAIHttp.ReadErrorAsync(response, "speech", _settings, reading.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!stop.IsCancellationRequested)
            {
                error = OpenAIHttp.ErrorFromBody(response.StatusCode, [], "speech", _settings);
            }

            throw error;
        }

        byte[] body;
        try
        {
            body = await OpenAIHttp.ReadBoundedAsync(response.Content, 16 * 1024, reading.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException || (ex is OperationCanceledException && !stop.IsCancellationRequested))
        {
            body = [];
        }

        var (message, code) = OpenAIHttp.ParseError(body);
        throw new VoiceProviderException(
            message is null
                ? $"OpenAI sent {media} where PCM audio was expected, and it is not an OpenAI error body."
                : $"OpenAI sent an error where audio was expected{(code is null ? string.Empty : " (" + code + ")")}: {message}",
            OpenAIHttp.Provider,
            code);
    }

    /// <summary>
    /// Reads the next piece of a body, failing with a transient provider error if it is cut off or goes silent. The
    /// silence clock runs only during the read: time the caller spends between reads (playing audio, or waiting for the
    /// language model's next clause) is not the server's silence.
    /// </summary>
    private async ValueTask<int> ReadChunkAsync(Stream body, Memory<byte> into, CancellationToken stop)
    {
        using var idle = new CancellationTokenSource(_settings.RequestTimeout, _time);
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(stop, idle.Token);
        try
        {
            return await body.ReadAsync(into, reading.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!stop.IsCancellationRequested)
        {
            throw new VoiceProviderException($"OpenAI stopped sending speech audio for {_settings.RequestTimeout.TotalSeconds:0.#} s.", OpenAIHttp.Provider, isTransient: true, innerException: ex);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException && !stop.IsCancellationRequested)
        {
            throw new VoiceProviderException("The OpenAI speech response was cut off mid-stream.", OpenAIHttp.Provider, isTransient: true, innerException: ex);
        }
    }

    private void RecordFirstAudio()
    {
        if (!_firstAudioSeen)
        {
            _firstAudioSeen = true;
            OpenAITelemetry.Metrics.RecordFirstResult(ProviderMetrics.TextToSpeech, _time.GetElapsedTime(Volatile.Read(ref _firstTextAt)));
        }
    }

    /// <summary>One segment of text, its number, and its request once started.</summary>
    private sealed class Segment(int index, string text)
    {
        public int Index { get; } = index;

        public string Text { get; } = text;

        public bool Started { get; set; }

        public Task<HttpResponseMessage>? Response { get; set; }
    }
}
