using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Cx.Core.Blobs;
using Cx.Core.Portability.Snapshots;
using Cx.Integration.Tests.Events;
using Cx.Integration.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Cx.Integration.Tests.Portability;

/// <summary>The DevHost with small snapshot parts (so a table spans several files) and a short retention.</summary>
public sealed class SnapshotHostFactory : DevHostFactory
{
    public const int Customers = 230;

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>
        {
            ["Cx:RateLimits:Enabled"] = "false",
            ["Cx:Analytics:MaxBatchDelayMs"] = "20",
            ["Cx:Snapshots:PartRows"] = "100",
            ["Cx:Snapshots:KeepCount"] = "2",
        };

    private readonly SemaphoreSlim _seeded = new(1, 1);
    private bool _done;

    /// <summary>
    /// Customers (every third one patched twice, so several versions), a content type with entries, events
    /// and their roll-ups; once per host.
    /// </summary>
    public async Task SeedAsync()
    {
        await _seeded.WaitAsync();
        try
        {
            if (_done)
            {
                return;
            }
            var client = CreateApiClient();
            for (var i = 0; i < Customers; i++)
            {
                var id = $"snap-c{i:D4}";
                await client
                    .PostAsync("customers", HttpAssertions.Json($$"""{"id":"{{id}}","email":"{{id}}@example.com","name":"Ana {{i}}"}"""))
                    .ShouldBeAsync(HttpStatusCode.Created);
                if (i % 3 == 0)
                {
                    for (var v = 1; v <= 2; v++)
                    {
                        await client
                            .PatchAsync($"customers/{id}", HttpAssertions.Json($$"""{"name":"Version {{v}} – ü ✓"}"""))
                            .ShouldBeAsync(HttpStatusCode.OK);
                    }
                }
            }
            var events = new JsonArray();
            for (var i = 0; i < 300; i++)
            {
                events.Add(
                    new JsonObject
                    {
                        ["type"] = i % 4 == 0 ? "purchase" : "page_view",
                        ["customerId"] = $"snap-c{i % Customers:D4}",
                        ["page"] = "/p/" + (i % 7),
                    }
                );
                if (events.Count == 100)
                {
                    await client.PostEventsAsync(new JsonObject { ["events"] = events });
                    events = [];
                }
            }
            await client.WaitForProcessingAsync();
            _done = true;
        }
        finally
        {
            _seeded.Release();
        }
    }
}

