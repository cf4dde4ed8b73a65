using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using VoiceKit.Audio;
using VoiceKit.Deepgram;
using VoiceKit.ElevenLabs;

namespace VoiceKit.Benchmarks;

/// <summary>
/// The adapters' per-frame paths: one 20 ms phone frame sent to Deepgram (replay buffer and WebSocket send over loopback to
/// a sink that discards it), a Deepgram replay-buffer append on its own, and reading one ElevenLabs audio message (base64
/// audio and character alignment, 250 ms of phone audio). All must allocate nothing.
/// </summary>
[MemoryDiagnoser]
public class ProviderBenchmarks
{
    private readonly byte[] _frame = new byte[160];
    private TcpListener _server = null!;
    private Thread _sink = null!;
    private ISpeechToTextStream _stream = null!;
    private DeepgramReplayBuffer _replay = null!;
    private readonly ElevenLabsMessageParser _parser = new();
    private byte[] _elevenLabsMessage = null!;

    [GlobalSetup]
    public void Setup()
    {
        Random.Shared.NextBytes(_frame);
        // The sink is a bare TCP socket that answers the WebSocket upgrade and then reads and discards bytes on a thread of
        // its own, so nothing it does allocates: the figures are the adapter's alone.
        _server = new TcpListener(IPAddress.Loopback, 0);
        _server.Start();
        var port = ((IPEndPoint)_server.LocalEndpoint).Port;
        _sink = new Thread(Sink) { IsBackground = true };
        _sink.Start();

        var options = new DeepgramSpeechToTextOptions { ApiKey = "benchmark", Endpoint = new Uri($"ws://127.0.0.1:{port}"), KeepAliveInterval = TimeSpan.FromSeconds(5) };
        _stream = options.AsDeepgramSpeechToText().StartAsync(AudioFormat.Telephony).AsTask().GetAwaiter().GetResult();
        var audio = new byte[2000];
        Random.Shared.NextBytes(audio);
        const string Text = "Your parcel is on its way. ";
        var starts = string.Join(',', Enumerable.Range(0, Text.Length).Select(i => i * 9));
        var durations = string.Join(',', Enumerable.Repeat(9, Text.Length));
        var chars = string.Join(',', Text.Select(c => $"\"{c}\""));
        var alignment = $$"""{"chars":[{{chars}}],"charStartTimesMs":[{{starts}}],"charDurationsMs":[{{durations}}]}""";
        _elevenLabsMessage = System.Text.Encoding.UTF8.GetBytes($$"""{"audio":"{{Convert.ToBase64String(audio)}}","isFinal":null,"normalizedAlignment":{{alignment}},"alignment":{{alignment}}}""");
        _parser.Parse(_elevenLabsMessage, 0);

        _replay = new DeepgramReplayBuffer(limit: 30 * 8000);
        for (var i = 0; i < 1600; i++)
        {
            // Warm both rings to their steady size (30 s of phone audio).
            _replay.Append(_frame);
            _stream.SendAudioAsync(_frame).AsTask().GetAwaiter().GetResult();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stream.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _server.Stop();
        _sink.Join(TimeSpan.FromSeconds(5));
    }

    private void Sink()
    {
        try
        {
            using var client = _server.AcceptSocket();
            var buffer = new byte[64 * 1024];
            var request = "";
            while (!request.Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                request += System.Text.Encoding.ASCII.GetString(buffer, 0, client.Receive(buffer));
            }

            var key = request.Split("\r\n").First(l => l.StartsWith("Sec-WebSocket-Key:", StringComparison.OrdinalIgnoreCase))[18..].Trim();
            var accept = Convert.ToBase64String(System.Security.Cryptography.SHA1.HashData(System.Text.Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
            client.Send(System.Text.Encoding.ASCII.GetBytes($"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"));
            while (client.Receive(buffer) > 0)
            {
            }
        }
        catch (SocketException)
        {
        }
    }

    [Benchmark(Description = "Deepgram: send one 20 ms mu-law frame")]
    public ValueTask DeepgramSendFrame() => _stream.SendAudioAsync(_frame);

    [Benchmark(Description = "Deepgram: replay buffer append (20 ms)")]
    public void DeepgramReplayAppend() => _replay.Append(_frame);

    [Benchmark(Description = "ElevenLabs: read one audio message (250 ms, alignment)")]
    public int ElevenLabsParseAudioMessage() => _parser.Parse(_elevenLabsMessage, 0).AudioLength;
}
