using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Integration.Tests.Events;
using Cx.Integration.Tests.Infrastructure;
using static Cx.Integration.Tests.Events.EventApi;

namespace Cx.Integration.Tests.Portability;

/// <summary>60 customers on a host that reads 10 rows per page and writes export job files of 25 rows.</summary>
public sealed class ExportJobFixture : DevHostFactory, IAsyncLifetime
{
    public static readonly byte[] SigningKey = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>
        {
            ["Cx:Portability:ExportPageSize"] = "10",
            ["Cx:Portability:ParquetRowGroupSize"] = "10",
            ["Cx:Portability:ExportJobPartRows"] = "25",
            ["Cx:Portability:DownloadSigningKey"] = Convert.ToBase64String(SigningKey),
        };

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Client = CreateApiClient();
        for (var i = 0; i < 60; i++)
        {
            await Client
                .PostAsync(
                    "customers",
                    HttpAssertions.Json($$"""{"id":"job-{{i:D2}}","email":"job{{i:D2}}@example.com","name":"Job, {{i}}"}""")
                )
                .ShouldBeAsync(HttpStatusCode.Created);
        }
    }

    Task IAsyncLifetime.DisposeAsync() => Task.CompletedTask;
}

public sealed class ExportJobTests(ExportJobFixture fixture) : IClassFixture<ExportJobFixture>
{
    private readonly HttpClient _client = fixture.Client;

    /// <summary>Polls the job until it has ended (a condition, not a sleep).</summary>
    internal static async Task<JsonObject> WaitForJobAsync(HttpClient client, string location, TimeSpan? timeout = null)
    {
        using var cancellation = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(90));
        while (true)
        {
            var read = await (await client.GetAsync(location, cancellation.Token).ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
            if (read["status"]!.GetValue<string>() is "succeeded" or "failed")
            {
                return read;
            }
            await Task.Delay(25, cancellation.Token);
        }
    }

    internal static async Task<(string Location, JsonObject Job)> StartAsync(HttpClient client, string url)
    {
        var response = await client.PostAsync(url, null).ShouldBeAsync(HttpStatusCode.Accepted);
        var location = response.Headers.Location!.ToString();
        var started = await response.ReadObjectAsync();
        Assert.Equal($"/api/v1/exports/{started["id"]!.GetValue<string>()}", location);
        return (location, started);
    }

    [Fact]
    public async Task Should_write_a_csv_job_as_files_of_the_part_size_that_equal_the_streamed_export()
    {
        var (location, started) = await StartAsync(_client, "customers/export/jobs?format=csv&filter[id][startsWith]=job-");
        Assert.Contains(started["status"]!.GetValue<string>(), new[] { "queued", "running", "succeeded" });
        Assert.Equal("csv", started["format"]!.GetValue<string>());
        var job = await WaitForJobAsync(_client, location);
        Assert.Equal("succeeded", job["status"]!.GetValue<string>());
        Assert.Equal(60, job["rows"]!.GetValue<long>());
        var files = job["files"]!.AsArray().Select(f => f!.AsObject()).ToList();
        Assert.Equal(["part-00001.csv", "part-00002.csv", "part-00003.csv"], files.Select(f => f["name"]!.GetValue<string>()));
        Assert.Equal([25L, 25L, 10L], files.Select(f => f["rows"]!.GetValue<long>()));

        var anonymous = fixture.CreateAnonymousClient();
        var ids = new List<string>();
        foreach (var file in files)
        {
            var response = await anonymous.GetAsync(file["url"]!.GetValue<string>()).ShouldBeAsync(HttpStatusCode.OK);
            Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
            var bytes = await response.Content.ReadAsByteArrayAsync();
            Assert.Equal(file["bytes"]!.GetValue<long>(), bytes.Length);
            Assert.Equal(file["sha256"]!.GetValue<string>(), Convert.ToHexStringLower(SHA256.HashData(bytes)));
            var rows = await PythonCsv.ReadAsync(Encoding.UTF8.GetString(bytes));
            Assert.Equal("id", rows[0][0]);
            ids.AddRange(rows.Skip(1).Select(r => r[0]));
        }
        var streamed = await PythonCsv.ReadAsync(await _client.GetStringAsync("customers/export?format=csv&filter[id][startsWith]=job-"));
        Assert.Equal(streamed.Skip(1).Select(r => r[0]), ids);
        Assert.Equal(Enumerable.Range(0, 60).Select(i => $"job-{i:D2}"), ids);
    }

