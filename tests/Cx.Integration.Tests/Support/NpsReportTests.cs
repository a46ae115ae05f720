using System.Net;
using System.Text.Json.Nodes;
using Cx.Core.Identity;
using Cx.Integration.Tests.Events;
using Cx.Integration.Tests.Infrastructure;
using Cx.Integration.Tests.Segments;

namespace Cx.Integration.Tests.Support;

/// <summary>A host of its own (only these answers in it), with the fast event batcher.</summary>
public sealed class NpsDevHostFactory : EventsHostFactory;

/// <summary>NPS reports over HTTP: per period with 95 % intervals, of one segment, and against feature adoption.</summary>
public sealed class NpsReportTests(NpsDevHostFactory host) : IClassFixture<NpsDevHostFactory>
{
    private readonly HttpClient _admin = host.CreateApiClient();
    private readonly HttpClient _marketer = host.CreateClientFor(Roles.Marketer);

    private static readonly int[] Answers = [10, 10, 9, 9, 8, 7, 6, 3, 0, 5];

    [Fact]
    public async Task Should_report_nps_per_period_of_a_segment_and_against_adoption_with_confidence_intervals()
    {
        var customers = new List<string>();
        for (var i = 0; i < Answers.Length; i++)
        {
            var id = $"nps-{i}-{Guid.NewGuid():N}"[..20];
            var tier = i < 4 ? "gold" : "none"; // the four promoters are gold
            await _admin
                .PostAsync("customers", HttpAssertions.Json($$"""{"id":"{{id}}","email":"{{id}}@example.com","loyaltyTier":"{{tier}}"}"""))
                .ShouldBeAsync(HttpStatusCode.Created);
            await _admin
                .PostAsync($"customers/{id}/feedback", HttpAssertions.Json($$"""{"nps":{{Answers[i]}}}"""))
                .ShouldBeAsync(HttpStatusCode.Created);
            customers.Add(id);
        }

        // Everyone: P = 4, D = 4 of 10: NPS 0; variance (0.4 + 0.4 - 0) / 10 = 0.08; half-width 1.96 * 100 * sqrt(0.08) = 55.44.
        var report = await (await _marketer.GetAsync("feedback/nps?period=month").ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        var total = report["total"]!.AsObject();
        Assert.Equal(10, total["responses"]!.GetValue<int>());
        Assert.Equal(4, total["promoters"]!.GetValue<int>());
        Assert.Equal(2, total["passives"]!.GetValue<int>());
        Assert.Equal(4, total["detractors"]!.GetValue<int>());
        Assert.Equal(0, total["nps"]!.GetValue<double>());
        Assert.Equal(-55.44, total["low"]!.GetValue<double>(), 2);
        Assert.Equal(55.44, total["high"]!.GetValue<double>(), 2);
        var month = Assert.Single(report["periods"]!.AsArray())!;
        Assert.Equal(
            TimeProvider.System.GetUtcNow().ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture),
            month["group"]!.GetValue<string>()
        );

        // A segment: the gold customers, all promoters: NPS 100, interval clamped at 100.
        var segment = "gold-" + Guid.NewGuid().ToString("n")[..6];
        await _admin.CreateSegmentAsync(segment, """{"field":"loyaltyTier","op":"eq","value":"gold"}""");
        JsonObject? gold = null;
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            while (gold is null)
            {
                var answer = await (
                    await _marketer.GetAsync($"feedback/nps?period=all&segment={segment}").ShouldBeAsync(HttpStatusCode.OK)
                ).ReadObjectAsync();
                if (answer["total"]!["responses"]!.GetValue<int>() == 4)
                {
                    gold = answer;
                }
                else
                {
                    await Task.Delay(50, timeout.Token);
                }
            }
        }
        Assert.Equal(100, gold["total"]!["nps"]!.GetValue<double>());
        Assert.Equal(100, gold["total"]!["high"]!.GetValue<double>());
        Assert.Equal("all", Assert.Single(gold["periods"]!.AsArray())!["group"]!.GetValue<string>());

        // Adoption: the first three (promoters 10, 10, 9) searched; the other seven did not.
        var events = new JsonArray();
        foreach (var id in customers.Take(3))
        {
            events.Add(
                new JsonObject
                {
                    ["type"] = "search",
                    ["customerId"] = id,
                    ["properties"] = new JsonObject { ["query"] = "q" },
                }
            );
        }
        await _admin.PostEventsAsync(new JsonObject { ["events"] = events });
        await _admin.WaitForProcessingAsync();
        var adoption = await (
            await _marketer.GetAsync("feedback/nps-adoption?eventType=search").ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        Assert.Equal(3, adoption["used"]!["responses"]!.GetValue<int>());
        Assert.Equal(100, adoption["used"]!["nps"]!.GetValue<double>());
        // Not used: 9, 8, 7, 6, 3, 0, 5: P = 1, D = 4 of 7: NPS -42.86.
        Assert.Equal(7, adoption["notUsed"]!["responses"]!.GetValue<int>());
        Assert.Equal(-42.86, adoption["notUsed"]!["nps"]!.GetValue<double>(), 2);
    }

    [Fact]
    public async Task Should_refuse_bad_report_queries_naming_the_parameter()
    {
        foreach (
            var (query, parameter) in new[]
            {
                ("feedback/nps?period=year", "period"),
                ("feedback/nps?from=yesterday", "from"),
                ("feedback/nps?from=2026-12-01&to=2026-01-01", "from"),
                ("feedback/nps?colour=red", "colour"),
                ("feedback/nps-adoption", "eventType"),
                ("feedback/nps-adoption?eventType=search&to=soon", "to"),
            }
        )
        {
            var problem = await (await _marketer.GetAsync(query)).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
            Assert.Contains(problem.Errors(), e => e.Location == "parameter" && e.Path == parameter);
        }
        await (await _marketer.GetAsync("feedback/nps?segment=no-such-segment")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
    }
}
