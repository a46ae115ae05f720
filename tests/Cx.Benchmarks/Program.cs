using BenchmarkDotNet.Running;

// Micro-benchmarks: dotnet run -c Release --project tests/Cx.Benchmarks -- --filter '*'
// Event load runs: dotnet run -c Release --project tests/Cx.Benchmarks -- events-stream|events-http|events-latency|events-funnel ...
// See docs/benchmarks.md.
if (args.Length > 0 && args[0].StartsWith("events-", StringComparison.Ordinal))
{
    return await Cx.Benchmarks.EventLoad.RunAsync(args);
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
