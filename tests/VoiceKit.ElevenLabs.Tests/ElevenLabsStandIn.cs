using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using VoiceKit.Audio;
using VoiceKit.Conformance;

namespace VoiceKit.ElevenLabs.Tests;

/// <summary>A text frame the adapter sent, and on which connection (numbered from 0 in the order they were accepted).</summary>
internal sealed record StandInFrame(int Connection, string Text);

/// <summary>One WebSocket upgrade request, accepted or not.</summary>
internal sealed record StandInUpgrade(string RawUrl, IReadOnlyDictionary<string, string> Headers);

/// <summary>
/// A local ElevenLabs <c>/v1/text-to-speech/{voice_id}/stream-input</c> stand-in on 127.0.0.1 (HttpListener), following
/// protocols.md §3 and the §6 checklist:
/// <list type="bullet">
/// <item>the upgrade needs the <c>xi-api-key</c> header (HTTP 401 otherwise);</item>
/// <item>the first message must have <c>text</c> equal to <c>" "</c> (else an <c>invalid_input_message</c> error and close 1008);</item>
/// <item>text is buffered and spoken (with <see cref="ScriptedVoice"/>, in the <c>output_format</c> asked for) when the buffer
/// reaches the next <c>chunk_length_schedule</c> entry, or at once on <c>flush</c> (or <c>try_trigger_generation</c> with at
/// least <see cref="TryTriggerMinimum"/> characters, a minimum the docs do not give);</item>
/// <item>audio goes out as <c>{"audio":b64,"isFinal":null,"normalizedAlignment":{..},"alignment":{..}}</c>, at most
/// <see cref="CharactersPerAudioMessage"/> characters a message, alignment times relative to the message (8 ms a character);</item>
/// <item><c>{"isFinal":true}</c> only after the end of input <c>{"text":""}</c>, then close 1000;</item>
/// <item>no text for the inactivity timeout: an <c>input_timeout_exceeded</c> error, then close 1008.</item>
/// </list>
/// It can drop a connection after some audio bytes (abort, or close 1011), send one malformed message instead of audio,
/// leave alignment out, hold back each reply's first audio (a slow first byte), leave out <c>isFinal</c> (a server that
/// goes silent after the end of input) and leave upgrade requests unanswered; it records every upgrade request and every
/// frame, and counts open connections.
/// </summary>
internal sealed class ElevenLabsStandIn : LoopbackHttpServer
{
    /// <summary>The characters <c>try_trigger_generation</c> needs before it generates (a stand-in choice; NOT FOUND in the docs).</summary>
    public const int TryTriggerMinimum = 50;

    private static readonly int[] s_defaultSchedule = [120, 160, 250, 290];

    private readonly string _apiKey;
    private int _accepted;
    private int _dropAfterAudioBytes;
    private int _malformedNext;
    private int _stallUpgrades;

    public ElevenLabsStandIn(string apiKey)
    {
        _apiKey = apiKey;
        Start();
    }

    public Uri Endpoint => new($"ws://127.0.0.1:{Port}");

    /// <summary>Connections accepted so far.</summary>
    public int AcceptedConnections => Volatile.Read(ref _accepted);

    /// <summary>Every upgrade request, in order, including refused ones.</summary>
    public ConcurrentQueue<StandInUpgrade> Upgrades { get; } = new();

    /// <summary>Every text frame the adapter sent, in the order received.</summary>
    public ConcurrentQueue<StandInFrame> Frames { get; } = new();

    /// <summary>Audio messages sent, on all connections.</summary>
    public int AudioMessages => Volatile.Read(ref _audioMessages);

    private int _audioMessages;

    /// <summary>The most characters spoken in one audio message.</summary>
    public int CharactersPerAudioMessage { get; set; } = 10;

    /// <summary>Whether audio messages carry alignment (else <c>"alignment":null</c>).</summary>
    public bool SendAlignment { get; set; } = true;

    /// <summary>The audio message (numbered from 0 on each connection) that goes with <c>"alignment":null</c> while the others carry it; -1 for none.</summary>
    public int OmitAlignmentOnMessage { get; set; } = -1;

    /// <summary>Overrides the <c>inactivity_timeout</c> query value, so tests need not wait whole seconds.</summary>
    public TimeSpan? InactivityTimeout { get; set; }

