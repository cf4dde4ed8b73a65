namespace VoiceKit.Cli;

/// <summary>The <c>voicekit</c> command line: dispatches to one subcommand and turns failures into one-line errors.</summary>
internal static class CliApp
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int UsageError = 2;

    private const string Usage = """
        usage: voicekit <command> [arguments]

        commands:
          convert <in.wav> <out.wav> [--rate N] [--encoding pcm16|mulaw|alaw]
              Convert a WAV file's sample rate and/or encoding.
          turns <in.wav> [--words words.json] [--agent agent.json] [--stt-delay-ms 150] [--stt-endpointing-ms 300]
              Run the turn engine over a recording in virtual time; print one JSON line per event.
        """;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            (args.Length == 0 ? stderr : stdout).WriteLine(Usage);
            return args.Length == 0 ? UsageError : Success;
        }

        try
        {
            return args[0] switch
            {
                "convert" => ConvertCommand.Run(CommandLine.Parse(args.AsSpan(1), ConvertCommand.Options), stdout),
                "turns" => TurnsCommand.Run(CommandLine.Parse(args.AsSpan(1), TurnsCommand.Options), stdout),
                _ => throw new UsageException($"unknown command '{args[0]}' (try 'voicekit --help')"),
            };
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"voicekit: {e.Message}");
            return UsageError;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentException or NotSupportedException)
        {
            // FormatException covers WavFormatException, whose message names the problem and its byte offset.
            stderr.WriteLine($"voicekit: {OneLine(e.Message)}");
            return Failure;
        }
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");
}
