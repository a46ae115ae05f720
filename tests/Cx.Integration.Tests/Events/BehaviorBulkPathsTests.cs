using System.Globalization;
using Cx.Core.Analytics;
using Cx.Core.Events;
using Cx.Embedded.Analytics;

namespace Cx.Integration.Tests.Events;

/// <summary>
/// The SQLite behaviour store answers bulk queries two ways: by scanning the window of the event type
/// (many customers), or customer by customer through the subject index (few customers against a large
/// history, as a recompute page does). Both must give what the single-customer query gives.
/// </summary>
public sealed class BehaviorBulkPathsTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private readonly EmbeddedAnalyticsFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static EventFact Fact(string id, string? customer, string? anonymous, string type, DateTimeOffset at, string properties) =>
        EmbeddedAnalyticsFiles.Fact(id, customer, anonymous, type, at, properties);

    /// <summary>300 customers with purchases and page views over 120 days; every third has a linked anonymous history.</summary>
    private async Task SeedAsync()
    {
        var facts = new List<EventFact>();
        for (var c = 0; c < 300; c++)
        {
            var customer = "c" + c.ToString(CultureInfo.InvariantCulture);
            for (var p = 0; p < c % 7; p++)
            {
                var at = Now.AddHours(-((c * 37 + p * 401) % (120 * 24)));
                facts.Add(
                    Fact($"o{p}", customer, null, "purchase", at, $$"""{"amount":{{10 + ((c + p) % 90)}},"category":"k{{(c + p) % 5}}"}""")
                );
            }
            facts.Add(Fact("v", customer, null, "page_view", Now.AddDays(-(c % 10)), "{}"));
            if (c % 3 == 0)
            {
                facts.Add(Fact("a1", null, "anon-" + customer, "purchase", Now.AddDays(-(c % 50)), """{"amount":5,"category":"anon"}"""));
            }
        }
        await _files.Store.ApplyAsync(new AnalyticsBatch(facts, new StreamCheckpoint("0", 1)), CancellationToken.None);
        for (var c = 0; c < 300; c += 3)
        {
            await _files.Links.LinkAsync(
                "anon-c" + c.ToString(CultureInfo.InvariantCulture),
                "c" + c.ToString(CultureInfo.InvariantCulture),
                100,
                Now,
                CancellationToken.None
            );
        }
    }

    public static TheoryData<string, BehaviorAggregate, string?, int?> Queries =>
        new()
        {
            { "purchase", BehaviorAggregate.Sum, "amount", 90 },
            { "purchase", BehaviorAggregate.Count, null, 30 },
            { "purchase", BehaviorAggregate.Distinct, "category", null },
            { "purchase", BehaviorAggregate.Max, "amount", 60 },
            { "purchase", BehaviorAggregate.Last, null, 90 },
            { BehaviorQuery.AnyEventType, BehaviorAggregate.Count, null, 7 },
        };

    [Theory]
    [MemberData(nameof(Queries))]
    public async Task Should_answer_the_same_in_bulk_whichever_way_it_reads(
        string type,
        BehaviorAggregate aggregate,
        string? property,
        int? days
    )
    {
        await SeedAsync();
        var query = new BehaviorQuery(type, aggregate, property, days is { } d ? TimeSpan.FromDays(d) : null);
        var everyone = Enumerable.Range(0, 300).Select(c => "c" + c.ToString(CultureInfo.InvariantCulture)).Append("nobody").ToList();
        // Few customers against the whole window: read through the subject index.
        var few = everyone.Where((_, i) => i % 60 == 0).ToList();

        var all = await _files.Behaviors.AggregateManyAsync(everyone, query, Now, CancellationToken.None);
        var some = await _files.Behaviors.AggregateManyAsync(few, query, Now, CancellationToken.None);

        Assert.Equal(few.Order(), some.Keys.Order());
        foreach (var customer in everyone)
        {
            var one = await _files.Behaviors.AggregateAsync(customer, query, Now, CancellationToken.None);
            Assert.Equal(Describe(one), Describe(all[customer]));
            if (some.TryGetValue(customer, out var bulk))
            {
                Assert.Equal(Describe(one), Describe(bulk));
            }
        }
        Assert.Contains(everyone, c => all[c].Count > 0);
    }

    private static string Describe(BehaviorResult result) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"{result.Count}|{result.Number}|{result.At?.ToUnixTimeMilliseconds()}|{string.Join(",", result.Values)}"
        );
}