    /// <summary>When above zero, the next connection to send this many audio bytes is dropped right after (once).</summary>
    public int DropAfterAudioBytes
    {
        get => Volatile.Read(ref _dropAfterAudioBytes);
        set => Volatile.Write(ref _dropAfterAudioBytes, value);
    }

    /// <summary>How a drop happens: an abort (TCP reset, no close frame) or, when false, a close 1011.</summary>
    public bool DropByAbort { get; set; }

    /// <summary>When set, the next audio message (on any connection) is replaced by truncated JSON (once).</summary>
    public bool MalformedNext
    {
        get => Volatile.Read(ref _malformedNext) != 0;
        set => Volatile.Write(ref _malformedNext, value ? 1 : 0);
    }

    /// <summary>
    /// How long each connection waits before its first audio message (a slow first byte: a loaded model, a cold voice).
    /// Read when that audio is due, so a test can change it between replies. Meanwhile the connection reads nothing.
    /// </summary>
    public TimeSpan FirstAudioDelay { get; set; }

    /// <summary>When set, the end of input gets its audio but no <c>{"isFinal":true}</c> and no close: a server gone silent.</summary>
    public bool OmitFinal { get; set; }

    /// <summary>The next this-many upgrade requests get no answer at all (until the stand-in is disposed).</summary>
    public int StallUpgrades
    {
        get => Volatile.Read(ref _stallUpgrades);
        set => Volatile.Write(ref _stallUpgrades, value);
    }

    /// <summary>The text frames connection <paramref name="connection"/> received.</summary>
    public string[] FramesOf(int connection) => [.. Frames.Where(f => f.Connection == connection).Select(f => f.Text)];

    /// <summary>Waits until a frame matching <paramref name="match"/> has arrived (polling the record), or fails with a TimeoutException.</summary>
    public async Task<StandInFrame> WaitForFrameAsync(Func<StandInFrame, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(5));
        while (true)
        {
            if (Frames.FirstOrDefault(match) is { } frame)
            {
                return frame;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The stand-in did not receive the expected frame.");
            }

            await Task.Delay(10);
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds (polling, see <see cref="Eventually.HoldsAsync"/>), or fails the test.</summary>
    public static Task WaitUntilAsync(Func<bool> condition, TimeSpan? timeout = null) =>
        Eventually.HoldsAsync(condition, timeout ?? TimeSpan.FromSeconds(5), "the condition did not become true in time");

    protected override async Task OnRequestAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var headers = request.Headers.AllKeys.ToDictionary(k => k!, k => request.Headers[k]!, StringComparer.OrdinalIgnoreCase);
        Upgrades.Enqueue(new StandInUpgrade(request.RawUrl ?? string.Empty, headers));
        if (Interlocked.Decrement(ref _stallUpgrades) >= 0)
        {
            Stall(context); // Accepted over TCP, never answered.
            return;
        }

        Interlocked.Exchange(ref _stallUpgrades, 0);
        var path = request.Url!.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (path is not ["v1", "text-to-speech", _, "stream-input"] || !request.IsWebSocketRequest)
        {
            await RefuseAsync(context, 404, """{"detail":{"status":"not_found","message":"Not found"}}""");
            return;
        }

        if (request.Headers["xi-api-key"] != _apiKey)
        {
            // The body's shape is ElevenLabs' REST error shape; what the WebSocket upgrade returns is not documented.
            await RefuseAsync(context, 401, """{"detail":{"status":"invalid_api_key","message":"Invalid API key"}}""");
            return;
        }

        if (await AcceptWebSocketAsync(context) is not { } socket)
        {
            return;
        }

        var index = Interlocked.Increment(ref _accepted) - 1;
        var query = System.Web.HttpUtility.ParseQueryString(request.Url.Query);
        Serve(socket, () => HandleAsync(context, socket, index, query["output_format"], query["inactivity_timeout"]));
    }

