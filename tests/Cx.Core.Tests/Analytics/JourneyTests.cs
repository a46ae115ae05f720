using System.Text.Json;
using Cx.Core.Analytics;
using Cx.Core.Common;
using Cx.Core.Content;

namespace Cx.Core.Tests.Analytics;

public sealed class JourneyTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 20, 0, 0, 0, TimeSpan.Zero);

    private static JourneyDefinition Journey(
        string key = "shop",
        string[]? awareness = null,
        string[]? consideration = null,
        string[]? action = null,
        string window = "P7D"
    ) =>
        new()
        {
            Key = key,
            DisplayName = "Shop",
            Stages = new JourneyStages
            {
                Awareness = awareness ?? ["page_view", "search"],
                Consideration = consideration ?? ["add_to_cart"],
                Action = action ?? ["purchase"],
            },
            ConversionWindow = window,
        };

    private static IReadOnlyList<(string Path, string Code)> Errors(JourneyDefinition journey) =>
        [.. Assert.Throws<ValidationException>(() => JourneyRegistry.Validate(journey)).Errors.Select(e => (e.Path, e.Code))];

    [Fact]
    public void Should_store_the_conversion_window_in_canonical_form()
    {
        Assert.Equal("P7D", JourneyRegistry.Validate(Journey(window: "PT168H")).ConversionWindow);
        Assert.Equal(JourneyRegistry.Validate(Journey(window: "P1W")), JourneyRegistry.Validate(Journey(window: "P7D")));
    }

    [Fact]
    public void Should_reject_a_journey_with_an_empty_stage_and_an_event_in_two_stages()
    {
        Assert.Equal(
            [("/stages/consideration", "min-items"), ("/stages/action/1", "duplicate")],
            Errors(Journey(consideration: [], action: ["purchase", "search"]))
        );
    }

    [Theory]
    [InlineData("P91D")]
    [InlineData("P1M")]
    [InlineData("soon")]
    public void Should_reject_a_window_that_is_not_a_duration_of_at_most_90_days(string window)
    {
        Assert.Equal([("/conversionWindow", "duration")], Errors(Journey(window: window)));
    }

    [Theory]
    [InlineData("Shop")]
    [InlineData("shop-")]
    [InlineData("a-key-that-is-much-too-long-for-a-report-id-of-a-day")]
    public void Should_reject_a_key_that_cannot_name_its_reports(string key)
    {
        Assert.Equal([("/key", "key")], Errors(Journey(key)));
    }

    [Fact]
    public void Should_reject_an_event_name_that_is_not_an_event_type()
    {
        Assert.Equal([("/stages/awareness/0", "event-type")], Errors(Journey(awareness: ["Page View"])));
    }

    [Fact]
    public void Should_compute_drop_off_to_the_next_stage_from_the_funnel()
    {
        var journey = JourneyRegistry.Validate(Journey());
        var query = journey.ToFunnel(T, T.AddDays(1));
        Assert.Equal(
            [
                ["page_view", "search"],
                ["add_to_cart"],
                ["purchase"],
            ],
            query.Steps.Select(s => s.EventTypes.ToArray())
        );
        Assert.Equal(TimeSpan.FromDays(7), query.Window);

        var report = JourneyReport.Of(journey, FunnelResult.From(query, [8, 3, 0]), T.AddDays(2));

        Assert.Equal(
            [
                (JourneyStage.Awareness, 8L, (long?)5, (double?)0.625),
                (JourneyStage.Consideration, 3, 3, 1.0),
                (JourneyStage.Action, 0, null, null),
            ],
            report.Stages.Select(s => (s.Stage, s.Reached, s.DroppedOff, s.DropOffRate))
        );
    }

    [Fact]
    public void Should_name_a_report_entry_by_journey_and_utc_day()
    {
        Assert.Equal("shop-2026-11-20", JourneyReports.EntryId("shop", T.AddHours(23)));
        var entry = JourneyReports.ToEntry(
            JourneyReport.Of(JourneyRegistry.Validate(Journey()), FunnelResult.From(Journey().ToFunnel(T, T.AddDays(1)), [2, 1, 1]), T)
        );
        Assert.Equal("2026-11-20T00:00:00.000Z", entry["from"]!.GetValue<string>());
        Assert.False(entry["stages"]![2]!.AsObject().ContainsKey("droppedOff"));
        Assert.Equal(0.5, entry["stages"]![0]!["dropOffRate"]!.GetValue<double>());
    }

    [Fact]
    public void Should_define_a_report_type_that_passes_the_content_type_rules_and_validates_its_own_entries()
    {
        var lookup = new Lookup(JourneyReports.Components);
        DefinitionRules.ValidateContentType(JourneyReports.ContentType with { BuiltIn = false }, lookup);
        DefinitionRules.ValidateComponent(JourneyReports.Stage, lookup);
        var schema = new ContentSchema(JourneyReports.ContentType, JourneyReports.Components.ToDictionary(c => c.Key));
        var entry = JourneyReports.ToEntry(
            JourneyReport.Of(JourneyRegistry.Validate(Journey()), FunnelResult.From(Journey().ToFunnel(T, T.AddDays(1)), [4, 1, 0]), T)
        );

        var validated = Validate(schema, entry);

        Assert.Equal(3, validated.Fields["stages"]!.AsArray().Count);
        var client = Assert.Throws<ValidationException>(() =>
            EntryValidator.Validate(
                schema,
                JourneyReports.ToEntry(JourneyReport.Of(Journey(), FunnelResult.From(Journey().ToFunnel(T, T.AddDays(1)), [1, 0, 0]), T)),
                null,
                WriteActor.Client
            )
        );
        Assert.All(client.Errors, e => Assert.Equal("read-only", e.Code));
    }

    [Fact]
    public void Should_serialise_a_journey_as_the_api_documents_it()
    {
        var json = JsonSerializer.Serialize(JourneyRegistry.Validate(Journey()), DefinitionJson.Options);
        Assert.Equal(
            """{"key":"shop","displayName":"Shop","stages":{"awareness":["page_view","search"],"consideration":["add_to_cart"],"action":["purchase"]},"conversionWindow":"P7D","version":1}""",
            json
        );
    }

    private static ValidatedEntry Validate(ContentSchema schema, System.Text.Json.Nodes.JsonObject entry)
    {
        try
        {
            return EntryValidator.Validate(schema, entry, null, WriteActor.System);
        }
        catch (ValidationException e)
        {
            Assert.Fail(string.Join("; ", e.Errors.Select(x => $"{x.Path} {x.Code} {x.Detail}")));
            throw;
        }
    }

    private sealed class Lookup(IEnumerable<ComponentDefinition> components) : DefinitionRules.IDefinitionLookup
    {
        private readonly Dictionary<string, ComponentDefinition> _components = components.ToDictionary(c => c.Key);

        public ComponentDefinition? FindComponent(string key) => _components.GetValueOrDefault(key);

        public bool ContentTypeExists(string key) => false;
    }
}

