using Cx.Core.Analytics;
using Cx.Core.Common;
using Cx.Core.Events;

namespace Cx.Core.Tests.Analytics;

public sealed class IsoDurationTests
{
    [Theory]
    [InlineData("P90D", 90 * 24)]
    [InlineData("P7D", 7 * 24)]
    [InlineData("PT24H", 24)]
    [InlineData("P2W", 14 * 24)]
    [InlineData("P1DT12H", 36)]
    [InlineData("P3660D", 3660 * 24)]
    public void Should_parse_day_week_and_hour_durations(string text, int hours)
    {
        Assert.True(IsoDuration.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromHours(hours), duration);
    }

    [Theory]
    [InlineData("P1M")]
    [InlineData("P1Y")]
    [InlineData("")]
    [InlineData("90")]
    [InlineData("P0D")]
    [InlineData("-P1D")]
    [InlineData("PXD")]
    [InlineData("P3661D")]
    [InlineData("P523W")]
    [InlineData("P0W")]
    public void Should_reject_duration_when_it_is_not_a_fixed_positive_length(string text)
    {
        Assert.False(IsoDuration.TryParse(text, out _));
    }

    [Fact]
    public void Should_format_a_duration_canonically()
    {
        Assert.Equal("P90D", IsoDuration.Format(TimeSpan.FromDays(90)));
        Assert.Equal("PT30M", IsoDuration.Format(TimeSpan.FromMinutes(30)));
    }
}

public sealed class BehaviorWindowTests
{
    private static readonly DateTimeOffset AsOf = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Should_exclude_event_when_it_is_exactly_at_the_window_start()
    {
        var query = new BehaviorQuery("purchase", BehaviorAggregate.Count, Window: TimeSpan.FromDays(90));
        Assert.False(query.Contains(AsOf.AddDays(-90).ToUnixTimeMilliseconds(), AsOf));
    }

    [Fact]
    public void Should_include_event_when_it_is_one_millisecond_after_the_window_start()
    {
        var query = new BehaviorQuery("purchase", BehaviorAggregate.Count, Window: TimeSpan.FromDays(90));
        Assert.True(query.Contains(AsOf.AddDays(-90).ToUnixTimeMilliseconds() + 1, AsOf));
    }

    [Fact]
    public void Should_include_event_when_it_is_exactly_at_as_of_and_exclude_it_one_millisecond_later()
    {
        var query = new BehaviorQuery("purchase", BehaviorAggregate.Count, Window: TimeSpan.FromHours(24));
        Assert.True(query.Contains(AsOf.ToUnixTimeMilliseconds(), AsOf));
        Assert.False(query.Contains(AsOf.ToUnixTimeMilliseconds() + 1, AsOf));
    }

    [Fact]
    public void Should_include_every_past_event_when_there_is_no_window()
    {
        var query = new BehaviorQuery("purchase", BehaviorAggregate.Count);
        Assert.True(query.Contains(AsOf.AddYears(-5).ToUnixTimeMilliseconds(), AsOf));
        Assert.Equal(long.MinValue, query.StartExclusiveMs(AsOf));
    }
}

public sealed class BehaviorAccumulatorTests
{
    private static BehaviorResult Run(BehaviorAggregate aggregate, string? property, params (long Ts, string Json)[] events)
    {
        var accumulator = new BehaviorAccumulator(new BehaviorQuery("purchase", aggregate, property));
        foreach (var (ts, json) in events)
        {
            accumulator.Add(ts, System.Text.Encoding.UTF8.GetBytes(json));
        }
        return accumulator.Result();
    }

    private static readonly (long, string)[] Purchases =
    [
        (3000, """{"amount":10.10,"category":"shoes"}"""),
        (1000, """{"amount":0.20,"category":"hats"}"""),
        (2000, """{"amount":5,"category":"shoes"}"""),
        (4000, """{"category":"bags"}"""),
    ];

    [Fact]
    public void Should_sum_decimals_exactly()
    {
        var result = Run(BehaviorAggregate.Sum, "amount", Purchases);
        Assert.Equal(15.30m, result.Number);
        Assert.Equal(4, result.Count);
    }

    [Fact]
    public void Should_compute_min_max_and_average_over_events_that_have_the_property()
    {
        Assert.Equal(0.20m, Run(BehaviorAggregate.Min, "amount", Purchases).Number);
        Assert.Equal(10.10m, Run(BehaviorAggregate.Max, "amount", Purchases).Number);
        Assert.Equal(5.10m, Run(BehaviorAggregate.Avg, "amount", Purchases).Number);
    }

