using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace VoiceKit.Samples.Console;

/// <summary>
/// The parcel company's order system, for the demo: a small JSON file read once, and the tool the agent calls to look
/// an order up. The lookup waits like a slow back end would, so the caller hears the agent's filler phrase.
/// </summary>
internal sealed class OrderBook
{
    private readonly Dictionary<string, Order> _orders;
    private readonly TimeSpan _backEndDelay;

    private OrderBook(IEnumerable<Order> orders, TimeSpan backEndDelay)
    {
        _orders = orders.ToDictionary(o => o.Number, StringComparer.Ordinal);
        _backEndDelay = backEndDelay;
    }

    /// <summary>Reads the order file.</summary>
    /// <param name="path">The JSON file (see orders.json beside the program).</param>
    /// <param name="backEndDelay">How long each lookup takes.</param>
    /// <exception cref="InvalidDataException">The file is not an order list.</exception>
    public static OrderBook Load(string path, TimeSpan backEndDelay)
    {
        using var stream = File.OpenRead(path);
        var file = JsonSerializer.Deserialize(stream, OrderJsonContext.Default.OrderFile)
            ?? throw new InvalidDataException($"{path} holds no order list.");
        return new OrderBook(file.Orders, backEndDelay);
    }

    /// <summary>The tool the language model calls.</summary>
    /// <param name="orderNumber">The order number, digits only; spoken digits ("four five two") are accepted too.</param>
    /// <param name="cancellationToken">Cancels the lookup when the caller interrupts or hangs up.</param>
    /// <returns>A sentence the agent can read out.</returns>
    [Description("Looks up where a parcel is, by its order number. Returns a sentence to read to the caller.")]
    public async Task<string> GetOrderStatusAsync(
        [Description("The order number, digits only, for example 452198.")] string orderNumber,
        CancellationToken cancellationToken)
    {
        await Task.Delay(_backEndDelay, cancellationToken).ConfigureAwait(false);
        var digits = SpokenDigits.ToDigits(orderNumber);
        return _orders.TryGetValue(digits, out var order)
            ? $"Order {SpokenDigits.ToWords(digits)} is {order.Status}. It {order.Detail} and should arrive {order.Expected}."
            : $"There is no order {SpokenDigits.ToWords(digits)}.";
    }
}

/// <summary>One order in the order file.</summary>
internal sealed record Order(string Number, string Customer, string Status, string Detail, string Expected);

/// <summary>The order file.</summary>
internal sealed record OrderFile(IReadOnlyList<Order> Orders);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(OrderFile))]
internal sealed partial class OrderJsonContext : JsonSerializerContext;
