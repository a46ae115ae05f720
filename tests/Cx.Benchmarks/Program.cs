using BenchmarkDotNet.Running;
using Cx.Benchmarks.Load;

// Micro-benchmarks:  dotnet run -c Release --project tests/Cx.Benchmarks -- --filter '*'
// Load runs:         dotnet run -c Release --project tests/Cx.Benchmarks -- load customers --token ...
// Bare reference:   dotnet run -c Release --project tests/Cx.Benchmarks -- bare --port 7181 (run-customer-load.sh starts it)
// Personalize runs:  tests/Cx.Benchmarks/run-personalize-load.sh (load personalize --token ... --label warm|cold)
// Event load runs:   dotnet run -c Release --project tests/Cx.Benchmarks -- events-stream|events-http|events-latency|events-funnel|events-funnel-http ...
// Segment runs:      dotnet run -c Release --project tests/Cx.Benchmarks -- segments-recompute|segments-latency ...
// Flag runs:         dotnet run -c Release --project tests/Cx.Benchmarks -- flags-ofrep --url URL --token TOKEN ...
// Significance runs: dotnet run -c Release --project tests/Cx.Benchmarks -- experiments-significance [--experiments N] [--exposures N]
// Assignment runs:   dotnet run -c Release --project tests/Cx.Benchmarks -- experiments-assign --url URL --token TOKEN [--units 100000]
// Notification runs: dotnet run -c Release --project tests/Cx.Benchmarks -- notify-smtp [--rate N] [--seconds N]
//   and notify-fanout [--customers N] [--channel inbox|smtp]
// Webhook runs:      dotnet run -c Release --project tests/Cx.Benchmarks -- webhooks-fanout [--changes N] [--subscriptions N]
// See docs/benchmarks.md for the exact commands and the numbers.
if (args is ["load", "customers", .. var rest])
{
    return await CustomerLoad.RunAsync(rest);
}
if (args is ["bare", .. var bare])
{
    return await BareKestrel.RunAsync(bare);
}
if (args is ["load", "personalize", .. var personalize])
{
    return await PersonalizeLoad.RunAsync(personalize);
}
if (args.Length > 0 && args[0].StartsWith("events-", StringComparison.Ordinal))
{
    return await Cx.Benchmarks.EventLoad.RunAsync(args);
}
if (args.Length > 0 && args[0].StartsWith("segments-", StringComparison.Ordinal))
{
    return await Cx.Benchmarks.SegmentLoad.RunAsync(args);
}
if (args.Length > 0 && args[0].StartsWith("flags-", StringComparison.Ordinal))
{
    return await Cx.Benchmarks.FlagLoad.RunAsync(args);
}
if (args is ["experiments-significance", ..])
{
    return await Cx.Benchmarks.ExperimentLoad.RunAsync(args);
}
if (args is ["experiments-assign", ..])
{
    return await Cx.Benchmarks.ExperimentAssignLoad.RunAsync(args);
}
if (args is ["notify-smtp", ..])
{
    return await Cx.Benchmarks.NotificationLoad.RunAsync(args);
}
if (args is ["notify-fanout", ..])
{
    return await Cx.Benchmarks.NotificationFanOut.RunAsync(args);
}
if (args is ["webhooks-fanout", ..])
{
    return await Cx.Benchmarks.WebhookLoad.RunAsync(args);
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
