using BenchmarkDotNet.Running;

// Run everything: dotnet run -c Release --project benchmarks/VoiceKit.Benchmarks -- --filter '*'
// Load test (real time, N concurrent calls): dotnet run -c Release --project benchmarks/VoiceKit.Benchmarks -- load --calls 1000 --seconds 60
if (args is ["load", ..])
{
    return await VoiceKit.Benchmarks.Load.LoadTest.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
