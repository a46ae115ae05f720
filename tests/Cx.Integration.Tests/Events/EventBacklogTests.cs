using Cx.Core.Analytics;
using Cx.Core.Events;
using Cx.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cx.Integration.Tests.Events;

/// <summary>
/// A backlog found at start-up is taken in catch-up batches, each prepared while the one before
/// it is applied: every event counts once, and replays inside the backlog count nothing.
/// </summary>
public sealed class EventBacklogTests : IDisposable
{
    private static readonly DateTimeOffset At = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "cx-backlog-tests", Guid.NewGuid().ToString("n"));

    private IHost Build()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(
            new Dictionary<string, string?>
            {
                ["Cx:Storage:Sqlite:Path"] = Path.Combine(_folder, "cx.db"),
                ["Cx:Analytics:MaxBatchEvents"] = "100",
                ["Cx:Analytics:MaxCatchUpBatchEvents"] = "250",
                ["Cx:Analytics:ArchiveMaxAgeSeconds"] = "3600",
            }
        );
        builder.Services.AddCx(builder.Configuration);
        return builder.Build();
    }

    private static TrackedEvent Event(int n, decimal amount) =>
        new()
        {
            Id = "e" + n.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Type = "purchase",
            CustomerId = "c" + (n % 37).ToString(System.Globalization.CultureInfo.InvariantCulture),
            Timestamp = At.AddSeconds(n),
            ReceivedAt = At,
            Properties = System.Text.Encoding.UTF8.GetBytes(
                "{\"amount\":" + amount.ToString(System.Globalization.CultureInfo.InvariantCulture) + "}"
            ),
        };

    [Fact]
    public async Task Should_apply_a_backlog_in_prepared_catch_up_batches_exactly_once()
    {
        using var host = Build();
        var stream = host.Services.GetRequiredService<IEventStream>();
        // 1,030 events and, later in the log, 300 of them again: appended before the processor starts.
        for (var start = 0; start < 1_030; start += 50)
        {
            await stream.AppendAsync(
                [.. Enumerable.Range(start, Math.Min(50, 1_030 - start)).Select(n => Event(n, 1.25m))],
                CancellationToken.None
            );
        }
        for (var start = 0; start < 300; start += 60)
        {
            await stream.AppendAsync([.. Enumerable.Range(start, 60).Select(n => Event(n, 1.25m))], CancellationToken.None);
        }

        await host.StartAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await stream.GetStatusAsync(timeout.Token) is var status && (status.Lag > 0 || status.Processed < status.Appended))
        {
            await Task.Delay(20, timeout.Token);
        }

        var rollups = await host
            .Services.GetRequiredService<IRollupReader>()
            .ReadRollupsAsync(new RollupQuery("purchase", Granularity.Day, At.AddDays(-1), At.AddDays(1)), CancellationToken.None);
        var day = Assert.Single(rollups);
        Assert.Equal((1_030L, 1_030 * 1.25m), (day.Count, day.Sum));
        await host.StopAsync();
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException) { }
    }
}
