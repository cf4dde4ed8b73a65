using System.Text.Json;
using Microsoft.Extensions.AI;

namespace VoiceKit;

/// <summary>
/// The agent's own tools (end the call, transfer to a human). Written out by hand rather than with
/// <see cref="AIFunctionFactory"/> so the core stays free of reflection and AOT-compatible.
/// </summary>
internal sealed class BuiltInTool(string name, string description, Func<string> invoke) : AIFunction
{
    public const string EndCall = "end_call";
    public const string TransferToHuman = "transfer_to_human";

    private static readonly JsonElement s_noParameters = JsonDocument.Parse("""{"type":"object","properties":{}}""").RootElement;

    public override string Name { get; } = name;

    public override string Description { get; } = description;

    public override JsonElement JsonSchema => s_noParameters;

    protected override ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken) =>
        ValueTask.FromResult<object?>(invoke());
}
