using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Cx.Integration.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Cx.Integration.Tests.Events;

/// <summary>
/// Kills the DevHost (SIGKILL) while clients are posting batches, restarts it on the same
/// files, and proves that every acknowledged event is in the analytics store exactly once
/// and that every roll-up counts each stored event exactly once.
/// </summary>
public sealed class EventCrashTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private const int Writers = 4;
    private const int BatchSize = 50;
    private const int KillAfterAcknowledged = 3000;

    private readonly string _data = Path.Combine(Path.GetTempPath(), "cx-crash-tests", Guid.NewGuid().ToString("n"));

    private static readonly Dictionary<string, string> Settings = new() { ["Cx__Analytics__MaxBatchDelayMs"] = "20" };

    [Fact]
    public async Task Should_lose_no_acknowledged_event_and_count_none_twice_when_the_host_is_killed_during_ingestion()
    {
        Directory.CreateDirectory(_data);
        var acknowledged = new ConcurrentDictionary<string, string>(); // event id -> customer id
        var firstBatch = new ConcurrentDictionary<int, JsonObject>();
        await using (var host = await DevHostProcess.StartAsync(_data, Settings))
        {
            using var stop = new CancellationTokenSource();
            var writers = Enumerable
                .Range(0, Writers)
                .Select(w => WriteAsync(host.Client, w, acknowledged, firstBatch, stop.Token))
                .ToList();
            using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
            {
                while (acknowledged.Count < KillAfterAcknowledged)
                {
                    Assert.False(writers.Any(w => w.IsFaulted), "A writer failed before the kill.");
                    await Task.Delay(10, timeout.Token);
                }
            }
            await host.KillAsync();
            await stop.CancelAsync();
            await Task.WhenAll(writers);
        }

        await using (var host = await DevHostProcess.StartAsync(_data, Settings))
        {
            // Replays across the restart: the first acknowledged batch of every writer again.
            foreach (var batch in firstBatch.Values)
            {
                await host.Client.PostAsync("events", HttpAssertions.Json(batch)).ShouldBeAsync(HttpStatusCode.Accepted);
            }
            await host.Client.WaitForProcessingAsync(TimeSpan.FromMinutes(2));

            using var connection = new SqliteConnection($"Data Source={Path.Combine(_data, "analytics.db")};Mode=ReadOnly;Pooling=False");
            connection.Open();
            var stored = new Dictionary<string, long>();
            using (var command = connection.CreateCommand())
            {
                command.CommandText =
                    "SELECT f.id, count(*) FROM facts f JOIN event_types t ON t.tid = f.tid WHERE t.type = 'cta_click' GROUP BY f.sid, f.id";
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    stored[reader.GetString(0)] = reader.GetInt64(1);
                }
            }
            var missing = acknowledged.Keys.Where(id => !stored.ContainsKey(id)).Take(5).ToList();
            Assert.True(missing.Count == 0, $"Acknowledged events lost: {string.Join(", ", missing)} (of {acknowledged.Count}).");
            Assert.All(stored.Values, count => Assert.Equal(1, count));
            var facts = stored.Count;
            output.WriteLine($"acknowledged before the kill: {acknowledged.Count}; stored after the restart: {facts}");
            Assert.True(facts >= acknowledged.Count);
            foreach (var granularity in (int[])[1, 2, 3])
            {
                using var command = connection.CreateCommand();
                command.CommandText =
                    "SELECT coalesce(sum(r.count), 0) FROM rollups r JOIN event_types t ON t.tid = r.tid WHERE t.type = 'cta_click' AND r.g = $g AND r.breakdown = 0";
                command.Parameters.AddWithValue("$g", granularity);
                Assert.Equal((long)facts, (long)command.ExecuteScalar()!);
            }
            // The API agrees with the store for each writer's customer.
            for (var w = 0; w < Writers; w++)
            {
                var expected = stored.Keys.Count(id => id.StartsWith($"w{w}-", StringComparison.Ordinal));
                var behavior = (
                    await host.Client.GetFromJsonAsync<JsonObject>($"customers/crash-{w}/behavior?event=cta_click&aggregate=count")
                )!;
                Assert.Equal(expected, behavior["count"]!.GetValue<long>());
            }
            SqliteConnection.ClearAllPools();
        }
    }

    private static async Task WriteAsync(
        HttpClient client,
        int writer,
        ConcurrentDictionary<string, string> acknowledged,
        ConcurrentDictionary<int, JsonObject> firstBatch,
        CancellationToken stop
    )
    {
        var customer = $"crash-{writer}";
        for (var batchNumber = 0; !stop.IsCancellationRequested; batchNumber++)
        {
            var ids = new List<string>(BatchSize);
            var events = new JsonArray();
            for (var i = 0; i < BatchSize; i++)
            {
                var id = $"w{writer}-{batchNumber}-{i}";
                ids.Add(id);
                events.Add(
                    new JsonObject
                    {
                        ["type"] = "cta_click",
                        ["customerId"] = customer,
                        ["eventId"] = id,
                        ["properties"] = new JsonObject { ["cta"] = "buy-" + (i % 3) },
                    }
                );
            }
            var body = new JsonObject { ["events"] = events };
            try
            {
                using var response = await client.PostAsync("events", HttpAssertions.Json(body.ToJsonString()), CancellationToken.None);
                if (response.StatusCode != HttpStatusCode.Accepted)
                {
                    throw new InvalidOperationException(
                        $"Unexpected {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(CancellationToken.None)}"
                    );
                }
                foreach (var id in ids)
                {
                    acknowledged[id] = customer;
                }
                firstBatch.TryAdd(writer, (JsonObject)body.DeepClone());
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return; // the host was killed mid-request: this batch was never acknowledged
            }
        }
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
            // files of the killed process may linger briefly; the temp folder is cleaned eventually
        }
    }
}
