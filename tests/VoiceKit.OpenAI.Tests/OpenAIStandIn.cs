using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using VoiceKit.Audio;
using VoiceKit.Conformance;

namespace VoiceKit.OpenAI.Tests;

/// <summary>One request the stand-in received.</summary>
internal sealed record ReceivedRequest(string Method, string Path, string? Query, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string Text => Encoding.UTF8.GetString(Body);

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>One part of a multipart/form-data body.</summary>
internal sealed record FormPart(string Name, string? FileName, string? ContentType, byte[] Content)
{
    public string Text => Encoding.UTF8.GetString(Content);
}

/// <summary>
/// A local OpenAI on 127.0.0.1 (a small HTTP/1.1 server on a socket, so it can cut a response off mid-body) speaking the wire protocol of protocols.md §4.1-4.3: Bearer auth with the
/// vendor's 401 error body on every endpoint, <c>GET /v1/models/{model}</c>, chat completions replayed from a configured
/// SSE body, streaming transcriptions (the multipart body parsed for real, its WAV transcribed with a
/// <see cref="ScriptedRecognizer"/>, SSE in the recorded shape: CRLF, <c>data:</c> lines, usage in done, <c>[DONE]</c>),
/// and speech (<see cref="ScriptedVoice"/> at 24 kHz PCM16, chunked in several pieces). Failure behaviours are armed
/// one request at a time. Records every request and counts the ones still open.
/// </summary>
internal sealed class OpenAIStandIn : IAsyncDisposable
{
    public const string Key = "sk-test-key";
    public static readonly AudioFormat SpeechFormat = AudioFormat.Pcm24Khz;

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Task _loop;
    private readonly ConcurrentQueue<ReceivedRequest> _requests = new();
    private readonly ConcurrentBag<Task> _handlers = [];
    private readonly ConcurrentBag<Socket> _sockets = [];
    private readonly CancellationTokenSource _stopping = new();
    private int _open;
    private int _maxOpen;

    public OpenAIStandIn(ScriptedRecognizer? recognizer = null, string basePath = "/v1")
    {
        Recognizer = recognizer ?? new ScriptedRecognizer();
        _listener.Start();
        var port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        Endpoint = new Uri($"http://127.0.0.1:{port}{basePath}");
        BasePath = basePath;
        _loop = Task.Run(AcceptLoopAsync);
    }

    public Uri Endpoint { get; }

    public string BasePath { get; }

    public ScriptedRecognizer Recognizer { get; }

    public int OpenRequests => Volatile.Read(ref _open);

    public IReadOnlyList<ReceivedRequest> Requests => [.. _requests];

    public IEnumerable<ReceivedRequest> RequestsTo(string path) => _requests.Where(r => r.Path == BasePath + path);

    /// <summary>The status <c>GET /v1/models/{model}</c> answers with a good key; 404 models a server without the endpoint.</summary>
    public HttpStatusCode ModelsStatus { get; set; } = HttpStatusCode.OK;

    /// <summary>The body replayed for <c>POST /v1/chat/completions</c> (a recorded SSE file).</summary>
    public byte[] ChatBody { get; set; } = [];

    /// <summary>Audio bytes after which the next transcription or speech response is cut off (0: never). Fires once.</summary>
    public int DropAfterAudioBytes { get; set; }

    /// <summary>Sends one malformed event (transcription) or a JSON body where audio belongs (speech), once.</summary>
    public bool MalformedNext { get; set; }

    /// <summary>Delay before the first byte of each speech body.</summary>
    public TimeSpan SpeechFirstByteDelay { get; set; }

    /// <summary>Replayed as the next speech bodies instead of synthesised audio, when set.</summary>
    public byte[]? SpeechBody { get; set; }

    /// <summary>Bytes per chunk of a speech body.</summary>
    public int SpeechChunkBytes { get; set; } = 1001;

    /// <summary>Replayed as transcription bodies instead of transcribing, when set (a recorded SSE file).</summary>
    public byte[]? TranscriptionBody { get; set; }

    /// <summary>An error answered to the next transcription request: status, content type and body.</summary>
    public (HttpStatusCode Status, string ContentType, string Body)? TranscriptionError { get; set; }

    /// <summary>The most requests open at once since the stand-in started.</summary>
    public int MaxOpenRequests => Volatile.Read(ref _maxOpen);

    /// <summary>An error answered to the next speech request: status, content type and body.</summary>
    public (HttpStatusCode Status, string ContentType, string Body)? SpeechError { get; set; }

    /// <summary>The <see cref="SpeechError"/> is answered with its status and headers only; its body never comes (a stalled server).</summary>
    public bool SpeechErrorStallsBody { get; set; }

    /// <summary>Transcription requests that were dropped.</summary>
    public int Drops => Volatile.Read(ref _drops);

    private int _drops;

    public static string ErrorBody(string message, string type, string? code) =>
        "{\"error\":{\"message\":" + JsonSerializer.Serialize(message) + ",\"type\":\"" + type + "\",\"param\":null,\"code\":" + (code is null ? "null" : "\"" + code + "\"") + "}}";

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        foreach (var socket in _sockets)
        {
            socket.Dispose(); // idle keep-alive connections
        }

        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await Task.WhenAll(_handlers).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
    }

    /// <summary>Splits a multipart/form-data body on its boundary.</summary>
    public static List<FormPart> ParseMultipart(ReceivedRequest request)
    {
        var contentType = request.Header("Content-Type") ?? throw new InvalidDataException("No Content-Type.");
        Assert.That(contentType, Does.StartWith("multipart/form-data; boundary="));
        var boundary = contentType["multipart/form-data; boundary=".Length..].Trim('"');
        var delimiter = Encoding.ASCII.GetBytes("--" + boundary);
        var body = request.Body.AsSpan();
        var parts = new List<FormPart>();
        Assert.That(body.StartsWith(delimiter), Is.True, "the body starts with the boundary");
        var at = delimiter.Length;
        while (true)
        {
            if (body[at..].StartsWith("--\r\n"u8))
            {
                Assert.That(at + 4, Is.EqualTo(body.Length), "nothing after the closing boundary");
                return parts;
            }

            Assert.That(body[at..].StartsWith("\r\n"u8), Is.True, "CRLF after a boundary");
            at += 2;
            var headerEnd = body[at..].IndexOf("\r\n\r\n"u8);
            var headers = Encoding.ASCII.GetString(body.Slice(at, headerEnd)).Split("\r\n");
            at += headerEnd + 4;
            var next = body[at..].IndexOf([.. "\r\n"u8, .. delimiter]);
            var content = body.Slice(at, next).ToArray();
            at += next + 2 + delimiter.Length;
            string? name = null, fileName = null, type = null;
            foreach (var header in headers)
            {
                if (header.StartsWith("Content-Disposition: form-data", StringComparison.Ordinal))
                {
                    foreach (var parameter in header.Split("; ").Skip(1))
                    {
                        var (key, value) = (parameter[..parameter.IndexOf('=', StringComparison.Ordinal)], parameter[(parameter.IndexOf('=', StringComparison.Ordinal) + 1)..].Trim('"'));
                        if (key == "name")
                        {
                            name = value;
                        }
                        else if (key == "filename")
                        {
                            fileName = value;
                        }
                    }
                }
                else if (header.StartsWith("Content-Type: ", StringComparison.Ordinal))
                {
                    type = header["Content-Type: ".Length..];
                }
            }

            parts.Add(new FormPart(name ?? throw new InvalidDataException("A part without a name."), fileName, type, content));
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync();
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _sockets.Add(socket);
            _handlers.Add(Task.Run(() => ServeConnectionAsync(socket)));
        }
    }

    /// <summary>Serves the requests of one keep-alive connection, one after another, until the client closes it or a response is cut off.</summary>
    private async Task ServeConnectionAsync(Socket socket)
    {
        using var network = new NetworkStream(socket, ownsSocket: true);
        var reader = new HttpWireReader(network);
        try
        {
            while (await reader.ReadRequestAsync() is { } request)
            {
                _requests.Enqueue(request);
                var response = new StandInResponse(socket, network);
                var open = Interlocked.Increment(ref _open);
                for (var max = _maxOpen; open > max && Interlocked.CompareExchange(ref _maxOpen, open, max) != max; max = _maxOpen)
                {
                }

                try
                {
                    await HandleAsync(request, response);
                }
                finally
                {
                    Interlocked.Decrement(ref _open);
                }

                if (response.Aborted)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The client went away, or the stand-in is stopping.
        }
    }

    private async Task HandleAsync(ReceivedRequest request, StandInResponse response)
    {
        if (request.Header("Authorization") != "Bearer " + Key)
        {
            // OpenAI's answer to a bad key; this stand-in quotes the key in full, to prove adapters never repeat the message.
            var key = request.Header("Authorization")?.Replace("Bearer ", string.Empty, StringComparison.Ordinal) ?? string.Empty;
            await response.WriteAsync(HttpStatusCode.Unauthorized, "application/json", ErrorBody($"Incorrect API key provided: {key}. You can find your API key at https://platform.openai.com/account/api-keys.", "invalid_request_error", "invalid_api_key"));
            return;
        }

        var path = request.Path.StartsWith(BasePath, StringComparison.Ordinal) ? request.Path[BasePath.Length..] : request.Path;
        switch (request.Method, path)
        {
            case ("GET", _) when path.StartsWith("/models/", StringComparison.Ordinal):
                await response.WriteAsync(ModelsStatus, "application/json", ModelsStatus == HttpStatusCode.OK
                    ? $$"""{"id":"{{path["/models/".Length..]}}","object":"model","created":1712361441,"owned_by":"system"}"""
                    : ErrorBody("The model does not exist.", "invalid_request_error", "model_not_found"));
                break;
            case ("POST", "/chat/completions"):
                await response.WriteAsync(HttpStatusCode.OK, "text/event-stream; charset=utf-8", ChatBody);
                break;
            case ("POST", "/audio/transcriptions"):
                await TranscribeAsync(request, response);
                break;
            case ("POST", "/audio/speech"):
                await SpeakAsync(request, response);
                break;
            default:
                await response.WriteAsync(HttpStatusCode.NotFound, "application/json", ErrorBody($"Unknown request URL: {request.Method} {request.Path}.", "invalid_request_error", "unknown_url"));
                break;
        }
    }

    private async Task TranscribeAsync(ReceivedRequest request, StandInResponse response)
    {
        if (TranscriptionError is { } error)
        {
            TranscriptionError = null;
            await response.WriteAsync(error.Status, error.ContentType, error.Body);
            return;
        }

        if (TranscriptionBody is { } recorded)
        {
            await response.WriteAsync(HttpStatusCode.OK, "text/event-stream; charset=utf-8", recorded);
            return;
        }

        var parts = ParseMultipart(request);
        var wav = WavFile.Read(parts.Single(p => p.Name == "file").Content);
        Assert.That(wav.Format, Is.EqualTo(AudioFormat.Pcm16(8000)), "phone audio arrives as 8 kHz PCM16 WAV");
        var pcm = wav.Data.ToArray();
        var dropAt = DropAfterAudioBytes;
        var drop = dropAt > 0 && pcm.Length >= dropAt;
        if (drop)
        {
            DropAfterAudioBytes = 0;
            Interlocked.Increment(ref _drops);
        }

        // A dropped request is cut off having heard only the audio before the drop point.
        var words = Recognizer.RecognizePcm16(drop ? pcm.AsSpan(0, dropAt) : pcm);
        await response.StartChunkedAsync(HttpStatusCode.OK, "text/event-stream; charset=utf-8");
        var malformed = MalformedNext;
        MalformedNext = false;
        for (var i = 0; i < words.Count; i++)
        {
            var data = malformed && i == 0
                ? """{"type":"transcript.text.delta","delta":"""
                : $$"""{"type":"transcript.text.delta","delta":{{JsonSerializer.Serialize((i == 0 ? string.Empty : " ") + words[i])}}}""";
            await WriteEventAsync(response, data);
        }

        if (drop)
        {
            response.Abort(); // cut off before transcript.text.done, without the last chunk
            return;
        }

        var text = string.Join(' ', words);
        await WriteEventAsync(response, $$$"""{"type":"transcript.text.done","text":{{{JsonSerializer.Serialize(text)}}},"usage":{"type":"tokens","total_tokens":{{{words.Count + 17}}},"input_tokens":17,"input_token_details":{"text_tokens":0,"audio_tokens":17},"output_tokens":{{{words.Count}}}}}""");
        await WriteEventAsync(response, "[DONE]");
        await response.EndChunkedAsync();

        static Task WriteEventAsync(StandInResponse response, string data) => response.WriteChunkAsync(Encoding.UTF8.GetBytes("data: " + data + "\r\n\r\n"));
    }

    private async Task SpeakAsync(ReceivedRequest request, StandInResponse response)
    {
        if (SpeechError is { } error)
        {
            SpeechError = null;
            if (SpeechErrorStallsBody)
            {
                await response.StartChunkedAsync(error.Status, error.ContentType);
                await Task.Delay(Timeout.Infinite, _stopping.Token);
            }

            await response.WriteAsync(error.Status, error.ContentType, error.Body);
            return;
        }

        if (MalformedNext)
        {
            MalformedNext = false;
            await response.WriteAsync(HttpStatusCode.OK, "application/json", """{"error":{"message":"The server had an err""");
            return;
        }

        using var json = JsonDocument.Parse(request.Body);
        var audio = SpeechBody ?? ScriptedVoice.Synthesize(json.RootElement.GetProperty("input").GetString()!, SpeechFormat);
        var dropAt = DropAfterAudioBytes;
        DropAfterAudioBytes = 0;
        if (SpeechFirstByteDelay > TimeSpan.Zero)
        {
            await Task.Delay(SpeechFirstByteDelay, _stopping.Token);
        }

        await response.StartChunkedAsync(HttpStatusCode.OK, "audio/pcm");

        for (var at = 0; at < audio.Length; at += SpeechChunkBytes)
        {
            var length = Math.Min(SpeechChunkBytes, audio.Length - at);
            if (dropAt > 0 && at + length >= dropAt)
            {
                await response.WriteChunkAsync(audio.AsMemory(at, dropAt - at));
                Interlocked.Increment(ref _drops);
                response.Abort();
                return;
            }

            await response.WriteChunkAsync(audio.AsMemory(at, length));
        }

        await response.EndChunkedAsync();
    }
}
