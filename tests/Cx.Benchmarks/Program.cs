using BenchmarkDotNet.Running;
using Cx.Benchmarks.Load;

// Micro-benchmarks:  dotnet run -c Release --project tests/Cx.Benchmarks -- --filter '*'
// Load runs:         dotnet run -c Release --project tests/Cx.Benchmarks -- load customers --token ...
// See docs/benchmarks.md for the exact commands and the numbers.
if (args is ["load", "customers", .. var rest])
{
    return await CustomerLoad.RunAsync(rest);
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
