using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Experiments;
using Cx.Integration.Tests.Events;
using Cx.Integration.Tests.Infrastructure;
using Cx.Integration.Tests.Segments;
using Microsoft.Extensions.DependencyInjection;

namespace Cx.Integration.Tests.Experiments;

public sealed class SignificanceHostFactory : DevHostFactory
{
    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>
        {
            ["Cx:Analytics:MaxBatchDelayMs"] = "20",
            ["Cx:RateLimits:Enabled"] = "false",
            ["Cx:Experiments:MinUnitsPerArm"] = "100",
        };
}

/// <summary>
/// The significance run over HTTP against the DevHost, on the in-process Durable backend: seeded
/// exposures and purchases sent through <c>/api/v1/events</c>, a run started through
/// <c>/api/v1/experiment-runs</c> and waited for, and the experiment documents read back.
/// </summary>
public sealed class ExperimentSignificanceTests(SignificanceHostFactory host) : IClassFixture<SignificanceHostFactory>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private readonly HttpClient _client = host.CreateApiClient();

    internal static string Key(string prefix) => prefix + "-" + Guid.NewGuid().ToString("n")[..8];

    private Task<string> CreateExperimentAsync(string key) => CreateExperimentAsync(_client, key);

    private Task SeedAsync(string key, int[] perArm, double[] rates, int seed) => SeedAsync(_client, key, perArm, rates, seed);

    private Task<JsonObject> RunAsync(string runId) => RunAsync(_client, runId);

    internal static async Task<string> CreateExperimentAsync(HttpClient client, string key, string unit = "anonymous")
    {
        var flag = Key("sig-flag");
        await client
            .PostAsync(
                "flags",
                HttpAssertions.Json(
                    $$"""
                    {"key":"{{flag}}","name":"Checkout","valueType":"string","enabled":true,"offVariation":"classic",
                     "variations":[{"key":"classic","value":"classic"},{"key":"one-page","value":"one-page"}],"fallthrough":{"variation":"classic"} }
                    """
                )
            )
            .ShouldBeAsync(HttpStatusCode.Created);
        await client
            .PostAsync(
                "experiments",
                HttpAssertions.Json(
                    $$"""
                    {"key":"{{key}}","name":"One-page checkout","target":{"flag":"{{flag}}"},"control":"control",
                     "variations":[{"key":"control","weight":5000,"serves":"classic"},{"key":"one-page","weight":5000,"serves":"one-page"}],
                     "unit":"{{unit}}",
                     "primaryMetric":{"key":"purchase-rate","kind":"conversion","event":"purchase","windowHours":72},
                     "guardrails":[{"key":"revenue","kind":"mean","event":"purchase","property":"amount"}],
                     "start":"2026-12-01T00:00:00Z","plannedEnd":"2027-12-31T00:00:00Z","status":"running"}
                    """
                )
            )
            .ShouldBeAsync(HttpStatusCode.Created);
        return key;
    }

    /// <summary>
    /// Sends exposures for <paramref name="perArm"/> units of each arm (units picked by the experiment's
    /// own bucketing) and purchases for a seeded share of them: <paramref name="rates"/> per arm.
    /// </summary>
    internal static async Task SeedAsync(HttpClient client, string key, int[] perArm, double[] rates, int seed)
    {
        var experiment = new ExperimentDefinition
        {
            Key = key,
            Variations =
            [
                new ExperimentVariation { Key = "control", Weight = 5000 },
                new ExperimentVariation { Key = "one-page", Weight = 5000 },
            ],
        };
        var random = new Random(seed);
        var exposed = new int[2];
        var events = new List<JsonObject>();
        var now = TimeProvider.System.GetUtcNow();
        for (var i = 0; exposed[0] < perArm[0] || exposed[1] < perArm[1]; i++)
        {
            var unit = $"{key}-u{i}";
            var arm = ExperimentService.Pick(experiment, ExperimentService.Bucket(key, unit));
            if (exposed[arm] >= perArm[arm])
            {
                continue;
            }
            exposed[arm]++;
            events.Add(
                new JsonObject
                {
                    ["type"] = ExperimentDocuments.ExposureEvent,
                    ["anonymousId"] = unit,
                    ["eventId"] = ExperimentDocuments.ExposureEventId(key),
                    ["timestamp"] = now.AddHours(-3).ToString("O"),
                    ["properties"] = new JsonObject { ["experiment"] = key, ["variation"] = experiment.Variations[arm].Key },
                }
            );
            if (random.NextDouble() < rates[arm])
            {
                events.Add(
                    new JsonObject
                    {
                        ["type"] = "purchase",
                        ["anonymousId"] = unit,
                        ["timestamp"] = now.AddHours(-1).ToString("O"),
                        ["properties"] = new JsonObject { ["amount"] = 20 + random.Next(0, 30) },
                    }
                );
            }
        }
        foreach (var chunk in events.Chunk(400))
        {
            var answer = await client.PostEventsAsync(new JsonObject { ["events"] = new JsonArray([.. chunk]) });
            Assert.Equal(chunk.Length, answer["accepted"]!.GetValue<int>());
        }
        await client.WaitForProcessingAsync(Timeout);
    }

    /// <summary>Starts a run and waits (polling its status, a condition) until it completed; returns the run.</summary>
    internal static async Task<JsonObject> RunAsync(HttpClient client, string runId)
    {
        using var cancellation = new CancellationTokenSource(Timeout);
        // A run started by another test of this class may still be finishing: 409 until it ends.
        while (true)
        {
            var started = await client.PostAsync("experiment-runs", HttpAssertions.Json($$"""{"runId":"{{runId}}"}"""), cancellation.Token);
            if (started.StatusCode == HttpStatusCode.Accepted)
            {
                var state = await started.ReadObjectAsync();
                Assert.Equal(runId, state["runId"]!.GetValue<string>());
                break;
            }
            await started.ShouldBeProblemAsync(HttpStatusCode.Conflict, "run-in-progress");
            await Task.Delay(50, cancellation.Token);
        }
        while (true)
        {
            var state = await client.GetObjectAsync("experiment-runs");
            var status = state["status"]!.GetValue<string>();
            Assert.NotEqual("failed", status);
            if (status == "completed" && state["runId"]!.GetValue<string>() == runId)
            {
                return state;
            }
            await Task.Delay(50, cancellation.Token);
        }
    }

    internal static JsonObject Outcome(JsonObject run, string key) =>
        run["result"]!["experiments"]!.AsArray().Single(e => e!["experiment"]!.GetValue<string>() == key)!.AsObject();

    private async Task<List<string>> AuditActionsAsync(string key) =>
        [
            .. (await _client.GetObjectAsync($"audit?filter[targetId]={key}&limit=100"))["items"]!
                .AsArray()
                .Select(a => a!["action"]!.GetValue<string>()),
        ];

    [Fact]
    public async Task Should_write_the_winner_and_archive_the_loser_once_for_a_real_effect_and_nothing_on_replay()
    {
        var key = await CreateExperimentAsync(Key("sig-win"));
        await SeedAsync(key, [750, 750], [0.10, 0.25], seed: 7);

        var run = await RunAsync("run-" + key);

        var outcome = Outcome(run, key);
        Assert.Equal("winner", outcome["decision"]!.GetValue<string>());
        Assert.Equal("one-page", outcome["winner"]!.GetValue<string>());
        Assert.Equal("written", outcome["write"]!.GetValue<string>());
        var analysis = outcome["analysis"]!;
        Assert.False(analysis["sampleRatio"]!["mismatch"]!.GetValue<bool>());
        var primary = analysis["metrics"]!.AsArray().Single(m => m!["role"]!.GetValue<string>() == "primary")!;
        var treatment = primary["arms"]!.AsArray().Single(a => a!["variation"]!.GetValue<string>() == "one-page")!;
        Assert.Equal(750, treatment["units"]!.GetValue<long>());
        Assert.True(treatment["significant"]!.GetValue<bool>());
        Assert.True(treatment["sequentialLower"]!.GetValue<double>() > 0);
        Assert.True(treatment["adjustedPValue"]!.GetValue<double>() < 0.05);

        var response = await _client.GetAsync($"experiments/{key}").ShouldBeAsync(HttpStatusCode.OK);
        var etag = response.Headers.ETag!.Tag;
        var document = await response.ReadObjectAsync();
        Assert.Equal("one-page", document["winner"]!.GetValue<string>());
        Assert.Equal("ended", document["status"]!.GetValue<string>());
        Assert.Equal(["control"], document["archivedVariations"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Equal(2, document["variations"]!.AsArray().Count); // archived, never deleted
        Assert.Equal("run-" + key, document["analysis"]!["runId"]!.GetValue<string>());
        Assert.Single(await AuditActionsAsync(key), a => a == ExperimentSignificance.Decided);

        // Replay: the write activity again with the same run's analysis (as Durable re-executes an activity
        // whose completion was lost), then a whole new run: nothing is written twice.
        var replayed = JsonSerializer.Deserialize<ExperimentAnalysis>(analysis.ToJsonString(), HttpAssertions.Web)!;
        var significance = host.Services.GetRequiredService<ExperimentSignificance>();
        Assert.Equal("already-written", await significance.WriteAsync(replayed, CancellationToken.None));
        Assert.Equal("already-decided", await significance.WriteAsync(replayed with { RunId = "another" }, CancellationToken.None));
        var again = await RunAsync("rerun-" + key);
        Assert.DoesNotContain(again["result"]!["experiments"]!.AsArray(), e => e!["experiment"]!.GetValue<string>() == key);
        var after = await _client.GetAsync($"experiments/{key}").ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(etag, after.Headers.ETag!.Tag);
        Assert.Single(await AuditActionsAsync(key), a => a == ExperimentSignificance.Decided);
    }

    /// <summary>
    /// Seeds an experiment whose treatment's conversions happen under the unit's other identity and are
    /// merged by identify: for anonymous units, purchases sent as the customer each unit joined; for
    /// customer units, purchases (and a third of the treatment's exposures) sent under an anonymous id
    /// that joined the customer. The control converts under the unit's own id.
    /// </summary>
    private async Task SeedMergedAsync(string key, bool customerUnit, int perArm, double[] rates, int seed)
    {
        var experiment = new ExperimentDefinition
        {
            Key = key,
            Variations =
            [
                new ExperimentVariation { Key = "control", Weight = 5000 },
                new ExperimentVariation { Key = "one-page", Weight = 5000 },
            ],
        };
        var random = new Random(seed);
        var exposed = new int[2];
        var events = new List<JsonObject>();
        var identifies = new List<(string Anonymous, string Customer)>();
        var now = TimeProvider.System.GetUtcNow();
        JsonObject Event(string type, string subjectKind, string subject, DateTimeOffset at, JsonObject properties, string? eventId = null)
        {
            var e = new JsonObject
            {
                ["type"] = type,
                [subjectKind] = subject,
                ["timestamp"] = at.ToString("O"),
                ["properties"] = properties,
            };
            if (eventId is not null)
            {
                e["eventId"] = eventId;
            }
            return e;
        }
        for (var i = 0; exposed[0] < perArm || exposed[1] < perArm; i++)
        {
            var unit = $"{key}-m{i}";
            var arm = ExperimentService.Pick(experiment, ExperimentService.Bucket(key, unit));
            if (exposed[arm] >= perArm)
            {
                continue;
            }
            exposed[arm]++;
            var own = customerUnit ? "customerId" : "anonymousId";
            var other = customerUnit ? "anonymousId" : "customerId";
            var otherId = customerUnit ? "anon-" + unit : "cust-" + unit;
            var exposure = new JsonObject { ["experiment"] = key, ["variation"] = experiment.Variations[arm].Key };
            var exposedUnder = customerUnit && arm == 1 && i % 3 == 0 ? (other, otherId) : (own, unit);
            events.Add(
                Event(
                    ExperimentDocuments.ExposureEvent,
                    exposedUnder.Item1,
                    exposedUnder.Item2,
                    now.AddHours(-3),
                    exposure,
                    ExperimentDocuments.ExposureEventId(key)
                )
            );
            if (arm == 1)
            {
                identifies.Add(customerUnit ? (otherId, unit) : (unit, otherId));
            }
            if (random.NextDouble() < rates[arm])
            {
                var (kind, subject) = arm == 1 ? (other, otherId) : (own, unit);
                events.Add(Event("purchase", kind, subject, now.AddHours(-1), new JsonObject { ["amount"] = 20 + random.Next(0, 30) }));
            }
        }
        foreach (var chunk in events.Chunk(400))
        {
            var answer = await _client.PostEventsAsync(new JsonObject { ["events"] = new JsonArray([.. chunk]) });
            Assert.Equal(chunk.Length, answer["accepted"]!.GetValue<int>());
        }
        foreach (var (anonymous, customer) in identifies)
        {
            await _client
                .PostAsync("identify", HttpAssertions.Json($$"""{"anonymousId":"{{anonymous}}","customerId":"{{customer}}"}"""))
                .ShouldBeAsync(HttpStatusCode.OK);
        }
        await _client.WaitForProcessingAsync(Timeout);
    }

    [Fact]
    public async Task Should_count_the_history_merged_by_identify_for_anonymous_and_customer_units()
    {
        // Without the merge the treatment would have no conversions at all (and the customer experiment
        // a third fewer treatment units: a sample ratio mismatch); with it the treatment wins both.
        var anonymous = await CreateExperimentAsync(Key("sig-merge-a"));
        await SeedMergedAsync(anonymous, customerUnit: false, 500, [0.10, 0.35], seed: 21);
        var customer = await CreateExperimentAsync(_client, Key("sig-merge-c"), unit: "customer");
        await SeedMergedAsync(customer, customerUnit: true, 500, [0.10, 0.35], seed: 22);

        var run = await RunAsync("run-" + anonymous);

        foreach (var key in new[] { anonymous, customer })
        {
            var outcome = Outcome(run, key);
            var analysis = outcome["analysis"]!;
            Assert.Equal([500L, 500L], analysis["sampleRatio"]!["arms"]!.AsArray().Select(a => a!["units"]!.GetValue<long>()));
            var primary = analysis["metrics"]!.AsArray().Single(m => m!["role"]!.GetValue<string>() == "primary")!;
            var treatment = primary["arms"]!.AsArray().Single(a => a!["variation"]!.GetValue<string>() == "one-page")!;
            Assert.InRange(treatment["mean"]!.GetValue<double>(), 0.25, 0.45); // the merged conversions count, once each
            Assert.True(outcome["decision"]!.GetValue<string>() == "winner", outcome.ToJsonString());
            Assert.Equal("one-page", outcome["winner"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Should_flag_a_60_40_split_of_a_50_50_experiment_as_srm_and_write_no_winner()
    {
        var key = await CreateExperimentAsync(Key("sig-srm"));
        // The same real effect as above, but 60/40 exposed against 50/50 weights.
        await SeedAsync(key, [900, 600], [0.10, 0.25], seed: 8);
        var before = await _client.GetAsync($"experiments/{key}").ShouldBeAsync(HttpStatusCode.OK);

        var run = await RunAsync("run-" + key);

        var outcome = Outcome(run, key);
        Assert.Equal("sample-ratio-mismatch", outcome["decision"]!.GetValue<string>());
        Assert.Null(outcome["winner"]);
        Assert.Equal("not-decided", outcome["write"]!.GetValue<string>());
        var srm = outcome["analysis"]!["sampleRatio"]!;
        Assert.True(srm["mismatch"]!.GetValue<bool>());
        Assert.True(srm["pValue"]!.GetValue<double>() < 0.001);
        var after = await _client.GetAsync($"experiments/{key}").ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(before.Headers.ETag!.Tag, after.Headers.ETag!.Tag);
        var document = await after.ReadObjectAsync();
        Assert.Null(document["winner"]);
        Assert.Equal("running", document["status"]!.GetValue<string>());
        Assert.DoesNotContain(ExperimentSignificance.Decided, await AuditActionsAsync(key));
    }

    [Fact]
    public async Task Should_decide_nothing_without_an_effect()
    {
        var key = await CreateExperimentAsync(Key("sig-null"));
        await SeedAsync(key, [400, 400], [0.15, 0.15], seed: 9);

        var outcome = Outcome(await RunAsync("run-" + key), key);

        Assert.Equal("no-decision", outcome["decision"]!.GetValue<string>());
        Assert.Null((await _client.GetObjectAsync($"experiments/{key}"))["winner"]);
    }

    [Theory]
    [InlineData("2098-01-01T00:00:00Z", "2099-01-01T00:00:00Z")]
    [InlineData("2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z")]
    public async Task Should_serve_the_control_and_record_no_exposure_outside_start_and_planned_end(string start, string plannedEnd)
    {
        var key = await CreateExperimentAsync(Key("sig-window"));
        var document = await _client.GetAsync($"experiments/{key}").ShouldBeAsync(HttpStatusCode.OK);
        var body = await document.ReadObjectAsync();
        body["start"] = start;
        body["plannedEnd"] = plannedEnd;
        foreach (var name in (string[])["id", "type", "schemaVersion", "createdAt", "updatedAt"])
        {
            body.Remove(name);
        }
        var put = new HttpRequestMessage(HttpMethod.Put, $"experiments/{key}") { Content = HttpAssertions.Json(body) };
        put.Headers.IfMatch.Add(document.Headers.ETag!);
        await _client.SendAsync(put).ShouldBeAsync(HttpStatusCode.OK);
        await _client.WaitForProcessingAsync(Timeout);
        var appended = (await _client.GetObjectAsync("events/status"))["appended"]!.GetValue<long>();

        var variations = new HashSet<string>();
        for (var i = 0; i < 40; i++)
        {
            var answer = await (
                await _client
                    .PostAsync($"experiments/{key}/assign", HttpAssertions.Json($$"""{"unitId":"w{{i}}"}"""))
                    .ShouldBeAsync(HttpStatusCode.OK)
            ).ReadObjectAsync();
            variations.Add(answer["variation"]!.GetValue<string>());
            Assert.False(answer["exposed"]!.GetValue<bool>());
        }

        Assert.Equal(["control"], variations);
        await _client.WaitForProcessingAsync(Timeout);
        Assert.Equal(appended, (await _client.GetObjectAsync("events/status"))["appended"]!.GetValue<long>());
    }

    [Fact]
    public async Task Should_answer_400_for_a_bad_run_request_and_start_nothing()
    {
        var bad = await _client.PostAsync("experiment-runs", HttpAssertions.Json("""{"runId":"no spaces allowed"}"""));
        var problem = await bad.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Contains(problem.Errors(), e => e.Path == "/runId" && e.Code == "run-id");
        var unknown = await _client.PostAsync("experiment-runs", HttpAssertions.Json("""{"runID":"x"}"""));
        Assert.Contains(
            (await unknown.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed")).Errors(),
            e => e.Path == "/runID"
        );
        await _client.PostAsync("experiment-runs", HttpAssertions.Json("[1]")).ShouldBeAsync(HttpStatusCode.BadRequest);
        await _client.GetAsync("experiment-runs?x=1").ShouldBeAsync(HttpStatusCode.BadRequest);
    }
}

public sealed class SignificanceTimerHostFactory : DevHostFactory
{
    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>
        {
            ["Cx:RateLimits:Enabled"] = "false",
            // Every second: the timer's schedule comes from the app setting its trigger names.
            ["Cx:Experiments:SignificanceSchedule"] = "* * * * * *",
        };
}

/// <summary>The timer function starts the singleton orchestration on the schedule the setting gives (the DevHost runs it).</summary>
public sealed class ExperimentSignificanceTimerTests(SignificanceTimerHostFactory host) : IClassFixture<SignificanceTimerHostFactory>
{
    [Fact]
    public async Task Should_start_the_significance_run_from_the_timer_on_the_configured_schedule()
    {
        var client = host.CreateApiClient();
        using var cancellation = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var response = await client.GetAsync("experiment-runs", cancellation.Token);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var state = await response.ReadObjectAsync();
                if (state["status"]!.GetValue<string>() == "completed")
                {
                    Assert.StartsWith("timer-", state["runId"]!.GetValue<string>(), StringComparison.Ordinal);
                    Assert.Equal("experiment-significance", state["instanceId"]!.GetValue<string>());
                    Assert.Empty(state["result"]!["experiments"]!.AsArray());
                    return;
                }
            }
            else
            {
                await response.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
            }
            await Task.Delay(50, cancellation.Token);
        }
    }
}

public sealed class SignificancePromoteHostFactory : DevHostFactory
{
    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>
        {
            ["Cx:Analytics:MaxBatchDelayMs"] = "20",
            ["Cx:RateLimits:Enabled"] = "false",
            ["Cx:Experiments:PromoteWinner"] = "true",
        };
}

/// <summary>With <c>Cx:Experiments:PromoteWinner</c>, a written winner keeps the experiment running and serves every unit.</summary>
public sealed class ExperimentSignificancePromoteTests(SignificancePromoteHostFactory host) : IClassFixture<SignificancePromoteHostFactory>
{
    [Fact]
    public async Task Should_promote_the_winner_to_every_unit_and_keep_the_loser_archived()
    {
        var client = host.CreateApiClient();
        var key = await ExperimentSignificanceTests.CreateExperimentAsync(client, ExperimentSignificanceTests.Key("sig-promote"));
        await ExperimentSignificanceTests.SeedAsync(client, key, [750, 750], [0.10, 0.25], seed: 11);

        var outcome = ExperimentSignificanceTests.Outcome(await ExperimentSignificanceTests.RunAsync(client, "run-" + key), key);

        Assert.Equal("written", outcome["write"]!.GetValue<string>());
        var document = await client.GetObjectAsync($"experiments/{key}");
        Assert.Equal("running", document["status"]!.GetValue<string>());
        Assert.True(document["promoted"]!.GetValue<bool>());
        Assert.Equal("one-page", document["winner"]!.GetValue<string>());
        Assert.Equal(["control"], document["archivedVariations"]!.AsArray().Select(v => v!.GetValue<string>()));
        for (var i = 0; i < 30; i++)
        {
            var answer = await (
                await client
                    .PostAsync($"experiments/{key}/assign", HttpAssertions.Json($$"""{"unitId":"p{{i}}","expose":false}"""))
                    .ShouldBeAsync(HttpStatusCode.OK)
            ).ReadObjectAsync();
            Assert.Equal("one-page", answer["variation"]!.GetValue<string>());
        }
    }
}
