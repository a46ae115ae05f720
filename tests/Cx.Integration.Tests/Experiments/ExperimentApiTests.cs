using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Experiments;
using Cx.Integration.Tests.Events;
using Cx.Integration.Tests.Infrastructure;
using Cx.Integration.Tests.Segments;

namespace Cx.Integration.Tests.Experiments;

/// <summary>Experiments over HTTP against the DevHost: documents, validation with pointers, audit, assignment and exposure.</summary>
public sealed class ExperimentApiTests(SegmentsHostFactory host) : IClassFixture<SegmentsHostFactory>
{
    private readonly HttpClient _client = host.CreateApiClient();

    /// <summary>The chi-square critical value at p = 0.01 with one degree of freedom.</summary>
    private const double ChiSquare01Df1 = 6.634896601021214;

    private static string Key(string prefix) => prefix + "-" + Guid.NewGuid().ToString("n")[..8];

    private async Task<string> CreateFlagAsync()
    {
        var key = Key("exp-flag");
        await _client
            .PostAsync(
                "flags",
                HttpAssertions.Json(
                    $$"""
                    {"key":"{{key}}","name":"Checkout","valueType":"string","enabled":true,"offVariation":"classic",
                     "variations":[{"key":"classic","value":"classic"},{"key":"one-page","value":"one-page"}],"fallthrough":{"variation":"classic"} }
                    """
                )
            )
            .ShouldBeAsync(HttpStatusCode.Created);
        return key;
    }

    private static JsonObject Experiment(
        string key,
        string flag,
        string status = "running",
        string unit = "anonymous",
        int control = 5000
    ) =>
        JsonNode
            .Parse(
                $$"""
                {"key":"{{key}}","name":"One-page checkout","target":{"flag":"{{flag}}"},"control":"control",
                 "variations":[{"key":"control","weight":{{control}},"serves":"classic"},{"key":"one-page","weight":{{10000
                    - control}},"serves":"one-page"}],
                 "unit":"{{unit}}",
                 "primaryMetric":{"key":"purchase-rate","kind":"conversion","event":"purchase","windowHours":72},
                 "guardrails":[{"key":"revenue","kind":"mean","event":"purchase","property":"amount"}],
                 "start":"2026-12-01T00:00:00Z","plannedEnd":"2099-12-31T00:00:00Z","status":"{{status}}"}
                """
            )!
            .AsObject();

    private async Task<JsonObject> CreateAsync(JsonObject experiment) =>
        await (
            await _client.PostAsync("experiments", HttpAssertions.Json(experiment.ToJsonString())).ShouldBeAsync(HttpStatusCode.Created)
        ).ReadObjectAsync();

