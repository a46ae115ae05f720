using BenchmarkDotNet.Running;

// Micro-benchmarks: dotnet run -c Release --project tests/Cx.Benchmarks -- --filter '*'
// HTTP load runs are separate commands; see docs/benchmarks.md.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
