using System.Buffers.Text;
using System.Text;
using BenchmarkDotNet.Attributes;
using VoiceKit.Twilio;

namespace VoiceKit.Benchmarks;

/// <summary>
/// The Twilio transport's per-frame paths: reading one inbound <c>media</c> message (a real-shaped 20 ms message, its
/// base64 payload decoded into a frame buffer) and writing one outbound <c>media</c> message. Both must allocate nothing.
/// </summary>
[MemoryDiagnoser]
public class TwilioBenchmarks
{
    private const string StreamSid = "MZ18ad3ab5a668481ce02b83e7395059f0";
    private readonly byte[] _scratch = new byte[4096];
    private readonly byte[] _frame = new byte[160];
    private readonly byte[] _agentAudio = new byte[160];
    private byte[] _inbound = null!;
    private byte[] _streamSid = null!;
    private TwilioOutboundMessages _outbound = null!;

    [GlobalSetup]
    public void Setup()
    {
        var audio = new byte[160];
        Random.Shared.NextBytes(audio);
        Random.Shared.NextBytes(_agentAudio);
        _inbound = Encoding.UTF8.GetBytes(
            $$"""{"event":"media","sequenceNumber":"4","media":{"track":"inbound","chunk":"2","timestamp":"5","payload":"{{Convert.ToBase64String(audio)}}"},"streamSid":"{{StreamSid}}"}""");
        _streamSid = Encoding.UTF8.GetBytes(StreamSid);
        _outbound = new TwilioOutboundMessages(StreamSid, 160);
    }

    [GlobalCleanup]
    public void Cleanup() => _outbound.Dispose();

    [Benchmark(Description = "Twilio: read a 20 ms media message and decode its audio")]
    public int ReadMedia()
    {
        if (!TwilioInboundMessage.TryParse(_inbound, _streamSid, _scratch, out var message))
        {
            throw new InvalidOperationException("The benchmark message did not parse.");
        }

        Base64.DecodeFromUtf8(message.Payload.In(_inbound, _scratch), _frame, out _, out var written);
        return written;
    }

    [Benchmark(Description = "Twilio: write a 20 ms media message")]
    public int WriteMedia() => _outbound.Media(_agentAudio).Length;
}