    private async Task HandleAsync(HttpListenerContext context, WebSocket socket, int index, string? outputFormat, string? inactivitySeconds)
    {
        var connection = new Connection(socket, context, FormatOf(outputFormat));
        var timeout = InactivityTimeout ?? TimeSpan.FromSeconds(double.Parse(inactivitySeconds ?? "20", CultureInfo.InvariantCulture));
        var lastReceived = DateTime.UtcNow;
        try
        {
            while (true)
            {
                var receive = ReceiveMessageAsync(socket);
                while (!receive.IsCompleted)
                {
                    var remaining = timeout - (DateTime.UtcNow - lastReceived);
                    if (connection.Closed || remaining <= TimeSpan.Zero)
                    {
                        if (!connection.Closed)
                        {
                            var seconds = timeout.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
                            await connection.FailAsync(
                                $$"""{"message":"Have not received a new text input within the timeout of {{seconds}} seconds. Streaming input terminated. Please make sure to either feed the input in the timely manner, or to send the end of input text (empty string \"\") when done.","error":"input_timeout_exceeded","code":1008}""",
                                "input_timeout_exceeded");
                        }

                        await receive;
                        break;
                    }

                    await Task.WhenAny(receive, Task.Delay(remaining, Stopping));
                }

                var (type, data) = await receive;
                if (type == WebSocketMessageType.Close)
                {
                    if (socket.State == WebSocketState.CloseReceived)
                    {
                        await connection.CloseAsync(WebSocketCloseStatus.NormalClosure, null);
                    }

                    context.Response.Abort(); // Hang up once the close handshake is done, as a real server does.
                    return;
                }

                lastReceived = DateTime.UtcNow;
                var text = Encoding.UTF8.GetString(data);
                Frames.Enqueue(new StandInFrame(index, text));
                if (!connection.Closed)
                {
                    await OnMessageAsync(connection, text);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or HttpListenerException)
        {
        }
    }

    private async Task OnMessageAsync(Connection connection, string text)
    {
        JsonNode? message;
        try
        {
            message = JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            message = null;
        }

        var said = message is JsonObject o && o["text"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        if (!connection.Initialised)
        {
            if (said != " ")
            {
                await connection.FailAsync("""{"message":"Could not parse input message. The first message must have text equal to a single space \" \".","error":"invalid_input_message","code":1008}""", "invalid_input_message");
                return;
            }

            connection.Initialised = true;
            if (message!["generation_config"]?["chunk_length_schedule"] is JsonArray schedule)
            {
                connection.Schedule = [.. schedule.Select(n => n!.GetValue<int>())];
            }

            return;
        }

        if (said is null)
        {
            await connection.FailAsync("""{"message":"Could not parse input message.","error":"invalid_input_message","code":1008}""", "invalid_input_message");
            return;
        }

        if (said.Length == 0)
        {
            // End of input: speak everything buffered, then isFinal, then close 1000.
            await GenerateAsync(connection);
            if (!connection.Closed && !OmitFinal)
            {
                await connection.SendAsync("""{"isFinal":true}""");
                await connection.CloseAsync(WebSocketCloseStatus.NormalClosure, null);
            }

            return;
        }

        connection.Buffer.Append(said);
        var flush = message!["flush"] is JsonValue f && f.GetValue<bool>();
        var trigger = message["try_trigger_generation"] is JsonValue t && t.GetValue<bool>();
        var threshold = connection.Schedule[Math.Min(connection.Generations, connection.Schedule.Length - 1)];
        if (flush || (trigger && connection.Buffer.Length >= TryTriggerMinimum) || connection.Buffer.Length >= threshold)
        {
            await GenerateAsync(connection);
        }
    }

    private async Task GenerateAsync(Connection connection)
    {
        var text = connection.Buffer.ToString();
        connection.Buffer.Clear();
        connection.Generations++;
        if (string.IsNullOrWhiteSpace(text))
        {
            return; // Keepalive spaces alone are not spoken.
        }

        for (var at = 0; at < text.Length && !connection.Closed; at += CharactersPerAudioMessage)
        {
            var slice = text.Substring(at, Math.Min(CharactersPerAudioMessage, text.Length - at));
            if (!connection.FirstAudioSent)
            {
                connection.FirstAudioSent = true;
                if (FirstAudioDelay > TimeSpan.Zero)
                {
                    await Task.Delay(FirstAudioDelay, Stopping);
                }
            }

            if (Interlocked.Exchange(ref _malformedNext, 0) != 0)
            {
                await connection.SendAsync("""{"audio":"AAAA","isFinal":nu""");
                continue;
            }

            var audio = ScriptedVoice.Synthesize(slice, connection.Format);
            var alignment = SendAlignment && connection.AudioMessagesSent != OmitAlignmentOnMessage ? Alignment(slice, connection.Format) : "null";
            connection.AudioMessagesSent++;
            await connection.SendAsync($$"""{"audio":"{{Convert.ToBase64String(audio)}}","isFinal":null,"normalizedAlignment":{{alignment}},"alignment":{{alignment}}}""");
            Interlocked.Increment(ref _audioMessages);
            connection.AudioBytesSent += audio.Length;
            var dropAfter = DropAfterAudioBytes;
            if (dropAfter > 0 && connection.AudioBytesSent >= dropAfter && Interlocked.CompareExchange(ref _dropAfterAudioBytes, 0, dropAfter) == dropAfter)
            {
                await connection.DropAsync(DropByAbort);
            }
        }
    }

    /// <summary>
    /// Alignment for one message: its characters, times from the start of this message's audio. Each character lasts
    /// exactly as long as <see cref="ScriptedVoice"/> made it (8 ms, rounded down to whole samples: 176 samples, not 176.4,
    /// at 22.05 kHz), so the times describe the audio sent, as a real server's do.
    /// </summary>
    private static string Alignment(string slice, AudioFormat format)
    {
        var milliseconds = ScriptedVoice.SamplesPerCharacter(format.SampleRate) * 1000.0 / format.SampleRate;
        var chars = string.Join(',', slice.Select(c => JsonSerializer.Serialize(c.ToString())));
        var starts = string.Join(',', Enumerable.Range(0, slice.Length).Select(i => Math.Round(i * milliseconds, 3).ToString(CultureInfo.InvariantCulture)));
        var durations = string.Join(',', Enumerable.Repeat(Math.Round(milliseconds, 3).ToString(CultureInfo.InvariantCulture), slice.Length));
        return $$"""{"chars":[{{chars}}],"charStartTimesMs":[{{starts}}],"charDurationsMs":[{{durations}}]}""";
    }

    private static AudioFormat FormatOf(string? outputFormat) => outputFormat switch
    {
        "ulaw_8000" => AudioFormat.Telephony,
        "alaw_8000" => AudioFormat.TelephonyALaw,
        ['p', 'c', 'm', '_', .. var rate] => AudioFormat.Pcm16(int.Parse(rate, CultureInfo.InvariantCulture)),
        _ => throw new InvalidOperationException($"The stand-in does not speak output_format={outputFormat}."),
    };

    /// <summary>One accepted socket's state. Sends are serialised; once the server has closed (or dropped) it, nothing more is sent.</summary>
    private sealed class Connection(WebSocket socket, HttpListenerContext context, AudioFormat format)
    {
        private readonly SemaphoreSlim _sendLock = new(1, 1);

        public AudioFormat Format { get; } = format;

        public bool Initialised { get; set; }

        public int[] Schedule { get; set; } = s_defaultSchedule;

        public StringBuilder Buffer { get; } = new();

        public int Generations { get; set; }

        public int AudioBytesSent { get; set; }

        public bool FirstAudioSent { get; set; }

        public int AudioMessagesSent { get; set; }

        public bool Closed { get; private set; }

        public async Task SendAsync(string json)
        {
            await _sendLock.WaitAsync();
            try
            {
                await socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, CancellationToken.None);
            }
            finally
            {
                _sendLock.Release();
            }
        }

        public async Task CloseAsync(WebSocketCloseStatus status, string? reason)
        {
            if (Closed)
            {
                return;
            }

            Closed = true;
            await _sendLock.WaitAsync();
            try
            {
                await socket.CloseOutputAsync(status, reason, CancellationToken.None);
            }
            finally
            {
                _sendLock.Release();
            }
        }

        /// <summary>An ElevenLabs error: the JSON message, then close 1008 with a reason (§3.3).</summary>
        public async Task FailAsync(string errorJson, string reason)
        {
            await SendAsync(errorJson);
            await CloseAsync(WebSocketCloseStatus.PolicyViolation, reason);
        }

        public async Task DropAsync(bool abort)
        {
            if (abort)
            {
                Closed = true;
                socket.Abort();
                context.Response.Abort(); // Resets the TCP connection: no close frame, as when a server process dies.
            }
            else
            {
                await CloseAsync(WebSocketCloseStatus.InternalServerError, "internal_server_error");
            }
        }
    }
}
