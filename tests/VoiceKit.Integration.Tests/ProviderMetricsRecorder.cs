using System.Diagnostics.Metrics;

namespace VoiceKit.Integration.Tests;

/// <summary>Collects the provider metrics (<see cref="ProviderMetrics"/>) recorded while it lives.</summary>
internal sealed class ProviderMetricsRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly List<(string Instrument, string? Provider, string? Port)> _measurements = [];

    public ProviderMetricsRecorder()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name.StartsWith("VoiceKit.", StringComparison.Ordinal) && instrument.Name.StartsWith("voicekit.provider.", StringComparison.Ordinal))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((instrument, _, tags, _) => Add(instrument, tags));
        _listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) => Add(instrument, tags));
        _listener.Start();
    }

    public int Count(string instrument, string provider, string port)
    {
        lock (_measurements)
        {
            return _measurements.Count(m => m.Instrument == instrument && m.Provider == provider && m.Port == port);
        }
    }

    public void Dispose() => _listener.Dispose();

    private void Add(Instrument instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string? provider = null, port = null;
        foreach (var tag in tags)
        {
            if (tag.Key == "voicekit.provider")
            {
                provider = tag.Value as string;
            }
            else if (tag.Key == "voicekit.port")
            {
                port = tag.Value as string;
            }
        }

        lock (_measurements)
        {
            _measurements.Add((instrument.Name, provider, port));
        }
    }
}
