using System.Diagnostics;
using System.Globalization;
using System.Net;
using Cx.Integration.Tests.Events;
using Cx.Integration.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace Cx.Integration.Tests.Security;

/// <summary>
/// The audit log's hash chain checked from the outside: by the admin endpoint over HTTP and by the
/// DevHost's <c>audit verify</c> command, after someone edited or deleted entries in the database
/// file below the API.
/// </summary>
public sealed class AuditVerifyTests(UnlimitedDevHostFactory host) : IClassFixture<UnlimitedDevHostFactory>, IDisposable
{
    private readonly HttpClient _admin = host.CreateApiClient();
    private readonly string _data = Path.Combine(Path.GetTempPath(), "cx-audit-verify-tests", Guid.NewGuid().ToString("n"));

    private static string Month => TimeProvider.System.GetUtcNow().UtcDateTime.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    private static async Task AuditSomethingAsync(HttpClient client, int times)
    {
        for (var i = 0; i < times; i++)
        {
            var key = "verify-" + Guid.NewGuid().ToString("n")[..8];
            await client
                .PostAsync("content-types", HttpAssertions.Json($$"""{"key":"{{key}}","displayName":"Verify"}"""))
                .ShouldBeAsync(HttpStatusCode.Created);
        }
    }

    private static void Sql(string database, string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        command.ExecuteNonQuery();
    }

    [Fact]
    public async Task Should_answer_ok_then_name_the_entry_edited_in_the_database()
    {
        await AuditSomethingAsync(_admin, 3);

        var intact = await (await _admin.GetAsync("audit/verify").ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        var explicitMonth = await (
            await _admin.GetAsync($"audit/verify?partition={Month}").ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        var page = await (await _admin.GetAsync("audit?limit=50").ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        var newest = page["items"]!.AsArray().Select(e => e!.AsObject()).MaxBy(e => e["seq"]!.GetValue<long>())!;

        Assert.True(intact["ok"]!.GetValue<bool>(), intact.ToJsonString());
        Assert.Equal(
            (Month, intact["entries"]!.GetValue<long>()),
            (explicitMonth["partition"]!.GetValue<string>(), explicitMonth["entries"]!.GetValue<long>())
        );
        Assert.Equal(
            (newest["seq"]!.GetValue<long>(), newest["hash"]!.GetValue<string>()),
            (intact["headSeq"]!.GetValue<long>(), intact["headHash"]!.GetValue<string>())
        );

        var victim = newest["id"]!.GetValue<string>();
        Sql(
            Path.Combine(host.DataDirectory, "cx.db"),
            "UPDATE audit SET body = json_set(body, '$.actor', 'nobody') WHERE id = $id",
            ("$id", victim)
        );

        var broken = await (await _admin.GetAsync($"audit/verify?partition={Month}").ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        Assert.False(broken["ok"]!.GetValue<bool>());
        Assert.Equal((victim, "edited"), (broken["break"]!["entryId"]!.GetValue<string>(), broken["break"]!["reason"]!.GetValue<string>()));
        Assert.Equal(newest["seq"]!.GetValue<long>(), broken["break"]!["seq"]!.GetValue<long>());
    }

    [Theory]
    [InlineData("audit/verify?partition=2026-13", "partition")]
    [InlineData("audit/verify?partition=2026-1", "partition")]
    [InlineData("audit/verify?partition=", "partition")]
    [InlineData("audit/verify?partition=2026-11&partition=2026-12", "partition")]
    [InlineData("audit/verify?month=2026-11", "month")]
    public async Task Should_refuse_a_bad_query_naming_the_parameter(string path, string parameter)
    {
        var problem = await (await _admin.GetAsync(path)).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");

        Assert.Contains(("parameter", parameter), problem.Errors().Select(e => (e.Location, e.Path)));
    }

    [Fact]
    public async Task Should_exit_non_zero_from_the_devhost_command_when_an_entry_was_deleted()
    {
        Directory.CreateDirectory(_data);
        string victim;
        await using (var process = await DevHostProcess.StartAsync(_data, new Dictionary<string, string>()))
        {
            await AuditSomethingAsync(process.Client, 3);
            victim = Cx.Core.Audit.AuditChain.EntryId(Month, 2);
        }

        var (intactCode, intactOutput) = await RunAsync("audit", "verify");
        var (monthCode, monthOutput) = await RunAsync("audit", "verify", "--partition", Month);
        Sql(Path.Combine(_data, "cx.db"), "DELETE FROM audit WHERE id = $id", ("$id", victim));
        var (brokenCode, brokenOutput) = await RunAsync("audit", "verify");
        var (usageCode, usageOutput) = await RunAsync("audit", "verify", "--partition", "2026-13");

        Assert.Equal(0, intactCode);
        Assert.Matches($"^{Month}: ok, [0-9]+ entries, head [0-9]+ [0-9a-f]{{64}}$", intactOutput.Trim());
        Assert.Equal((0, intactOutput), (monthCode, monthOutput));
        Assert.Equal(1, brokenCode);
        Assert.StartsWith($"{Month}: BROKEN at {victim} (seq 2): deleted.", brokenOutput.Trim(), StringComparison.Ordinal);
        Assert.Equal(2, usageCode);
        Assert.Contains("--partition is a month", usageOutput, StringComparison.Ordinal);
    }

    /// <summary>Runs <c>dotnet Cx.DevHost.dll ARGS</c> on this test's data folder; returns the exit code and stdout + stderr.</summary>
    private async Task<(int Code, string Output)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _data,
        };
        start.ArgumentList.Add(DevHostProcess.DevHostDll());
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["Cx__Storage__Sqlite__Path"] = Path.Combine(_data, "cx.db");
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            if (Directory.Exists(_data))
            {
                Directory.Delete(_data, recursive: true);
            }
        }
        catch (IOException)
        {
            // files of the stopped process may linger briefly; the temp folder is cleaned eventually
        }
    }
}
