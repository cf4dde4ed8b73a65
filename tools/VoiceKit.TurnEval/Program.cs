using VoiceKit.TurnEval;

// Generates the turn-taking evaluation set and scores the detector, the turn engine and a silence-timer baseline.
// dotnet run --project tools/VoiceKit.TurnEval -c Release -- [--out artifacts/turn-eval] [--quick]
var outDirectory = "artifacts/turn-eval";
var quick = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--out" when i + 1 < args.Length:
            outDirectory = args[++i];
            break;
        case "--quick":
            quick = true;
            break;
        default:
            Console.Error.WriteLine("usage: VoiceKit.TurnEval [--out artifacts/turn-eval] [--quick]");
            return 2;
    }
}

if (!SpeechSources.HasTool("espeak-ng") && !SpeechSources.HasTool("flite") && !SpeechSources.HasPocketsphinx)
{
    Console.Error.WriteLine("Needs espeak-ng, flite or pocketsphinx-testdata (apt-get install espeak-ng flite pocketsphinx-testdata).");
    return 3;
}

var results = Evaluation.Run(outDirectory, quick, Console.Error, out var callCount);
var command = "dotnet run --project tools/VoiceKit.TurnEval -c Release -- --out " + outDirectory + (quick ? " --quick" : "");
var markdown = Report.Markdown(results, callCount, command);
File.WriteAllText(Path.Combine(outDirectory, "results.md"), markdown);
File.WriteAllText(Path.Combine(outDirectory, "results.json"), Report.Json(results));
Console.WriteLine(markdown);
return 0;