public sealed class RollupSeriesTests
{
    private static readonly DateTimeOffset D = new(2026, 11, 20, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Should_list_the_buckets_starting_in_the_range_from_the_first_full_bucket()
    {
        Assert.Equal(
            [D.AddHours(11), D.AddHours(12)],
            RollupSeriesService.BucketStarts(Granularity.Hour, D.AddHours(10).AddMinutes(30), D.AddHours(12).AddMinutes(1))
        );
        Assert.Equal([D.AddHours(10)], RollupSeriesService.BucketStarts(Granularity.Hour, D.AddHours(10), D.AddHours(11)));
    }

    [Fact]
    public async Task Should_fill_empty_buckets_of_a_total_series_with_zero_and_add_up_the_totals()
    {
        var reader = new Mock<IRollupReader>(MockBehavior.Strict);
        var query = new RollupQuery("purchase", Granularity.Hour, D, D.AddHours(4));
        reader
            .Setup(r => r.ReadRollupsAsync(query, It.IsAny<CancellationToken>()))
            .ReturnsAsync([new RollupPoint(D.AddHours(1), "", 2, 10.5m), new RollupPoint(D.AddHours(3), "", 1, 1m)]);

        var series = await new RollupSeriesService(reader.Object).ReadAsync(query, default);

        Assert.Equal(
            [(D, 0L, 0m), (D.AddHours(1), 2L, 10.5m), (D.AddHours(2), 0L, 0m), (D.AddHours(3), 1L, 1m)],
            series.Points.Select(p => (p.BucketStart, p.Count, p.Sum))
        );
        Assert.Equal((3L, 11.5m), (series.Count, series.Sum));
    }

    [Fact]
    public async Task Should_return_a_breakdown_as_stored_without_filling()
    {
        var reader = new Mock<IRollupReader>(MockBehavior.Strict);
        var query = new RollupQuery("purchase", Granularity.Day, D, D.AddDays(3), RollupBreakdown.Page);
        reader
            .Setup(r => r.ReadRollupsAsync(query, It.IsAny<CancellationToken>()))
            .ReturnsAsync([new RollupPoint(D.AddDays(1), "/a", 2, 0m)]);

        var series = await new RollupSeriesService(reader.Object).ReadAsync(query, default);

        Assert.Equal([(D.AddDays(1), "/a", 2L)], series.Points.Select(p => (p.BucketStart, p.Value, p.Count)));
    }
}
