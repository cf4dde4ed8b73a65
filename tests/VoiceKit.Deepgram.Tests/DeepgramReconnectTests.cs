using System.Globalization;
using System.Net.WebSockets;
using VoiceKit.Audio;

namespace VoiceKit.Deepgram.Tests;

/// <summary>A dropped /v1/listen socket (1011, protocols.md §1.5) is replaced and the audio since the last final replayed.</summary>
[CancelAfter(15_000)]
public sealed class DeepgramReconnectTests
{
    private const string Key = "dg-test-key-0123456789";
    private const int ChunkBytes = 800; // 100 ms of 8 kHz mu-law
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    private static DeepgramSpeechToTextOptions Options(DeepgramStandIn server) => new()
    {
        ApiKey = Key,
        Endpoint = server.Endpoint,
        KeepAliveInterval = TimeSpan.FromSeconds(9),
    };

    private static byte[] Chunk(int index) => Enumerable.Range(0, ChunkBytes).Select(b => (byte)((index * 31) + b)).ToArray();

    private static string Final(double start, double duration, string text) => string.Create(
        CultureInfo.InvariantCulture,
        $$$"""{"type":"Results","channel_index":[0,1],"duration":{{{duration}}},"start":{{{start}}},"is_final":true,"speech_final":false,"channel":{"alternatives":[{"transcript":"{{{text}}}","confidence":0.9}]}}""");

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("Timed out waiting until " + what);
            }

            await Task.Delay(10);
        }
    }

    private static async Task<TranscriptUpdate> NextFinalAsync(IAsyncEnumerator<TranscriptUpdate> updates)
    {
        while (await updates.MoveNextAsync().AsTask().WaitAsync(Wait))
        {
            if (updates.Current.Kind == TranscriptUpdateKind.Final)
            {
                return updates.Current;
            }
        }

        throw new AssertionException("The update stream ended before a final arrived.");
    }

    [Test]
    public async Task Drop_ReplaysExactlyTheAudioSinceTheLastFinal_OnANewSocketWithTheSameUrlAndKey()
    {
        await using var server = new DeepgramStandIn(connections: 2, dropAfterAudioBytes: 5 * ChunkBytes);
        var stt = Options(server).AsDeepgramSpeechToText();
        await using var stream = (DeepgramSpeechToTextStream)await stt.StartAsync(AudioFormat.Telephony);
        await using var updates = stream.ReadUpdatesAsync().GetAsyncEnumerator();

        for (var i = 0; i < 3; i++)
        {
            await stream.SendAudioAsync(Chunk(i));
        }

        await server.SendTextAsync(Final(0.0, 0.2, "first two chunks")); // chunks 0 and 1 are done
        var first = await NextFinalAsync(updates);
        Assert.That(stream.ReplayBytes, Is.EqualTo(ChunkBytes), "the final releases the audio it covers");

        for (var i = 3; i < 7; i++)
        {
            await stream.SendAudioAsync(Chunk(i)); // the stand-in drops with 1011 after chunk 4; 5 and 6 race the reconnect
        }

        var second = await server.Reconnected.WaitAsync(Wait);
        var expected = Enumerable.Range(2, 5).SelectMany(Chunk).ToArray();
        await WaitUntilAsync(() => second.AudioLength >= expected.Length, "the new socket has the replayed audio");
        Assert.That(second.Audio, Is.EqualTo(expected), "the new socket gets exactly chunks 2..6: since the last final, plus what was sent meanwhile");

        await server.SendTextAsync(Final(0.0, 0.3, "chunks two to four"));
        var shifted = await NextFinalAsync(updates);

        Assert.Multiple(() =>
        {
            Assert.That(first.Start, Is.EqualTo(TimeSpan.Zero));
            Assert.That(shifted.Text, Is.EqualTo("chunks two to four"));
            Assert.That(shifted.Start, Is.EqualTo(TimeSpan.FromSeconds(0.2)), "the new socket's time starts where the replay starts");
            Assert.That(shifted.Duration, Is.EqualTo(TimeSpan.FromSeconds(0.3)));
            Assert.That(stream.ReplayBytes, Is.EqualTo(2 * ChunkBytes), "chunks 5 and 6 are not final yet");
            Assert.That(stream.Reconnects, Is.EqualTo(1));
            Assert.That(server.RawUrls.Distinct().Count(), Is.EqualTo(1), "the same URL");
            Assert.That(server.Authorizations, Is.EqualTo(new[] { "Token " + Key, "Token " + Key }));
        });
    }

    [Test]
    public async Task Drop_MidUtterance_LosesNoWords_AndDuplicatesNone()
    {
        const int Chunks = 10;
        await using var server = new DeepgramStandIn(connections: 2, dropAfterAudioBytes: 3 * ChunkBytes, finalPerFrame: true);
        var stt = Options(server).AsDeepgramSpeechToText();
        var stream = (DeepgramSpeechToTextStream)await stt.StartAsync(AudioFormat.Telephony);
        var finals = new List<TranscriptUpdate>();
        var rest = new List<TranscriptUpdate>();
        try
        {
            await using var updates = stream.ReadUpdatesAsync().GetAsyncEnumerator();
            for (var i = 0; i < Chunks; i++)
            {
                await stream.SendAudioAsync(Enumerable.Repeat((byte)i, ChunkBytes).ToArray());
                await Task.Delay(5);
            }

            for (var i = 0; i < Chunks; i++)
            {
                finals.Add(await NextFinalAsync(updates));
            }

            await stream.DisposeAsync(); // CloseStream; the stand-in closes with 1000 and the update stream ends
            while (await updates.MoveNextAsync().AsTask().WaitAsync(Wait))
            {
                rest.Add(updates.Current);
            }
        }
        finally
        {
            await stream.DisposeAsync();
        }

        Assert.Multiple(() =>
        {
            Assert.That(finals.Select(f => f.Text), Is.EqualTo(Enumerable.Range(0, Chunks).Select(i => "w" + i)));
            Assert.That(finals.Select(f => f.Start!.Value.TotalSeconds), Is.EqualTo(Enumerable.Range(0, Chunks).Select(i => i * 0.1)).Within(1e-6));
            Assert.That(rest.Where(u => u.Kind == TranscriptUpdateKind.Final), Is.Empty, "no final is repeated");
            Assert.That(stream.Reconnects, Is.EqualTo(1));
            Assert.That(server.UpgradeRequests, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task Drop_WhenReconnectingIsRefused_EndsReadingWithTheCloseCode()
    {
        await using var server = new DeepgramStandIn(connections: 1, dropAfterAudioBytes: ChunkBytes);
        var stt = Options(server).AsDeepgramSpeechToText();
        await using var stream = (DeepgramSpeechToTextStream)await stt.StartAsync(AudioFormat.Telephony);

        await stream.SendAudioAsync(Chunk(0));

        var ex = Assert.ThrowsAsync<VoiceProviderException>(async () =>
        {
            using var timeout = new CancellationTokenSource(Wait);
            await foreach (var update in stream.ReadUpdatesAsync(timeout.Token))
            {
                Assert.That(update.Kind, Is.Not.EqualTo(TranscriptUpdateKind.Final));
            }
        });

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Message, Does.Contain("1011").And.Contain("NET-0001").And.Contain("Reconnecting failed"));
            Assert.That(ex.Message, Does.Not.Contain(Key));
            Assert.That(stream.Reconnects, Is.Zero);
            Assert.That(server.UpgradeRequests, Is.EqualTo(4), "the first connection and three refused attempts");
            Assert.That(async () => await stream.SendAudioAsync(Chunk(1)), Throws.InstanceOf<VoiceProviderException>());
        });
        Assert.That(server.AllFrames.Count(f => f.Type == WebSocketMessageType.Binary), Is.EqualTo(1));
    }
}
