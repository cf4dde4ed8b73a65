using System.Text;

namespace VoiceKit.OpenAI.Tests;

/// <summary>The watcher that turns a mid-stream <c>data: {"error":...}</c> into an exception, however the bytes are split.</summary>
[TestFixture]
[CancelAfter(10_000)]
public sealed class ServerSentErrorStreamTests
{
    [TestCase(1)]
    [TestCase(7)]
    [TestCase(4096)]
    public void Events_before_an_error_line_are_delivered_then_the_error_throws(int readSize)
    {
        var body = "data: {\"choices\":[]}\r\n\r\ndata: {\"note\":\"error\"}\n\ndata:  {\"error\":{\"message\":\"Overloaded\",\"type\":\"server_error\",\"code\":\"overloaded\"}}\n\n";
        using var stream = new ServerSentErrorStream(new MemoryStream(Encoding.UTF8.GetBytes(body)), new OpenAIVoiceOptions { ApiKey = "sk-x" });
        var delivered = new List<byte>();
        var buffer = new byte[readSize];
        var thrown = Assert.Throws<VoiceProviderException>(() =>
        {
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                delivered.AddRange(buffer.Take(read));
            }
        });

        Assert.That((thrown!.ErrorCode, thrown.Message.Contains("Overloaded", StringComparison.Ordinal)), Is.EqualTo(("overloaded", true)));
        Assert.That(Encoding.UTF8.GetString([.. delivered]), Does.StartWith("data: {\"choices\":[]}\r\n\r\ndata: {\"note\":\"error\"}\n\n"), "ordinary events pass through untouched");
    }

    [Test]
    public void A_stream_without_errors_passes_through_unchanged()
    {
        var body = "data: {\"id\":\"x\",\"choices\":[{\"delta\":{\"content\":\"error\"}}]}\n\ndata: [DONE]\n\n"u8.ToArray();
        using var stream = new ServerSentErrorStream(new MemoryStream(body), new OpenAIVoiceOptions { ApiKey = "sk-x" });
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        Assert.That(copy.ToArray(), Is.EqualTo(body));
    }
}