    private async Task<JsonObject> AssignAsync(string key, string unit, bool expose = true) =>
        await (
            await _client
                .PostAsync(
                    $"experiments/{key}/assign",
                    HttpAssertions.Json($$"""{"unitId":"{{unit}}","expose":{{(expose ? "true" : "false")}}}""")
                )
                .ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();

    private static double ChiSquare(int[] observed, double[] expectedShares)
    {
        var total = observed.Sum();
        return observed.Select((o, i) => Math.Pow(o - total * expectedShares[i], 2) / (total * expectedShares[i])).Sum();
    }

    [Fact]
    public void Should_split_100000_units_50_50_within_chi_square_p_above_001_in_process()
    {
        var experiment = new ExperimentDefinition
        {
            Key = "split-check",
            Variations =
            [
                new ExperimentVariation { Key = "control", Weight = 5000 },
                new ExperimentVariation { Key = "treatment", Weight = 5000 },
            ],
        };
        var counts = new int[2];
        for (var i = 0; i < 100_000; i++)
        {
            counts[ExperimentService.Pick(experiment, ExperimentService.Bucket(experiment.Key, "unit-" + i))]++;
        }
        var chi = ChiSquare(counts, [0.5, 0.5]);
        Assert.True(chi < ChiSquare01Df1, $"chi-square {chi:F3} for {counts[0]}/{counts[1]}");

        // A 90/10 split is held to its own weights, and a 50/50 expectation would reject it.
        var skewed = experiment with
        {
            Variations =
            [
                new ExperimentVariation { Key = "control", Weight = 9000 },
                new ExperimentVariation { Key = "treatment", Weight = 1000 },
            ],
        };
        var skewedCounts = new int[2];
        for (var i = 0; i < 100_000; i++)
        {
            skewedCounts[ExperimentService.Pick(skewed, ExperimentService.Bucket(skewed.Key, "unit-" + i))]++;
        }
        Assert.True(ChiSquare(skewedCounts, [0.9, 0.1]) < ChiSquare01Df1);
        Assert.True(ChiSquare(skewedCounts, [0.5, 0.5]) > ChiSquare01Df1);
    }

    [Fact]
    public async Task Should_assign_over_http_deterministically_stably_and_within_the_weights()
    {
        var flag = await CreateFlagAsync();
        var key = Key("split");
        var created = await CreateAsync(Experiment(key, flag));
        Assert.Equal("running", created["status"]!.GetValue<string>());
        var definition = new ExperimentDefinition
        {
            Key = key,
            Variations =
            [
                new ExperimentVariation { Key = "control", Weight = 5000 },
                new ExperimentVariation { Key = "one-page", Weight = 5000 },
            ],
        };

        // Issue 14's "done means": 100,000 units over HTTP from 16 concurrent requests. The answers of the
        // first 200 are held to the OpenAPI document (the validating client); the bulk goes through a raw
        // client with the same token, as validating 200,000 responses costs the test process a minute.
        const int units = 100_000;
        var first = new string[units];
        var counts = new int[2];
        using var raw = host.CreateRawClient();
        raw.DefaultRequestHeaders.Authorization = _client.DefaultRequestHeaders.Authorization;
        async Task<(string Variation, int Bucket, bool Control, string Serves)> RawAssignAsync(int n)
        {
            using var response = await raw.PostAsync(
                $"experiments/{key}/assign",
                HttpAssertions.Json($$"""{"unitId":"anon-{{n}}","expose":false}""")
            );
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var answer = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync());
            var root = answer.RootElement;
            return (
                root.GetProperty("variation").GetString()!,
                root.GetProperty("bucket").GetInt32(),
                root.GetProperty("control").GetBoolean(),
                root.GetProperty("serves").GetString()!
            );
        }
        for (var i = 0; i < 200; i++)
        {
            var answer = await AssignAsync(key, "anon-" + i, expose: false);
            first[i] = answer["variation"]!.GetValue<string>();
            Assert.Equal(ExperimentService.Bucket(key, "anon-" + i), answer["bucket"]!.GetValue<int>());
        }
        await Parallel.ForAsync(
            200,
            units,
            new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (i, _) =>
            {
                var (variation, bucket, control, serves) = await RawAssignAsync(i);
                first[i] = variation;
                Assert.Equal(ExperimentService.Bucket(key, "anon-" + i), bucket);
                Assert.Equal(variation == "control", control);
                Assert.Equal(variation == "control" ? "classic" : "one-page", serves);
            }
        );
        for (var i = 0; i < units; i++)
        {
            // The HTTP answer is the in-process assignment (any SDK can reproduce it).
            Assert.Equal(
                definition.Variations[ExperimentService.Pick(definition, ExperimentService.Bucket(key, "anon-" + i))].Key,
                first[i]
            );
            counts[first[i] == "control" ? 0 : 1]++;
        }
        var chi = ChiSquare(counts, [0.5, 0.5]);
        Assert.True(chi < ChiSquare01Df1, $"chi-square {chi:F3} for {counts[0]}/{counts[1]}");

        // Stable across calls: every unit asked again, in reverse order, gets the same arm.
        var changed = 0;
        await Parallel.ForAsync(
            0,
            units,
            new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (i, _) =>
            {
                var n = units - 1 - i;
                if ((await RawAssignAsync(n)).Variation != first[n])
                {
                    Interlocked.Increment(ref changed);
                }
            }
        );
        Assert.Equal(0, changed);

        // Stable across calls, and across a change that does not touch the arms (pausing and resuming).
        for (var i = 0; i < 200; i++)
        {
            Assert.Equal(first[i], (await AssignAsync(key, "anon-" + i, expose: false))["variation"]!.GetValue<string>());
        }
        var current = await _client.GetAsync($"experiments/{key}");
        var paused = Experiment(key, flag, status: "paused");
        using (
            var put = new HttpRequestMessage(HttpMethod.Put, $"experiments/{key}") { Content = HttpAssertions.Json(paused.ToJsonString()) }
        )
        {
            put.Headers.IfMatch.Add(current.Headers.ETag!);
            await _client.SendAsync(put).ShouldBeAsync(HttpStatusCode.OK);
        }
        await (await _client.PostAsync($"experiments/{key}/assign", HttpAssertions.Json("""{"unitId":"anon-1"}"""))).ShouldBeProblemAsync(
            HttpStatusCode.Conflict,
            "experiment-not-running"
        );
        await _client
            .PutAsync($"experiments/{key}", HttpAssertions.Json(Experiment(key, flag).ToJsonString()))
            .ShouldBeAsync(HttpStatusCode.OK);
        for (var i = 0; i < 200; i++)
        {
            Assert.Equal(first[i], (await AssignAsync(key, "anon-" + i, expose: false))["variation"]!.GetValue<string>());
        }

        // Once started, the arms are locked: units cannot move.
        var moved = await _client.PutAsync($"experiments/{key}", HttpAssertions.Json(Experiment(key, flag, control: 9000).ToJsonString()));
        Assert.Contains(
            ("pointer", "/variations", "locked"),
            (await moved.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed")).Errors()
        );
        // An experiment that ran is not deleted.
        await (await _client.DeleteAsync($"experiments/{key}")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "experiment-started");

        var audit = await _client.GetObjectAsync($"audit?filter[targetId]={key}&limit=50");
        var actions = audit["items"]!.AsArray().Select(a => a!["action"]!.GetValue<string>()).ToList();
        Assert.Equal(3, actions.Count(a => a == ExperimentService.Saved));
    }

    [Fact]
    public async Task Should_record_one_exposure_per_unit_and_experiment()
    {
        var flag = await CreateFlagAsync();
        var key = Key("exposed");
        await CreateAsync(Experiment(key, flag, unit: "customer"));
        var customer = await _client.CreateCustomerAsync("exp");
        var answer = await AssignAsync(key, customer);
        await AssignAsync(key, customer);
        await AssignAsync(key, customer);
        Assert.Equal("exposure:experiment:" + key, answer["exposure"]!["eventId"]!.GetValue<string>());

        // The front end sends the same exposure through /api/v1/events: still one.
        var sent = await _client.PostAsync(
            "events",
            HttpAssertions.Json(
                $$"""{"type":"experiment.exposure","customerId":"{{customer}}","eventId":"exposure:experiment:{{key}}","properties":{"experiment":"{{key}}","variation":"{{answer["variation"]}}"} }"""
            )
        );
        Assert.True(sent.IsSuccessStatusCode, sent.StatusCode.ToString());
        await _client.WaitForProcessingAsync();
        var timeline = await _client.GetObjectAsync($"customers/{customer}/timeline?type=experiment.exposure");
        var exposure = Assert.Single(timeline["items"]!.AsArray())!;
        Assert.Equal(answer["variation"]!.GetValue<string>(), exposure["properties"]!["variation"]!.GetValue<string>());
        Assert.Equal(key, exposure["properties"]!["experiment"]!.GetValue<string>());

        // expose: false records nothing for another unit.
        var other = await _client.CreateCustomerAsync("exp-quiet");
        await AssignAsync(key, other, expose: false);
        await _client.WaitForProcessingAsync();
        Assert.Empty((await _client.GetObjectAsync($"customers/{other}/timeline?type=experiment.exposure"))["items"]!.AsArray());
    }

    [Fact]
    public async Task Should_store_a_guardrail_tolerated_harm_and_answer_400_with_its_pointer_out_of_range_or_on_the_primary()
    {
        var flag = await CreateFlagAsync();
        var key = Key("tolerance");
        var bad = Experiment(key, flag);
        bad["guardrails"]![0]!["toleratedHarm"] = 1.5;
        bad["primaryMetric"]!["toleratedHarm"] = 0.02;
        var problem = await (await _client.PostAsync("experiments", HttpAssertions.Json(bad.ToJsonString()))).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        Assert.Contains(problem.Errors(), e => e.Path == "/guardrails/0/toleratedHarm");
        Assert.Contains(problem.Errors(), e => e.Path == "/primaryMetric/toleratedHarm");
        var negative = Experiment(key, flag);
        negative["guardrails"]![0]!["toleratedHarm"] = -0.01;
        problem = await (await _client.PostAsync("experiments", HttpAssertions.Json(negative.ToJsonString()))).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        Assert.Equal(["/guardrails/0/toleratedHarm"], problem.Errors().Select(e => e.Path));
        var text = Experiment(key, flag);
        text["guardrails"]![0]!["toleratedHarm"] = "2%";
        problem = await (await _client.PostAsync("experiments", HttpAssertions.Json(text.ToJsonString()))).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        Assert.Contains(problem.Errors(), e => e.Path == "/guardrails/0/toleratedHarm");
        await (await _client.GetAsync($"experiments/{key}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");

        var good = Experiment(key, flag);
        good["guardrails"]![0]!["toleratedHarm"] = 0.02;
        var created = await CreateAsync(good);
        Assert.Equal(0.02, created["guardrails"]![0]!["toleratedHarm"]!.GetValue<double>());
        var read = await _client.GetObjectAsync($"experiments/{key}");
        Assert.Equal(0.02, read["guardrails"]![0]!["toleratedHarm"]!.GetValue<double>());
    }

    [Fact]
    public async Task Should_store_a_metric_direction_and_answer_400_with_its_pointer_for_any_other_value()
    {
        var flag = await CreateFlagAsync();
        var key = Key("direction");
        var bad = Experiment(key, flag);
        bad["guardrails"]![0]!["direction"] = "sideways";
        var problem = await (await _client.PostAsync("experiments", HttpAssertions.Json(bad.ToJsonString()))).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        Assert.Contains(problem.Errors(), e => e.Path == "/guardrails/0/direction");
        await (await _client.GetAsync($"experiments/{key}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");

        var good = Experiment(key, flag);
        good["primaryMetric"]!["direction"] = "increase";
        good["guardrails"]![0]!["direction"] = "decrease";
        var created = await CreateAsync(good);
        Assert.Equal("decrease", created["guardrails"]![0]!["direction"]!.GetValue<string>());
        var read = await _client.GetObjectAsync($"experiments/{key}");
        Assert.Equal("decrease", read["guardrails"]![0]!["direction"]!.GetValue<string>());
        // The default is left out of the stored document: "increase" reads back as no direction.
        Assert.Null(read["primaryMetric"]!["direction"]);
    }

    [Fact]
    public async Task Should_answer_400_with_json_pointers_for_bad_documents_and_write_nothing()
    {
        var flag = await CreateFlagAsync();
        var key = Key("bad");
        var bad = Experiment(key, flag, status: "paused");
        bad["variations"]![1]!["weight"] = 4000;
        bad["variations"]![1]!["serves"] = "nope";
        bad["control"] = "missing";
        bad["primaryMetric"]!["kind"] = "sum";
        bad["guardrails"]![0]!["key"] = "purchase-rate";
        bad["plannedEnd"] = "2026-11-01T00:00:00Z";
        var problem = await (await _client.PostAsync("experiments", HttpAssertions.Json(bad.ToJsonString()))).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        var errors = problem.Errors();
        Assert.Contains(("pointer", "/variations", "sum"), errors);
        Assert.Contains(("pointer", "/variations/1/serves", "unknown-variation"), errors);
        Assert.Contains(("pointer", "/control", "unknown-variation"), errors);
        Assert.Contains(("pointer", "/primaryMetric/property", "required"), errors);
        Assert.Contains(("pointer", "/guardrails/0/key", "duplicate"), errors);
        Assert.Contains(("pointer", "/plannedEnd", "after-start"), errors);
        Assert.Contains(("pointer", "/status", "transition"), errors);
        await (await _client.GetAsync($"experiments/{key}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");

        var unknownTarget = Experiment(key, "no-such-flag");
        Assert.Contains(
            ("pointer", "/target/flag", "unknown-flag"),
            (
                await (await _client.PostAsync("experiments", HttpAssertions.Json(unknownTarget.ToJsonString()))).ShouldBeProblemAsync(
                    HttpStatusCode.BadRequest,
                    "validation-failed"
                )
            ).Errors()
        );
        var both = Experiment(key, flag);
        both["target"]!["placement"] = "home.hero";
        Assert.Contains(
            ("pointer", "/target", "one-of"),
            (
                await (await _client.PostAsync("experiments", HttpAssertions.Json(both.ToJsonString()))).ShouldBeProblemAsync(
                    HttpStatusCode.BadRequest,
                    "validation-failed"
                )
            ).Errors()
        );

        var unknownPlacement = Experiment(key, flag);
        unknownPlacement["target"] = new JsonObject { ["placement"] = "no-such.placement" };
        Assert.Contains(
            ("pointer", "/target/placement", "unknown-placement"),
            (
                await (await _client.PostAsync("experiments", HttpAssertions.Json(unknownPlacement.ToJsonString()))).ShouldBeProblemAsync(
                    HttpStatusCode.BadRequest,
                    "validation-failed"
                )
            ).Errors()
        );
        var badUnit = Experiment(key, flag);
        badUnit["unit"] = "device";
        var unitProblem = await (await _client.PostAsync("experiments", HttpAssertions.Json(badUnit.ToJsonString()))).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        Assert.Contains(unitProblem.Errors(), e => e.Path == "/unit");
        await (await _client.GetAsync($"experiments/{key}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");

        // Bad assignment requests.
        await CreateAsync(Experiment(key, flag, status: "draft"));
        Assert.Contains(
            ("pointer", "/unitId", "unit-id"),
            (
                await (
                    await _client.PostAsync($"experiments/{key}/assign", HttpAssertions.Json("""{"unitId":"a b"}"""))
                ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed")
            ).Errors()
        );
        Assert.Contains(
            ("pointer", "/extra", "unknown-field"),
            (
                await (
                    await _client.PostAsync($"experiments/{key}/assign", HttpAssertions.Json("""{"unitId":"a","extra":1}"""))
                ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed")
            ).Errors()
        );
        await (await _client.PostAsync($"experiments/{key}/assign", HttpAssertions.Json("""{"unitId":"a"}"""))).ShouldBeProblemAsync(
            HttpStatusCode.Conflict,
            "experiment-not-running"
        );
        await (await _client.PostAsync("experiments/none-such/assign", HttpAssertions.Json("""{"unitId":"a"}"""))).ShouldBeProblemAsync(
            HttpStatusCode.NotFound,
            "not-found"
        );
        // A draft is deleted.
        await _client.DeleteAsync($"experiments/{key}").ShouldBeAsync(HttpStatusCode.NoContent);
    }
}
