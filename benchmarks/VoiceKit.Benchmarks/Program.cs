using BenchmarkDotNet.Running;

// Run everything: dotnet run -c Release --project benchmarks/VoiceKit.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