    [Fact]
    public async Task Should_write_parquet_files_that_an_independent_reader_opens_and_start_after_the_given_id()
    {
        var (location, _) = await StartAsync(_client, "customers/export/jobs?format=parquet&filter[id][startsWith]=job-&after=job-29");
        var job = await WaitForJobAsync(_client, location);
        Assert.Equal("succeeded", job["status"]!.GetValue<string>());
        var files = job["files"]!.AsArray().Select(f => f!.AsObject()).ToList();
        Assert.Equal([25L, 5L], files.Select(f => f["rows"]!.GetValue<long>()));
        var ids = new List<string>();
        foreach (var file in files)
        {
            var path = Path.Combine(fixture.DataDirectory, Guid.NewGuid().ToString("n") + ".parquet");
            await File.WriteAllBytesAsync(path, await fixture.CreateAnonymousClient().GetByteArrayAsync(file["url"]!.GetValue<string>()));
            var (exit, output, error) = await NodeScript.RunAsync("tests/Cx.Integration.Tests/Portability/read-parquet.mjs", [path]);
            Assert.True(exit == 0, error);
            var read = JsonNode.Parse(output)!.AsObject();
            ids.AddRange(read["rows"]!.AsArray().Select(r => r!["id"]!.GetValue<string>()));
        }
        Assert.Equal(Enumerable.Range(30, 30).Select(i => $"job-{i:D2}"), ids);
    }

    [Fact]
    public async Task Should_serve_files_only_through_a_valid_unexpired_link()
    {
        var (location, _) = await StartAsync(_client, "customers/export/jobs?format=ndjson&filter[id][startsWith]=job-5");
        var job = await WaitForJobAsync(_client, location);
        var file = job["files"]!.AsArray()[0]!.AsObject();
        var url = file["url"]!.GetValue<string>();
        var anonymous = fixture.CreateAnonymousClient();
        await anonymous.GetAsync(url).ShouldBeAsync(HttpStatusCode.OK);

        var id = job["id"]!.GetValue<string>();
        var path = url[..url.IndexOf('?', StringComparison.Ordinal)];
        var expires = long.Parse(
            url[(url.IndexOf("expires=", StringComparison.Ordinal) + 8)..url.IndexOf('&', StringComparison.Ordinal)],
            CultureInfo.InvariantCulture
        );
        var signature = url[(url.IndexOf("signature=", StringComparison.Ordinal) + 10)..];
        // Another expiry, another file, a changed signature: 403.
        await (await anonymous.GetAsync($"{path}?expires={expires + 1}&signature={signature}")).ShouldBeProblemAsync(
            HttpStatusCode.Forbidden,
            "forbidden"
        );
        await (
            await anonymous.GetAsync($"/api/v1/exports/{id}/files/part-00002.ndjson?expires={expires}&signature={signature}")
        ).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await anonymous.GetAsync($"{path}?expires={expires}&signature={signature[..^2]}AA")).ShouldBeProblemAsync(
            HttpStatusCode.Forbidden,
            "forbidden"
        );
        // Correctly signed, but expired.
        var past = TimeProvider.System.GetUtcNow().AddMinutes(-1).ToUnixTimeSeconds();
        var signed = Convert
            .ToBase64String(HMACSHA256.HashData(ExportJobFixture.SigningKey, Encoding.UTF8.GetBytes($"{id}/part-00001.ndjson\n{past}")))
            .TrimEnd('=')
            .Replace('+', '-')
            .Replace('/', '_');
        await (await anonymous.GetAsync($"{path}?expires={past}&signature={signed}")).ShouldBeProblemAsync(
            HttpStatusCode.Forbidden,
            "forbidden"
        );
        // Missing parts of the link: 400 naming them.
        var problem = await (await anonymous.GetAsync(path)).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Contains(("parameter", "expires", "required"), problem.Errors());
        Assert.Contains(("parameter", "signature", "required"), problem.Errors());
    }

    [Theory]
    [InlineData("customers/export/jobs?format=xml", "format", "value")]
    [InlineData("customers/export/jobs?compress=gzip", "compress", "unknown-parameter")]
    [InlineData("customers/export/jobs?sort=name", "sort", "unknown-parameter")]
    [InlineData("customers/export/jobs?filter[nope]=1", "filter[nope]", "not-filterable")]
    [InlineData("events/export/jobs?format=csv", "from", "required")]
    [InlineData("events/export/jobs?from=2026-01-01&after=junk", "after", "cursor")]
    [InlineData("analytics/rollups/export/jobs?from=2026-01-01", "granularity", "required")]
    public async Task Should_refuse_a_job_with_a_bad_query_naming_the_parameter_and_store_nothing(string url, string parameter, string code)
    {
        var problem = await (await _client.PostAsync(url, null)).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Contains(("parameter", parameter, code), problem.Errors());
    }

    [Fact]
    public async Task Should_show_a_job_only_to_callers_holding_the_permission_of_its_export()
    {
        var (location, _) = await StartAsync(_client, "customers/export/jobs?filter[id]=job-01");
        await WaitForJobAsync(_client, location);
        var customer = fixture.CreateClientFor(Cx.Core.Identity.Roles.Customer, "job-01");
        await (await customer.GetAsync(location)).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
        var support = fixture.CreateClientFor(Cx.Core.Identity.Roles.SupportAgent, "agent");
        await support.GetAsync(location).ShouldBeAsync(HttpStatusCode.OK);
        await (await _client.GetAsync("exports/0123456789abcdef0123456789abcdef")).ShouldBeProblemAsync(
            HttpStatusCode.NotFound,
            "not-found"
        );
        await (await _client.GetAsync("exports/not-a-job")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await customer.PostAsync("customers/export/jobs", null)).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }
}

