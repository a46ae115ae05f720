using Cx.Integration.Tests.Events;
using Cx.Integration.Tests.Segments;
using Microsoft.Data.Sqlite;

namespace Cx.Integration.Tests.Experiments;

/// <summary>
/// The last significance run outlives the DevHost: a real DevHost process runs it, is killed, and a
/// new DevHost on the same data folder (whose in-memory Durable backend knows no instance) still
/// answers <c>GET /api/v1/experiment-runs</c> from the store; a new run then answers from Durable again.
/// </summary>
public sealed class ExperimentRunRestartTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "cx-experiment-run-tests", Guid.NewGuid().ToString("n"));

    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Cx__RateLimits__Enabled"] = "false",
        ["Cx__Analytics__MaxBatchDelayMs"] = "20",
    };

    [Fact]
    public async Task Should_answer_the_last_run_after_a_restart_on_the_same_data()
    {
        Directory.CreateDirectory(_data);
        var key = ExperimentSignificanceTests.Key("restart");
        string createdAt;
        await using (var first = await DevHostProcess.StartAsync(_data, Settings))
        {
            await ExperimentSignificanceTests.CreateExperimentAsync(first.Client, key);
            var run = await ExperimentSignificanceTests.RunAsync(first.Client, "run-" + key);
            Assert.Equal("too-few-units", ExperimentSignificanceTests.Outcome(run, key)["decision"]!.GetValue<string>());
            createdAt = run["createdAt"]!.GetValue<string>();
        }

        await using (var second = await DevHostProcess.StartAsync(_data, Settings))
        {
            var last = await second.Client.GetObjectAsync("experiment-runs");
            Assert.Equal("run-" + key, last["runId"]!.GetValue<string>());
            Assert.Equal("completed", last["status"]!.GetValue<string>());
            Assert.Equal("experiment-significance", last["instanceId"]!.GetValue<string>());
            // The orchestration's own clock at its start: the moment Durable reported, give or take its scheduling.
            var stored = DateTimeOffset.Parse(last["createdAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(
                stored,
                DateTimeOffset.Parse(createdAt, System.Globalization.CultureInfo.InvariantCulture).AddSeconds(-30),
                DateTimeOffset.Parse(createdAt, System.Globalization.CultureInfo.InvariantCulture).AddSeconds(30)
            );
            Assert.True(
                DateTimeOffset.Parse(last["lastUpdatedAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) >= stored
            );
            var outcome = ExperimentSignificanceTests.Outcome(last, key);
            Assert.Equal("too-few-units", outcome["decision"]!.GetValue<string>());
            Assert.Equal(key, outcome["analysis"]!["experiment"]!.GetValue<string>());
            Assert.Equal("not-decided", outcome["write"]!.GetValue<string>());

            // A new run on the restarted host replaces it (answered by Durable, then stored again).
            var again = await ExperimentSignificanceTests.RunAsync(second.Client, "rerun-" + key);
            Assert.Equal("rerun-" + key, again["runId"]!.GetValue<string>());
            Assert.Equal("rerun-" + key, (await second.Client.GetObjectAsync("experiment-runs"))["runId"]!.GetValue<string>());
        }

        await using (var third = await DevHostProcess.StartAsync(_data, Settings))
        {
            Assert.Equal("rerun-" + key, (await third.Client.GetObjectAsync("experiment-runs"))["runId"]!.GetValue<string>());
        }
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
            // A file still held open by a dying process: the temp folder is cleaned up later.
        }
    }
}