/// <summary>
/// Store snapshots on the in-process Durable backend (ADR 0444): started over HTTP, every table written
/// as Parquet files in parts with a manifest of row counts and SHA-256s, the manifest last, a replayed
/// part written byte for byte the same, the retention policy, and bad requests.
/// </summary>
public sealed class SnapshotTests(SnapshotHostFactory host) : IClassFixture<SnapshotHostFactory>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private readonly HttpClient _client = host.CreateApiClient();

    internal static async Task<JsonObject> SnapshotAsync(HttpClient client, string snapshotId)
    {
        using var cancellation = new CancellationTokenSource(Timeout);
        // A run another test of this class started may still be finishing: 409 until it ends.
        while (true)
        {
            var started = await client.PostAsync(
                "snapshots",
                HttpAssertions.Json($$"""{"snapshotId":"{{snapshotId}}"}"""),
                cancellation.Token
            );
            if (started.StatusCode == HttpStatusCode.Accepted)
            {
                var state = await started.ReadObjectAsync();
                Assert.Equal(snapshotId, state["snapshotId"]!.GetValue<string>());
                break;
            }
            await started.ShouldBeProblemAsync(HttpStatusCode.Conflict, "snapshot-in-progress");
            await Task.Delay(50, cancellation.Token);
        }
        while (true)
        {
            var list = await client.GetAsync("snapshots", cancellation.Token).ShouldBeAsync(HttpStatusCode.OK);
            var run = (await list.ReadObjectAsync())["run"]!.AsObject();
            Assert.NotEqual("failed", run["status"]!.GetValue<string>());
            if (run["status"]!.GetValue<string>() == "completed" && run["snapshotId"]!.GetValue<string>() == snapshotId)
            {
                return run;
            }
            await Task.Delay(50, cancellation.Token);
        }
    }

    private long CountRows(string file, string table)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection(
            $"Data Source={Path.Combine(host.DataDirectory, file)};Mode=ReadOnly;Pooling=False"
        );
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM \"{table}\"";
        return (long)command.ExecuteScalar()!;
    }

    private string SnapshotFolder(string snapshotId) => Path.Combine(host.DataDirectory, "blobs", "snapshots", snapshotId);

    [Fact]
    public async Task Should_write_every_table_as_parquet_parts_and_a_manifest_with_counts_fingerprints_and_checksums()
    {
        await host.SeedAsync();
        var id = "snap-all-" + Guid.NewGuid().ToString("n")[..8];
        var run = await SnapshotAsync(_client, id);
        var manifest = await (await _client.GetAsync($"snapshots/{id}").ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        Assert.Equal(1, manifest["formatVersion"]!.GetValue<int>());
        Assert.Equal("sqlite", manifest["store"]!.GetValue<string>());
        var tables = manifest["tables"]!.AsArray().Select(t => t!["database"] + "." + t["name"]).ToHashSet();
        foreach (
            var expected in new[]
            {
                "documents.customers",
                "documents.definitions",
                "documents.unique_values",
                "documents.audit",
                "events.event_log",
                "analytics.facts",
                "analytics.rollups",
                "analytics.subjects",
                "analytics.checkpoints",
            }
        )
        {
            Assert.Contains(expected, tables);
        }
        // The change feed and the work queues are state in flight, not data.
        Assert.DoesNotContain("documents.changes", tables);
        Assert.DoesNotContain("documents.queue_messages", tables);
        Assert.All(manifest["tables"]!.AsArray(), t => Assert.Matches("^[0-9a-f]{64}$", t!["fingerprint"]!.GetValue<string>()));

        var files = manifest["files"]!.AsArray().Select(f => f!.AsObject()).ToList();
        // 230 customers in parts of 100 rows: three files.
        var customerFiles = files
            .Where(f => f["database"]!.GetValue<string>() == "documents" && f["table"]!.GetValue<string>() == "customers")
            .ToList();
        Assert.Equal(3, customerFiles.Count);
        Assert.Equal(SnapshotHostFactory.Customers, customerFiles.Sum(f => f["rows"]!.GetValue<long>()));
        long Rows(string database, string table) =>
            files
                .Where(f => f["database"]!.GetValue<string>() == database && f["table"]!.GetValue<string>() == table)
                .Sum(f => f["rows"]!.GetValue<long>());
        Assert.True(Rows("events", "event_log") > 0);
        Assert.Equal(CountRows("analytics.db", "facts"), Rows("analytics", "facts"));
        Assert.True(Rows("analytics", "rollups") > 0);
        foreach (var file in files)
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(SnapshotFolder(id), file["name"]!.GetValue<string>()));
            Assert.Equal(file["bytes"]!.GetValue<long>(), bytes.LongLength);
            Assert.Equal(file["sha256"]!.GetValue<string>(), Convert.ToHexStringLower(SHA256.HashData(bytes)));
        }
        Assert.Equal(files.Sum(f => f["rows"]!.GetValue<long>()), manifest["rows"]!.GetValue<long>());
        Assert.Equal(files.Count, run["result"]!["files"]!.GetValue<int>());

        // The list shows it with its manifest.
        var list = await (await _client.GetAsync("snapshots").ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        Assert.Contains(
            list["items"]!.AsArray(),
            m => m!["snapshotId"]!.GetValue<string>() == id && m["files"]!.AsArray().Count == files.Count
        );
    }

    [Fact]
    public async Task Should_write_a_parquet_file_that_an_independent_reader_reads_with_the_stored_documents()
    {
        await host.SeedAsync();
        var id = "snap-read-" + Guid.NewGuid().ToString("n")[..8];
        await SnapshotAsync(_client, id);
        var file = Path.Combine(SnapshotFolder(id), "documents", "customers", "part-00000.parquet");
        var (exit, output, error) = await NodeScript.RunAsync("tests/Cx.Integration.Tests/Portability/read-parquet.mjs", [file]);
        Assert.True(exit == 0, error);
        var read = JsonNode.Parse(output)!.AsObject();
        Assert.Equal(100, read["numRows"]!.GetValue<int>());
        Assert.Equal(
            ["_rowid", "pk", "id", "type", "etag", "body"],
            read["columns"]!.AsArray().Select(c => c!["name"]!.GetValue<string>())
        );
        var row = read["rows"]!.AsArray().Select(r => r!.AsObject()).Single(r => r["id"]!.GetValue<string>() == "snap-c0003");
        var body = JsonNode.Parse(row["body"]!.GetValue<string>())!.AsObject();
        var stored = await _client.GetAsync("customers/snap-c0003").ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal("Version 2 – ü ✓", body["name"]!.GetValue<string>());
        Assert.Equal(stored.Headers.ETag!.Tag.Trim('"'), row["etag"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_write_a_replayed_part_with_the_same_bytes_and_list_only_snapshots_whose_manifest_is_written()
    {
        await host.SeedAsync();
        var snapshots = host.Services.GetRequiredService<SnapshotService>();
        var blobs = host.Services.GetRequiredService<IBlobStore>();
        var id = "snap-replay-" + Guid.NewGuid().ToString("n")[..8];
        var plan = await snapshots.PlanAsync(id, TimeProvider.System.GetUtcNow(), CancellationToken.None);
        var part = plan.Parts.First(p => p.Table == "customers");
        var table = plan.Tables.Single(t => t.Database == part.Database && t.Name == part.Table);
        var first = await snapshots.WritePartAsync(new SnapshotPartRequest(id, table, part), CancellationToken.None);
        var firstBytes = await blobs.GetAsync(snapshots.Container, id + "/" + part.FileName, CancellationToken.None);
        // The activity runs again (a worker died before the orchestration recorded its result).
        var replay = await snapshots.WritePartAsync(new SnapshotPartRequest(id, table, part), CancellationToken.None);
        var replayBytes = await blobs.GetAsync(snapshots.Container, id + "/" + part.FileName, CancellationToken.None);
        Assert.Equal(first, replay);
        Assert.Equal(firstBytes, replayBytes);
        Assert.Equal(100, first.Rows);

        // Without its manifest the snapshot is incomplete: not listed, not readable.
        await (await _client.GetAsync($"snapshots/{id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
        var list = await (await _client.GetAsync("snapshots").ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        Assert.DoesNotContain(list["items"]!.AsArray(), m => m!["snapshotId"]!.GetValue<string>() == id);
        await snapshots.WriteManifestAsync(new SnapshotManifestRequest(plan with { Parts = [part] }, [first]), CancellationToken.None);
        var manifest = await (await _client.GetAsync($"snapshots/{id}").ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        Assert.Equal(first.Sha256, manifest["files"]![0]!["sha256"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_refuse_a_second_start_while_a_snapshot_runs()
    {
        await host.SeedAsync();
        using var cancellation = new CancellationTokenSource(Timeout);
        var id = "snap-once-" + Guid.NewGuid().ToString("n")[..8];
        await SnapshotAsync(_client, id);
        // The id is complete now: starting it again is refused.
        await (await _client.PostAsync("snapshots", HttpAssertions.Json($$"""{"snapshotId":"{{id}}"}"""))).ShouldBeProblemAsync(
            HttpStatusCode.Conflict,
            "snapshot-exists"
        );
        // Two starts one after the other: the second finds the first pending or running (a snapshot of
        // every table takes far longer than one request).
        string started;
        while (true)
        {
            var first = await _client.PostAsync("snapshots", HttpAssertions.Json("{}"), cancellation.Token);
            if (first.StatusCode == HttpStatusCode.Accepted)
            {
                started = (await first.ReadObjectAsync())["snapshotId"]!.GetValue<string>();
                break;
            }
            await first.ShouldBeProblemAsync(HttpStatusCode.Conflict, "snapshot-in-progress");
            await Task.Delay(50, cancellation.Token);
        }
        var second = await _client.PostAsync("snapshots", HttpAssertions.Json("""{"snapshotId":"snap-second"}"""), cancellation.Token);
        await second.ShouldBeProblemAsync(HttpStatusCode.Conflict, "snapshot-in-progress");
        Assert.StartsWith("snap-", started);
    }

    [Fact]
    public async Task Should_keep_the_newest_complete_snapshots_and_delete_older_ones_but_not_a_fresh_incomplete_one()
    {
        var snapshots = host.Services.GetRequiredService<SnapshotService>();
        var blobs = host.Services.GetRequiredService<IBlobStore>();
        var prefix = "snap-keep-" + Guid.NewGuid().ToString("n")[..6];
        var origin = TimeProvider.System.GetUtcNow().AddYears(5);
        // Four complete snapshots dated in the future, so they are the newest of this host's.
        for (var i = 0; i < 4; i++)
        {
            var plan = new SnapshotPlan($"{prefix}-{i}", origin.AddDays(i), "sqlite", [], []);
            await snapshots.WriteManifestAsync(new SnapshotManifestRequest(plan, []), CancellationToken.None);
            await blobs.PutAsync(
                snapshots.Container,
                $"{prefix}-{i}/documents/x/part-00000.parquet",
                new byte[] { 1 },
                "application/octet-stream",
                CancellationToken.None
            );
        }
        await blobs.PutAsync(
            snapshots.Container,
            $"{prefix}-open/documents/x/part-00000.parquet",
            new byte[] { 1 },
            "application/octet-stream",
            CancellationToken.None
        );
        var result = await snapshots.ApplyRetentionAsync(null, CancellationToken.None);
        Assert.Equal([$"{prefix}-3", $"{prefix}-2"], result.Kept);
        Assert.Contains($"{prefix}-1", result.Deleted);
        Assert.Contains($"{prefix}-0", result.Deleted);
        Assert.DoesNotContain($"{prefix}-open", result.Deleted);
        Assert.False(Directory.Exists(SnapshotFolder($"{prefix}-0")));
        Assert.True(File.Exists(Path.Combine(SnapshotFolder($"{prefix}-3"), "manifest.json")));
        Assert.True(Directory.Exists(SnapshotFolder($"{prefix}-open")));
        await (await _client.GetAsync($"snapshots/{prefix}-1")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Should_answer_400_for_bad_requests_and_404_for_an_unknown_snapshot()
    {
        var bad = await _client.PostAsync("snapshots", HttpAssertions.Json("""{"snapshotId":"no spaces"}"""));
        Assert.Contains(
            (await bad.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed")).Errors(),
            e => e.Path == "/snapshotId" && e.Code == "snapshot-id"
        );
        var unknown = await _client.PostAsync("snapshots", HttpAssertions.Json("""{"snapshotID":"snap-x"}"""));
        Assert.Contains(
            (await unknown.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed")).Errors(),
            e => e.Path == "/snapshotID" && e.Code == "unknown-field"
        );
        await _client.PostAsync("snapshots", HttpAssertions.Json("[1]")).ShouldBeAsync(HttpStatusCode.BadRequest);
        await _client.GetAsync("snapshots?x=1").ShouldBeAsync(HttpStatusCode.BadRequest);
        await (await _client.GetAsync("snapshots/snap-never")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await _client.GetAsync("snapshots/..%2Fetc")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
        await host.CreateClientFor("marketer").GetAsync("snapshots").ShouldBeAsync(HttpStatusCode.Forbidden);
    }
}

/// <summary>
/// Restores (ADR 0445) through the DevHost's <c>restore</c> command: a snapshot of seeded data (customers
/// with several versions, events, facts, roll-ups) loaded into a new data folder equals the original row
/// for row, table for table, and a DevHost on the restored folder serves the same documents with the same
/// ETags; a corrupted file or a store with data refuses the whole restore and writes nothing.
/// </summary>
public sealed class SnapshotRestoreTests(SnapshotHostFactory host) : IClassFixture<SnapshotHostFactory>, IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "cx-tests", "restore-" + Guid.NewGuid().ToString("n"));

    /// <summary>Tables nothing writes to once the fixture is seeded: restored, they equal the live ones exactly.</summary>
    private static readonly string[] Stable =
    [
        "documents.customers",
        "documents.content",
        "documents.definitions",
        "documents.unique_values",
        "documents.memberships",
        "events.event_log",
        "analytics.facts",
        "analytics.subjects",
        "analytics.event_types",
        "analytics.rollups",
        "analytics.blocks",
        "analytics.aliases",
    ];

    private static readonly Dictionary<string, string> Files = new()
    {
        ["documents"] = "cx.db",
        ["events"] = "events.db",
        ["analytics"] = "analytics.db",
    };

    private async Task<(string Id, string Folder, JsonArray Tables)> SnapshotAsync()
    {
        await host.SeedAsync();
        var client = host.CreateApiClient();
        var id = "snap-restore-" + Guid.NewGuid().ToString("n")[..8];
        await SnapshotTests.SnapshotAsync(client, id);
        var manifest = await (await client.GetAsync($"snapshots/{id}").ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        return (id, Path.Combine(host.DataDirectory, "blobs", "snapshots", id), manifest["tables"]!.AsArray());
    }

    private string NewDataFolder()
    {
        var folder = Path.Combine(_root, Guid.NewGuid().ToString("n")[..8]);
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>Every row of a table, every column (and the row id of a rowid table) as text, in key order.</summary>
    private static List<string> Rows(string file, string table, bool rowId)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={file};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        var name = "\"" + table + "\"";
        command.CommandText = rowId ? $"SELECT rowid, * FROM {name} ORDER BY rowid" : $"SELECT * FROM {name} ORDER BY 1, 2, 3";
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            var values = new string[reader.FieldCount];
            for (var i = 0; i < reader.FieldCount; i++)
            {
                values[i] = reader.IsDBNull(i)
                    ? "NULL"
                    : reader.GetValue(i) switch
                    {
                        byte[] bytes => "x'" + Convert.ToHexString(bytes) + "'",
                        double d => "r" + d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
                        var v => v.GetType().Name + ":" + Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture),
                    };
            }
            rows.Add(string.Join("|", values));
        }
        return rows;
    }

    private static bool IsWithoutRowId(JsonNode table) => table["orderBy"]!.AsArray().Count > 0;

    [Fact]
    public async Task Should_restore_a_snapshot_into_an_empty_store_equal_to_the_original_and_serve_it()
    {
        var (id, folder, tables) = await SnapshotAsync();
        var target = NewDataFolder();

        var (code, output) = await RunRestoreAsync(target, folder);

        Assert.True(code == 0, output);
        Assert.Contains($"Restored {id}:", output, StringComparison.Ordinal);
        var compared = 0;
        foreach (var table in tables)
        {
            var database = table!["database"]!.GetValue<string>();
            var name = table["name"]!.GetValue<string>();
            var rowId = !IsWithoutRowId(table);
            var restored = Rows(Path.Combine(target, Files[database]), name, rowId);
            var live = Rows(Path.Combine(host.DataDirectory, Files[database]), name, rowId);
            if (Stable.Contains(database + "." + name))
            {
                Assert.True(
                    live.SequenceEqual(restored),
                    $"{database}.{name}: {live.Count} live rows, {restored.Count} restored, or a row differs"
                );
                compared += restored.Count;
            }
            else
            {
                // Tables the host may still write to (audit, sessions): every restored row is a live row, unchanged.
                Assert.Empty(restored.Except(live));
            }
        }
        Assert.True(compared > SnapshotHostFactory.Customers + 300, $"only {compared} rows compared");

        // A DevHost on the restored folder serves the same documents, with the same ETags, and the same events.
        var source = host.CreateApiClient();
        await using var restoredHost = await Cx.Integration.Tests.Events.DevHostProcess.StartAsync(
            target,
            new Dictionary<string, string>()
        );
        foreach (var customer in new[] { "snap-c0000", "snap-c0003", "snap-c0229" })
        {
            var before = await source.GetAsync($"customers/{customer}").ShouldBeAsync(HttpStatusCode.OK);
            var after = await restoredHost.Client.GetAsync($"customers/{customer}").ShouldBeAsync(HttpStatusCode.OK);
            Assert.Equal(before.Headers.ETag, after.Headers.ETag);
            Assert.Equal(await before.Content.ReadAsStringAsync(), await after.Content.ReadAsStringAsync());
        }
        // Every event, through the event export (its rows carry the stored ids, times and properties).
        const string Events = "events/export?format=ndjson&compress=none&from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z";
        var liveEvents = await source.GetStringAsync(Events);
        var restoredEvents = await restoredHost.Client.GetStringAsync(Events);
        Assert.Equal(
            liveEvents.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length,
            restoredEvents.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length
        );
        Assert.True(liveEvents.Length > 1000);
        Assert.Equal(liveEvents, restoredEvents);
    }

    [Fact]
    public async Task Should_refuse_a_corrupted_snapshot_and_write_nothing()
    {
        var (_, folder, _) = await SnapshotAsync();
        var copy = Path.Combine(NewDataFolder(), "snapshot");
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(copy, Path.GetRelativePath(folder, file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to);
        }
        // One byte of the last customers part flipped: the file still opens as Parquet, its checksum does not match.
        var victim = Directory.EnumerateFiles(Path.Combine(copy, "documents", "customers")).Order(StringComparer.Ordinal).Last();
        var bytes = await File.ReadAllBytesAsync(victim);
        bytes[bytes.Length / 2] ^= 0x01;
        await File.WriteAllBytesAsync(victim, bytes);
        var target = NewDataFolder();

        var (code, output) = await RunRestoreAsync(target, copy);

        Assert.Equal(1, code);
        Assert.Contains("Refused (snapshot-corrupt)", output, StringComparison.Ordinal);
        Assert.Contains(Path.GetFileName(victim), output, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(target, "*.db*"));

        // A missing file refuses it too.
        File.Delete(victim);
        var (missingCode, missingOutput) = await RunRestoreAsync(target, copy);
        Assert.Equal(1, missingCode);
        Assert.Contains("is missing", missingOutput, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(target, "*.db*"));
    }

    [Fact]
    public async Task Should_refuse_a_store_that_holds_data_and_leave_it_as_it_was()
    {
        var (_, folder, _) = await SnapshotAsync();
        var target = NewDataFolder();
        Assert.Equal(0, (await RunRestoreAsync(target, folder)).Code);
        var before = Rows(Path.Combine(target, "cx.db"), "customers", rowId: true);

        var (code, output) = await RunRestoreAsync(target, folder);

        Assert.Equal(1, code);
        Assert.Contains("Refused (store-not-empty)", output, StringComparison.Ordinal);
        Assert.Equal(before, Rows(Path.Combine(target, "cx.db"), "customers", rowId: true));
        Assert.Equal(2, (await RunRestoreAsync(target, Path.Combine(target, "no-such-folder"))).Code);
        var (noManifest, noManifestOutput) = await RunRestoreAsync(NewDataFolder(), target);
        Assert.Equal(1, noManifest);
        Assert.Contains("Refused (no-manifest)", noManifestOutput, StringComparison.Ordinal);
    }

    /// <summary>Runs <c>dotnet Cx.DevHost.dll restore SNAPSHOT</c> with <paramref name="data"/> as the store's folder.</summary>
    private static async Task<(int Code, string Output)> RunRestoreAsync(string data, string snapshot)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = data,
        };
        start.ArgumentList.Add(Cx.Integration.Tests.Events.DevHostProcess.DevHostDll());
        start.ArgumentList.Add("restore");
        start.ArgumentList.Add(snapshot);
        start.Environment["Cx__Storage__Sqlite__Path"] = Path.Combine(data, "cx.db");
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            if (Directory.Exists(_root))
            {
                Directory.Delete(_root, recursive: true);
            }
        }
        catch (IOException)
        {
            // files of a stopped process may linger briefly; the temp folder is cleaned eventually
        }
    }
}
