using System.Diagnostics;
using System.Globalization;

namespace Cx.Benchmarks.Load;

/// <summary>Collects request latencies (Stopwatch ticks) and reports percentiles and throughput.</summary>
public sealed class LatencyRecorder
{
    private readonly List<long> _ticks = new(1 << 16);
    private readonly Lock _lock = new();
    private long _errors;

    public void Record(long ticks)
    {
        lock (_lock)
        {
            _ticks.Add(ticks);
        }
    }

    public void Error() => Interlocked.Increment(ref _errors);

    public LatencySummary Summarise(TimeSpan duration)
    {
        long[] sorted;
        lock (_lock)
        {
            sorted = [.. _ticks];
        }
        Array.Sort(sorted);
        double Ms(double quantile) =>
            sorted.Length == 0
                ? double.NaN
                : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(quantile * sorted.Length) - 1)] * 1000.0 / Stopwatch.Frequency;
        var mean = sorted.Length == 0 ? double.NaN : sorted.Average() * 1000.0 / Stopwatch.Frequency;
        return new LatencySummary(
            sorted.Length,
            Interlocked.Read(ref _errors),
            sorted.Length / duration.TotalSeconds,
            mean,
            Ms(0.50),
            Ms(0.95),
            Ms(0.99),
            Ms(1.0)
        );
    }
}

public sealed record LatencySummary(
    long Requests,
    long Errors,
    double PerSecond,
    double MeanMs,
    double P50Ms,
    double P95Ms,
    double P99Ms,
    double MaxMs
)
{
    public string Row(string scenario, int connections) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"| {scenario} | {connections} | {Requests:N0} | {PerSecond:N0} | {MeanMs:F2} | {P50Ms:F2} | {P95Ms:F2} | {P99Ms:F2} | {MaxMs:F1} | {Errors} |"
        );

    public const string Header =
        "| scenario | connections | requests | req/s | mean ms | p50 ms | p95 ms | p99 ms | max ms | errors |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |";
}
