namespace VoiceKit.Turns;

/// <summary>
/// Tells the caller's own voice from the agent's voice coming back down the line. Keeps the last few hundred
/// milliseconds of both level envelopes and reports echo when the caller's envelope follows the agent's at some
/// delay (phone echo arrives 0-200 ms late). Fixed-size buffers; nothing allocates after construction.
/// </summary>
internal sealed class EchoGuard
{
    private const int History = 32;     // frames of envelope kept (640 ms at 20 ms frames)
    private const int Window = 12;      // frames compared (240 ms)
    private const int MaxLag = 10;      // echo delay searched (200 ms)
    private const float Silent = -90f;  // dBFS of an absent signal

    private readonly float[] _caller = new float[History];
    private readonly float[] _agent = new float[History];
    private readonly float _threshold;
    private int _head;
    private int _count;
    private float _pendingAgent = Silent;
    private bool _agentHeard;

    public EchoGuard(float correlationThreshold) => _threshold = correlationThreshold;

    /// <summary>Records the level of agent audio played since the last caller frame.</summary>
    public void AddAgentLevel(float levelDb)
    {
        _pendingAgent = Math.Max(_pendingAgent, levelDb);
        _agentHeard = true;
    }

    /// <summary>Records one caller frame's level and pairs it with the agent level of the same moment.</summary>
    public void AddCallerLevel(float levelDb)
    {
        _caller[_head] = levelDb;
        _agent[_head] = _pendingAgent;
        _pendingAgent = Silent;
        _head = (_head + 1) % History;
        _count = Math.Min(_count + 1, History);
    }

    /// <summary>Whether the caller's recent envelope tracks the agent's closely enough to be its echo.</summary>
    public bool IsEcho()
    {
        if (_threshold <= 0 || !_agentHeard || _count < Window)
        {
            return false;
        }

        // Search only the lags the history already covers, so the guard works from the first quarter second.
        var best = -1f;
        for (var lag = 0; lag <= Math.Min(MaxLag, _count - Window); lag++)
        {
            best = Math.Max(best, Correlation(lag));
        }

        return best >= _threshold;
    }

    public void Reset()
    {
        Array.Clear(_caller);
        Array.Clear(_agent);
        _head = _count = 0;
        _pendingAgent = Silent;
        _agentHeard = false;
    }

    private float Correlation(int lag)
    {
        float sumC = 0, sumA = 0;
        for (var i = 0; i < Window; i++)
        {
            sumC += _caller[Index(i)];
            sumA += _agent[Index(i + lag)];
        }

        float meanC = sumC / Window, meanA = sumA / Window, cov = 0, varC = 0, varA = 0;
        for (var i = 0; i < Window; i++)
        {
            var c = _caller[Index(i)] - meanC;
            var a = _agent[Index(i + lag)] - meanA;
            cov += c * a;
            varC += c * c;
            varA += a * a;
        }

        // A flat envelope (steady noise, or the agent silent) carries no evidence either way.
        return varC < 1f || varA < 1f ? 0f : cov / MathF.Sqrt(varC * varA);
    }

    // i frames back from the newest caller frame.
    private int Index(int back) => (_head - 1 - back + (2 * History)) % History;
}