    [Fact]
    public void Should_list_distinct_values_in_ordinal_order()
    {
        var result = Run(BehaviorAggregate.Distinct, "category", Purchases);
        Assert.Equal(["bags", "hats", "shoes"], result.Values);
        Assert.Equal(3, result.Number);
    }

    [Fact]
    public void Should_find_first_and_last_whatever_the_order_of_arrival()
    {
        var first = Run(BehaviorAggregate.First, "category", Purchases);
        var last = Run(BehaviorAggregate.Last, "category", Purchases);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1000), first.At);
        Assert.Equal(["hats"], first.Values);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(4000), last.At);
        Assert.Equal(["bags"], last.Values);
    }

    [Fact]
    public void Should_answer_zero_sum_and_no_average_when_there_are_no_events()
    {
        Assert.Equal(0m, Run(BehaviorAggregate.Sum, "amount").Number);
        Assert.Null(Run(BehaviorAggregate.Avg, "amount").Number);
        Assert.Null(Run(BehaviorAggregate.Last, null).At);
    }
}

public sealed class RollupMathTests
{
    [Fact]
    public void Should_floor_timestamps_to_utc_buckets()
    {
        var at = new DateTimeOffset(2026, 11, 25, 13, 47, 31, 500, TimeSpan.Zero).ToUnixTimeMilliseconds();
        Assert.Equal(
            new DateTimeOffset(2026, 11, 25, 13, 47, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(),
            RollupMath.BucketStart(at, Granularity.Minute)
        );
        Assert.Equal(
            new DateTimeOffset(2026, 11, 25, 13, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(),
            RollupMath.BucketStart(at, Granularity.Hour)
        );
        Assert.Equal(
            new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(),
            RollupMath.BucketStart(at, Granularity.Day)
        );
    }

    [Fact]
    public void Should_floor_timestamps_before_1970_downwards()
    {
        Assert.Equal(-60_000, RollupMath.BucketStart(-1, Granularity.Minute));
        Assert.Equal(0, RollupMath.BucketStart(0, Granularity.Minute));
    }

    [Theory]
    [InlineData("/products/42?utm=x#top", "/products/42")]
    [InlineData("https://shop.example/cart?step=2", "/cart")]
    [InlineData("/", "/")]
    [InlineData("?only=query", null)]
    [InlineData(null, null)]
    public void Should_key_pages_by_path(string? page, string? expected)
    {
        Assert.Equal(expected, RollupMath.NormalizePage(page));
    }

    [Fact]
    public void Should_add_an_event_to_minute_totals_and_to_hour_and_day_total_page_and_dimension_rows()
    {
        var type = BuiltInEventTypes.All.Single(t => t.Key == BuiltInEventTypes.Purchase);
        var e = new TrackedEvent
        {
            Id = "e1",
            Type = "purchase",
            CustomerId = "c1",
            Timestamp = new DateTimeOffset(2026, 11, 25, 13, 47, 31, TimeSpan.Zero),
            ReceivedAt = new DateTimeOffset(2026, 11, 25, 13, 47, 32, TimeSpan.Zero),
            Page = "/checkout?step=3",
            Properties = """{"amount":19.99,"currency":"EUR","category":"shoes"}"""u8.ToArray(),
        };
        var fact = EventBatchProcessor.ToFact(e, type);
        Assert.Equal(19.99m, fact.Value);
        Assert.Equal("c:c1", fact.Subject);
        Assert.Equal(1 + (2 * 4), fact.Rollups.Count); // minute: total only; hour and day: total, page, two dimensions
        Assert.Single(fact.Rollups, r => r.Granularity == Granularity.Minute);
        var hour = new DateTimeOffset(2026, 11, 25, 13, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        Assert.Contains(new RollupKey(Granularity.Hour, hour, "purchase", RollupBreakdown.Total, "", ""), fact.Rollups);
        Assert.Contains(new RollupKey(Granularity.Hour, hour, "purchase", RollupBreakdown.Page, "page", "/checkout"), fact.Rollups);
        Assert.Contains(new RollupKey(Granularity.Hour, hour, "purchase", RollupBreakdown.Dimension, "category", "shoes"), fact.Rollups);
        Assert.Contains(new RollupKey(Granularity.Hour, hour, "purchase", RollupBreakdown.Dimension, "currency", "EUR"), fact.Rollups);
    }
}
