using System.Globalization;

namespace VoiceKit.Samples.Console.Reporting;

/// <summary>How the reports write numbers: invariant culture, whatever the machine's, so files compare across machines.</summary>
internal static class ReportFormat
{
    /// <summary>A number with at most <paramref name="decimals"/> decimals (0 to 6), trailing zeros dropped.</summary>
    public static string Number(double value, int decimals = 1) =>
        Math.Round(value, decimals).ToString(decimals switch
        {
            0 => "0",
            1 => "0.#",
            2 => "0.##",
            3 => "0.###",
            _ => "0.######",
        }, CultureInfo.InvariantCulture);

    /// <summary>A time for a table column: seconds with two decimals, so the column lines up.</summary>
    public static string Seconds(double seconds) => seconds.ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>A whole number.</summary>
    public static string Whole(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A latency: "640 ms", or "–" when unknown.</summary>
    public static string Milliseconds(int? milliseconds) => milliseconds is { } ms ? $"{Whole(ms)} ms" : "–";
}
