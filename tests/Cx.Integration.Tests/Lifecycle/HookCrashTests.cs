using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Cx.DevHost;
using Cx.Integration.Tests.Events;
using Cx.Integration.Tests.Segments;
using Microsoft.Data.Sqlite;

namespace Cx.Integration.Tests.Lifecycle;

/// <summary>
/// Kills the DevHost (SIGKILL) after the segmentation hook handled a batch and before the dispatcher
/// committed its checkpoint (the exact point, held by the DevHost's fault injection), restarts it on
/// the same files, and proves the change is delivered again and its effect happens once.
/// </summary>
public sealed partial class HookCrashTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "cx-hook-crash-tests", Guid.NewGuid().ToString("n"));

    [GeneratedRegex(
        @"Fault injection: halted hook segments after it handled \d+ changes \((?<changes>[^)]*)\)",
        RegexOptions.CultureInvariant
    )]
    private static partial Regex HaltLine();

    public HookCrashTests() => Directory.CreateDirectory(_data);

    private static Dictionary<string, string> Settings(bool halt)
    {
        var settings = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Cx__Hooks__PollMilliseconds"] = "20",
            ["Cx__Segments__JobPollSeconds"] = "1",
            ["Cx__Analytics__MaxBatchDelayMs"] = "20",
            ["Cx__RateLimits__Enabled"] = "false",
        };
        if (halt)
        {
            settings["Cx__DevHost__Faults__HaltBeforeCommit"] = "segments";
        }
        return settings;
    }

    [Fact]
    public async Task Should_redeliver_a_batch_whose_commit_a_kill_prevented_and_apply_its_effect_once()
    {
        string customer;
        string change;
        await using (var host = await DevHostProcess.StartAsync(_data, Settings(halt: true)))
        {
            await host.Client.CreateSegmentAsync("gold", """{"field":"loyaltyTier","op":"eq","value":"gold"}""");
            await host.Client.WaitForRecomputeAsync("gold", 1);
            customer = await host.Client.CreateCustomerAsync("crash", "\"loyaltyTier\":\"gold\"");

            var halted = await HaltedAsync(host);
            change = Assert.Single(halted, c => c.StartsWith($"customers/{customer}@", StringComparison.Ordinal));
            // The hook did its work on this batch (it evaluated the new customer into the segment) before the halt.
            Assert.Equal(["gold"], await host.Client.SegmentsOfAsync(customer));
            await host.KillAsync();
        }

        await using (var host = await DevHostProcess.StartAsync(_data, Settings(halt: true)))
        {
            // Never committed, so delivered again: the same change, at the same position.
            Assert.Contains(change, await HaltedAsync(host));
            await host.KillAsync();
        }

        await using (var host = await DevHostProcess.StartAsync(_data, Settings(halt: false)))
        {
            await UntilCommittedAsync(customer);
            await host.Client.WaitForProcessingAsync(TimeSpan.FromMinutes(1));

            var profile = await host.Client.GetObjectAsync($"customers/{customer}");
            Assert.Equal(["gold"], profile["segmentMembership"]!.AsArray().Select(m => m!["segment"]!.GetValue<string>()));
            Assert.Equal(["segment.entered"], profile["interactionHistory"]!.AsArray().Select(i => i!["kind"]!.GetValue<string>()));
            Assert.Equal([customer], await host.Client.MembersAsync("gold"));
            var timeline = await host.Client.GetObjectAsync($"customers/{customer}/timeline?type=segment.entered");
            Assert.Single(timeline["items"]!.AsArray());
            Assert.Empty((await host.Client.GetObjectAsync("dead-letters"))["items"]!.AsArray());
        }
    }

    [Fact]
    public async Task Should_refuse_to_start_with_a_fault_setting_outside_development()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _data,
        };
        start.ArgumentList.Add(DevHostProcess.DevHostDll());
        start.ArgumentList.Add("--port");
        start.ArgumentList.Add(DevHostProcess.FreePort().ToString(CultureInfo.InvariantCulture));
        start.Environment["Cx__Storage__Sqlite__Path"] = Path.Combine(_data, "cx.db");
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Cx__DevHost__Faults__HaltBeforeCommit"] = "segments";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(2, process.ExitCode);
        var message = (await stderr).Trim();
        Assert.StartsWith(FaultInjection.HaltBeforeCommitKey + " is a fault-injection setting", message, StringComparison.Ordinal);
        Assert.Contains("'Production'", message, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", message + await stdout, StringComparison.Ordinal);
    }

    /// <summary>Waits for the halt warning and returns the changes it names (container/id@position).</summary>
    private static async Task<string[]> HaltedAsync(DevHostProcess host)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var match = HaltLine().Match(host.Output);
            if (match.Success)
            {
                return match.Groups["changes"].Value.Split(", ");
            }
            await Task.Delay(20, timeout.Token);
        }
    }

    /// <summary>Polls the store until the segmentation hook's checkpoint has passed every change of the customer.</summary>
    private async Task UntilCommittedAsync(string customer)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_data, "cx.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText =
            "SELECT (SELECT CAST(position AS INTEGER) FROM checkpoints WHERE consumer = 'hook:segments') "
            + ">= (SELECT max(seq) FROM changes WHERE container = 'customers' AND id = $id)";
        command.Parameters.AddWithValue("$id", customer);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (command.ExecuteScalar() is not 1L)
        {
            await Task.Delay(20, timeout.Token);
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
