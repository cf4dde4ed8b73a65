namespace VoiceKit.Deepgram.Tests;

public sealed class DeepgramReplayBufferTests
{
    [Test]
    public void Snapshot_HoldsEveryByteSinceTheTrimPoint_AcrossWrapAroundAndGrowth()
    {
        var buffer = new DeepgramReplayBuffer(limit: 10_000);
        var sent = new List<byte>();
        for (var frame = 0; frame < 200; frame++)
        {
            var audio = Enumerable.Range(0, 160).Select(i => (byte)(frame + i)).ToArray();
            buffer.Append(audio);
            sent.AddRange(audio);
            if (frame % 37 == 36)
            {
                buffer.TrimTo(buffer.End - 700); // a final covering all but the last 700 bytes
            }
        }

        var (start, pieces) = buffer.Snapshot(800);
        var replay = pieces.SelectMany(p => p.ToArray()).ToArray();
        Assert.That(start, Is.EqualTo(buffer.Start));
        Assert.That(replay, Is.EqualTo(sent.Skip((int)start).ToArray()), "exactly the audio since the trim point");
        Assert.That(buffer.End, Is.EqualTo(sent.Count));
    }

    [Test]
    public void Append_BeyondTheLimit_DropsTheOldestAudio()
    {
        var buffer = new DeepgramReplayBuffer(limit: 1000);
        var sent = Enumerable.Range(0, 2500).Select(i => (byte)(i * 7)).ToArray();
        for (var at = 0; at < sent.Length; at += 160)
        {
            buffer.Append(sent.AsSpan(at, Math.Min(160, sent.Length - at)));
        }

        var (start, pieces) = buffer.Snapshot(800);
        Assert.That((start, buffer.Length, buffer.Capacity), Is.EqualTo((1500L, 1000L, 1000)));
        Assert.That(pieces.SelectMany(p => p.ToArray()), Is.EqualTo(sent.Skip(1500)));
    }

    [Test]
    public void Append_OfMoreThanTheLimitAtOnce_KeepsItsNewestBytes()
    {
        var buffer = new DeepgramReplayBuffer(limit: 100);
        buffer.Append(new byte[50]);
        var big = Enumerable.Range(0, 250).Select(i => (byte)i).ToArray();
        buffer.Append(big);

        var (start, pieces) = buffer.Snapshot(800);
        Assert.That((start, buffer.End), Is.EqualTo((200L, 300L)));
        Assert.That(pieces.SelectMany(p => p.ToArray()), Is.EqualTo(big.Skip(150)));
    }

    [Test]
    public void Snapshot_SplitsLongReplaysIntoBoundedPieces()
    {
        var buffer = new DeepgramReplayBuffer(limit: 100_000);
        buffer.Append(new byte[40_000]);
        var (_, pieces) = buffer.Snapshot(16_384);
        Assert.That(pieces.Select(p => p.Length), Is.EqualTo(new[] { 16_384, 16_384, 40_000 - (2 * 16_384) }));
    }

    [Test]
    public void TrimTo_OutsideTheHeldRange_IsClamped()
    {
        var buffer = new DeepgramReplayBuffer(limit: 1000);
        buffer.Append(new byte[300]);
        buffer.TrimTo(-5);
        Assert.That(buffer.Length, Is.EqualTo(300));
        buffer.TrimTo(10_000);
        Assert.That((buffer.Start, buffer.Length), Is.EqualTo((300L, 0L)));
    }
}
