using System.Diagnostics;
using VoiceKit.Testing;

namespace VoiceKit.Benchmarks.Load;

/// <summary>
/// One simulated call of the load test: its own transport, fakes and agent (so no fake's lock or log is shared between
/// calls), and what the driver did on it. Driver state is touched by the driver thread only.
/// </summary>
internal sealed class LoadCall
{
    public LoadCall(int index, long startTick, int phase, InMemoryTransport transport, FakeSpeechToText speechToText, VoiceAgent agent, long transportOrigin, int maxSegments)
    {
        Index = index;
        StartTick = startTick;
        Phase = phase;
        Transport = transport;
        SpeechToText = speechToText;
        Agent = agent;
        TransportOrigin = transportOrigin;
        SpeechEnds = new long[maxSegments];
    }

    public int Index { get; }

    /// <summary>The driver tick at which the call starts.</summary>
    public long StartTick { get; }

    /// <summary>Where in the speak/listen cycle the call's script starts, in frames.</summary>
    public int Phase { get; }

    public InMemoryTransport Transport { get; }

    public FakeSpeechToText SpeechToText { get; }

    public VoiceAgent Agent { get; }

    /// <summary>Stopwatch timestamp at which the transport was created: time zero of its <see cref="InMemoryTransport.Log"/>.</summary>
    public long TransportOrigin { get; }

    public VoiceCall? Call { get; set; }

    /// <summary>Frames sent so far (the call's audio clock, and the recogniser's).</summary>
    public long FramesSent { get; set; }

    /// <summary>Index of the next speech frame to send, or −1 while silent.</summary>
    public int SpeechFrame { get; set; } = -1;

    /// <summary>Caller turns spoken (completed speech segments).</summary>
    public int Segments { get; set; }

    /// <summary>Stopwatch timestamp of the moment each segment's last speech frame was handed to the transport.</summary>
    public long[] SpeechEnds { get; }

    /// <summary>Converts a time on the transport's log to a Stopwatch timestamp.</summary>
    public long ToTimestamp(TimeSpan logTime) => TransportOrigin + (long)((Int128)logTime.Ticks * Stopwatch.Frequency / TimeSpan.TicksPerSecond);
}
