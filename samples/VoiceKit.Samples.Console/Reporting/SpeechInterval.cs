using System.Text.Json.Serialization;

namespace VoiceKit.Samples.Console.Reporting;

/// <summary>A stretch of a recording channel where someone was speaking.</summary>
/// <param name="Start">Seconds from the start of the recording.</param>
/// <param name="End">Seconds from the start of the recording; after <paramref name="Start"/>.</param>
internal readonly record struct SpeechInterval(double Start, double End)
{
    /// <summary>How long the speech lasted, in seconds.</summary>
    [JsonIgnore]
    public double Duration => End - Start;
}
