using System.Net;
using System.Net.Sockets;
using VoiceKit.Audio;

namespace VoiceKit.Deepgram.Tests;

/// <summary>A server that accepts TCP but never answers the WebSocket upgrade must fail the start, not hang the call.</summary>
[CancelAfter(10_000)]
public sealed class DeepgramConnectTests
{
    [Test]
    public void SpeechToText_ASilentServer_FailsTheStartWithATransientTimeout()
    {
        using var silent = new SilentServer();
        var stt = new DeepgramSpeechToTextOptions { ApiKey = "k", Endpoint = silent.Endpoint, ConnectTimeout = TimeSpan.FromMilliseconds(300) }.AsDeepgramSpeechToText();

        var thrown = Assert.ThrowsAsync<VoiceProviderException>(async () => await stt.StartAsync(AudioFormat.Telephony));

        Assert.That((thrown!.Provider, thrown.ErrorCode, thrown.IsTransient), Is.EqualTo(("deepgram", "timeout", true)));
        Assert.That(thrown.Message, Does.Contain("speech-to-text").And.Contain("0.3 s"));
    }

    [Test]
    public async Task TextToSpeech_ASilentServer_FailsTheStartWithATransientTimeout()
    {
        using var silent = new SilentServer();
        var tts = new DeepgramTextToSpeechOptions { ApiKey = "k", Endpoint = silent.Endpoint, ConnectTimeout = TimeSpan.FromMilliseconds(300) }.AsDeepgramTextToSpeech();
        try
        {
            var thrown = Assert.ThrowsAsync<VoiceProviderException>(async () => await tts.StartAsync(AudioFormat.Telephony));
            Assert.That((thrown!.ErrorCode, thrown.IsTransient), Is.EqualTo(("timeout", true)));
        }
        finally
        {
            await ((IAsyncDisposable)tts).DisposeAsync();
        }
    }

    [Test]
    public void Options_RejectANonPositiveConnectTimeout()
    {
        Assert.That(() => new DeepgramSpeechToTextOptions { ApiKey = "k", ConnectTimeout = TimeSpan.Zero }.AsDeepgramSpeechToText(),
            Throws.InvalidOperationException.With.Message.Contains("ConnectTimeout"));
        Assert.That(() => new DeepgramTextToSpeechOptions { ApiKey = "k", ConnectTimeout = TimeSpan.Zero }.AsDeepgramTextToSpeech(),
            Throws.InvalidOperationException.With.Message.Contains("ConnectTimeout"));
    }

    /// <summary>Accepts connections and never says a word.</summary>
    private sealed class SilentServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly List<Socket> _accepted = [];

        public SilentServer()
        {
            _listener.Start();
            _ = AcceptAsync();
        }

        public Uri Endpoint => new($"ws://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

        public void Dispose()
        {
            _listener.Stop();
            lock (_accepted)
            {
                _accepted.ForEach(s => s.Dispose());
            }
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var socket = await _listener.AcceptSocketAsync();
                    lock (_accepted)
                    {
                        _accepted.Add(socket);
                    }
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
            }
        }
    }
}