/// <summary>
/// Kills the DevHost (SIGKILL) while an export job of 3,000 events is between files, restarts it
/// on the same files, and proves the job finishes with every event exactly once.
/// </summary>
public sealed class ExportJobRestartTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "cx-export-job-tests", Guid.NewGuid().ToString("n"));

    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Cx__Analytics__MaxBatchDelayMs"] = "20",
        ["Cx__Portability__ExportJobPartRows"] = "10",
        ["Cx__Portability__ExportPageSize"] = "10",
    };

    [Fact]
    public async Task Should_resume_a_job_after_the_host_is_killed_and_write_every_row_once()
    {
        Directory.CreateDirectory(_data);
        var day = Today().AddDays(-1);
        string location;
        await using (var host = await DevHostProcess.StartAsync(_data, Settings))
        {
            for (var b = 0; b < 6; b++)
            {
                var batch = Enumerable
                    .Range(0, 500)
                    .Select(i =>
                        Event(
                            "purchase",
                            $"rc-{i % 17}",
                            null,
                            day.AddSeconds(b * 500 + i),
                            $"r-{b * 500 + i:D4}",
                            new JsonObject { ["amount"] = 1 }
                        )
                    )
                    .ToArray();
                await host.Client.PostEventsAsync(Batch(batch));
            }
            await host.Client.WaitForProcessingAsync();
            (location, _) = await ExportJobTests.StartAsync(
                host.Client,
                $"events/export/jobs?format=ndjson&from={Instant(day)}&to={Instant(day.AddDays(1))}"
            );
            using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            {
                while (true)
                {
                    var job = await (await host.Client.GetAsync(location, timeout.Token)).ReadObjectAsync();
                    if (job["files"]!.AsArray().Count >= 2)
                    {
                        // Killed between files: the job has not ended.
                        Assert.Equal("running", job["status"]!.GetValue<string>());
                        break;
                    }
                    await Task.Delay(5, timeout.Token);
                }
            }
            await host.KillAsync();
        }
        await using (var host = await DevHostProcess.StartAsync(_data, Settings))
        {
            var job = await ExportJobTests.WaitForJobAsync(host.Client, location, TimeSpan.FromMinutes(3));
            Assert.Equal("succeeded", job["status"]!.GetValue<string>());
            Assert.Equal(3000, job["rows"]!.GetValue<long>());
            var files = job["files"]!.AsArray().Select(f => f!.AsObject()).ToList();
            Assert.Equal(300, files.Count);
            Assert.Equal(Enumerable.Range(1, 300).Select(i => $"part-{i:D5}.ndjson"), files.Select(f => f["name"]!.GetValue<string>()));
            var ids = new List<string>();
            foreach (var file in files)
            {
                var text = await host.Client.GetStringAsync(file["url"]!.GetValue<string>());
                ids.AddRange(
                    text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!["eventId"]!.GetValue<string>())
                );
            }
            Assert.Equal(Enumerable.Range(0, 3000).Select(i => $"r-{i:D4}"), ids);
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException) { }
    }
}
