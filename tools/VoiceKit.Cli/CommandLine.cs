namespace VoiceKit.Cli;

/// <summary>
/// A parsed subcommand line: positional arguments and <c>--name value</c> options. Strict on purpose: an unknown or
/// repeated option is an error rather than silently ignored, because other tools script this CLI.
/// </summary>
internal sealed class CommandLine
{
    private readonly Dictionary<string, string> _options;

    private CommandLine(List<string> positional, Dictionary<string, string> options)
    {
        Positional = positional;
        _options = options;
    }

    public IReadOnlyList<string> Positional { get; }

    public static CommandLine Parse(ReadOnlySpan<string> args, IReadOnlySet<string> knownOptions)
    {
        var positional = new List<string>();
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg == "--")
            {
                positional.Add(arg);
                continue;
            }

            var name = arg;
            string? value = null;
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                name = arg[..equals];
                value = arg[(equals + 1)..];
            }

            if (!knownOptions.Contains(name))
            {
                throw new UsageException($"unknown option '{name}'");
            }

            if (value is null)
            {
                if (i + 1 >= args.Length)
                {
                    throw new UsageException($"option '{name}' needs a value");
                }

                value = args[++i];
            }

            if (!options.TryAdd(name, value))
            {
                throw new UsageException($"option '{name}' is given twice");
            }
        }

        return new CommandLine(positional, options);
    }

    public string? Option(string name) => _options.GetValueOrDefault(name);

    public int? IntOption(string name, int min, int max)
    {
        var text = Option(name);
        if (text is null)
        {
            return null;
        }

        if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new UsageException($"option '{name}' must be a whole number from {min} to {max}, not '{text}'");
        }

        return value;
    }

    public void ExpectPositional(int count, string usage)
    {
        if (Positional.Count != count)
        {
            throw new UsageException($"expected {count} argument(s), got {Positional.Count}; usage: {usage}");
        }
    }
}
