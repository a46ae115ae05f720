using System.Text.Json;
using Cx.Core.Analytics;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Events;
using Cx.Functions.Analytics;
using Cx.Http;
using Cx.Http.Analytics;
using Cx.Http.Definitions;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static Cx.Functions.Tests.FunctionTestHost;

namespace Cx.Functions.Tests;

/// <summary>The analytics and journey function classes over the real handlers, with the read ports and the store mocked.</summary>
public sealed class AnalyticsFunctionsTests
{
    private static readonly DateTimeOffset Today = new(2026, 11, 25, 0, 0, 0, TimeSpan.Zero);

    private readonly FunctionTestHost _host = new();
    private readonly Mock<IRollupReader> _rollups = new(MockBehavior.Strict);
    private readonly Mock<IEventOccurrenceReader> _occurrences = new(MockBehavior.Strict);
    private readonly JourneyRegistry _journeys;
    private readonly AnalyticsEndpoints _endpoints;
    private readonly JourneyEndpoints _journeyEndpoints;
    private readonly JourneyReportWriter _writer;

    public AnalyticsFunctionsTests()
    {
        var funnels = new FunnelService(_occurrences.Object);
        _journeys = new JourneyRegistry(_host.Store.Object, funnels, _host.Time, NullLogger<JourneyRegistry>.Instance);
        var contentOptions = Options.Create(new ContentOptions());
        var eventTypes = new EventTypeRegistry(_host.Store.Object, _host.Time, contentOptions, NullLogger<EventTypeRegistry>.Instance);
        var analyticsOptions = Options.Create(new AnalyticsOptions());
        _endpoints = new AnalyticsEndpoints(
            new RollupSeriesService(_rollups.Object),
            funnels,
            eventTypes,
            _host.Time,
            analyticsOptions,
            Options.Create(new HttpOptions())
        );
        _journeyEndpoints = new JourneyEndpoints(
            _journeys,
            new DefinitionHandler(Options.Create(new HttpOptions()), contentOptions),
            _host.Time,
            analyticsOptions
        );
        var entries = new EntryService(_host.Registry, _host.Store.Object, _host.Time, contentOptions);
        _writer = new JourneyReportWriter(_journeys, entries, _host.Time, analyticsOptions, NullLogger<JourneyReportWriter>.Instance);
        _occurrences.Setup(o => o.ReadSubjectMergesAsync(It.IsAny<CancellationToken>())).ReturnsAsync(new Dictionary<int, int>());
    }

    private void Occurrences(string type, params (int Subject, DateTimeOffset At)[] occurrences) =>
        _occurrences
            .Setup(o =>
                o.ScanAsync(
                    type,
                    It.IsAny<DateTimeOffset>(),
                    It.IsAny<DateTimeOffset>(),
                    It.IsAny<Action<ReadOnlySpan<SubjectOccurrence>>>(),
                    It.IsAny<CancellationToken>()
                )
            )
            .Callback(
                (string _, DateTimeOffset _, DateTimeOffset _, Action<ReadOnlySpan<SubjectOccurrence>> onBlock, CancellationToken _) =>
                    onBlock([.. occurrences.Select(o => new SubjectOccurrence(o.Subject, o.At.ToUnixTimeMilliseconds()))])
            )
            .Returns(ValueTask.CompletedTask);

    [Fact]
    public async Task Should_read_the_requested_series_and_fill_the_empty_buckets()
    {
        var from = Today.AddDays(-1);
        var query = new RollupQuery("purchase", Granularity.Hour, from, from.AddHours(3));
        _rollups
            .Setup(r => r.ReadRollupsAsync(query, It.IsAny<CancellationToken>()))
            .ReturnsAsync([new RollupPoint(from.AddHours(1), "", 2, 9.5m)]);

        var result = await new AnalyticsFunctions(_endpoints).GetRollups(
            Request(query: "?event=purchase&granularity=hour&from=2026-11-24T00:00:00Z&to=2026-11-24T03:00:00Z"),
            CancellationToken.None
        );
        var (status, _, body) = await ExecuteAsync(result);

        Assert.Equal(200, status);
        var buckets = Json(body)
            .GetProperty("buckets")
            .EnumerateArray()
            .Select(b => (b.GetProperty("count").GetInt64(), b.GetProperty("sum").GetDecimal()));
        Assert.Equal([(0L, 0m), (2L, 9.5m), (0L, 0m)], buckets);
        _rollups.Verify(r => r.ReadRollupsAsync(query, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Should_refuse_a_series_query_before_reading_anything()
    {
        await Assert.ThrowsAsync<Cx.Core.Common.ValidationException>(() =>
            new AnalyticsFunctions(_endpoints).GetRollups(
                Request(query: "?event=purchase&granularity=year&from=2026-11-24"),
                CancellationToken.None
            )
        );
        _rollups.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Should_run_a_funnel_over_the_occurrences_of_its_step_types()
    {
        var from = Today.AddDays(-1);
        Occurrences("page_view", (1, from.AddHours(1)), (2, from.AddHours(2)));
        Occurrences("purchase", (1, from.AddHours(3)), (2, from.AddHours(1)));
        var body = """{"steps":[{"event":"page_view"},{"event":"purchase"}],"window":"P1D","from":"2026-11-24","to":"2026-11-25"}""";

        var (status, _, json) = await ExecuteAsync(
            await new AnalyticsFunctions(_endpoints).QueryFunnel(Request(body), CancellationToken.None)
        );

        Assert.Equal(200, status);
        var steps = Json(json).GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal([2L, 1L], steps.Select(s => s.GetProperty("count").GetInt64()));
        Assert.Equal(0.5, steps[1].GetProperty("conversionFromPrevious").GetDouble());
        _occurrences.Verify(o =>
            o.ScanAsync("page_view", from, Today, It.IsAny<Action<ReadOnlySpan<SubjectOccurrence>>>(), It.IsAny<CancellationToken>())
        );
        _occurrences.Verify(o =>
            o.ScanAsync(
                "purchase",
                from,
                Today.AddDays(1),
                It.IsAny<Action<ReadOnlySpan<SubjectOccurrence>>>(),
                It.IsAny<CancellationToken>()
            )
        );
    }

    [Fact]
    public async Task Should_write_one_report_entry_per_journey_and_day_with_a_deterministic_id()
    {
        _host.AddDefinition("shop", JourneyRegistry.Document, Journey());
        Occurrences("page_view", (1, Today.AddDays(-1).AddHours(1)));
        Occurrences("add_to_cart");
        Occurrences("purchase");
        _host
            .Store.Setup(s => s.ReadAsync(Containers.Content, It.IsAny<DocumentKey>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((StoredDocument?)null);
        var written = new List<DocumentWrite>();
        _host
            .Store.Setup(s => s.CreateAsync(Containers.Content, It.IsAny<DocumentWrite>(), It.IsAny<CancellationToken>()))
            .Callback((string _, DocumentWrite w, CancellationToken _) => written.Add(w))
            .Returns(
                (string _, DocumentWrite w, CancellationToken _) =>
                    ValueTask.FromResult(new StoredDocument(w.Id, w.PartitionKey, w.Type, "t", w.Json))
            );

        await new JourneyFunctions(_journeyEndpoints, _writer).WriteJourneyReports(new TimerInfo(), CancellationToken.None);

        Assert.Equal(
            [("shop-2026-11-23", JourneyReports.TypeKey), ("shop-2026-11-24", JourneyReports.TypeKey)],
            written.Select(w => (w.Id, w.PartitionKey))
        );
        var yesterday = JsonDocument.Parse(written[1].Json).RootElement;
        Assert.Equal("2026-11-24T00:00:00.000Z", yesterday.GetProperty("from").GetString());
        Assert.Equal([1L, 0L, 0L], yesterday.GetProperty("stages").EnumerateArray().Select(s => s.GetProperty("reached").GetInt64()));
    }

    [Fact]
    public async Task Should_write_the_other_reports_when_one_fails_and_then_fail_the_run()
    {
        _host.AddDefinition("shop", JourneyRegistry.Document, Journey());
        Occurrences("page_view");
        Occurrences("add_to_cart");
        Occurrences("purchase");
        _host
            .Store.Setup(s => s.ReadAsync(Containers.Content, It.IsAny<DocumentKey>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((StoredDocument?)null);
        var written = new List<string>();
        _host
            .Store.Setup(s => s.CreateAsync(Containers.Content, It.IsAny<DocumentWrite>(), It.IsAny<CancellationToken>()))
            .Returns(
                (string _, DocumentWrite w, CancellationToken _) =>
                {
                    if (w.Id == "shop-2026-11-23")
                    {
                        throw new IOException("disk full");
                    }
                    written.Add(w.Id);
                    return ValueTask.FromResult(new StoredDocument(w.Id, w.PartitionKey, w.Type, "t", w.Json));
                }
            );

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            new JourneyFunctions(_journeyEndpoints, _writer).WriteJourneyReports(new TimerInfo(), CancellationToken.None)
        );

        Assert.Equal(["shop-2026-11-24"], written);
        Assert.StartsWith("1 journey report(s) could not be written (1 were)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_replace_an_existing_report_instead_of_adding_one()
    {
        _host.AddDefinition("shop", JourneyRegistry.Document, Journey());
        Occurrences("page_view");
        Occurrences("add_to_cart");
        Occurrences("purchase");
        _host
            .Store.Setup(s => s.ReadAsync(Containers.Content, It.IsAny<DocumentKey>(), It.IsAny<CancellationToken>()))
            .Returns(
                (string _, DocumentKey key, CancellationToken _) =>
                    ValueTask.FromResult<StoredDocument?>(
                        new StoredDocument(
                            key.Id,
                            key.PartitionKey,
                            JourneyReports.TypeKey,
                            "old-" + key.Id,
                            """{"createdAt":"2026-11-24T00:10:00.000Z"}"""u8.ToArray()
                        )
                    )
            );
        var replaced = new List<(string Id, string? IfMatch)>();
        _host
            .Store.Setup(s =>
                s.ReplaceAsync(Containers.Content, It.IsAny<DocumentWrite>(), It.IsAny<string?>(), It.IsAny<CancellationToken>())
            )
            .Callback((string _, DocumentWrite w, string? ifMatch, CancellationToken _) => replaced.Add((w.Id, ifMatch)))
            .Returns(
                (string _, DocumentWrite w, string? _, CancellationToken _) =>
                    ValueTask.FromResult(new StoredDocument(w.Id, w.PartitionKey, w.Type, "new", w.Json))
            );

        await new JourneyFunctions(_journeyEndpoints, _writer).WriteJourneyReports(new TimerInfo(), CancellationToken.None);

        Assert.Equal([("shop-2026-11-23", "old-shop-2026-11-23"), ("shop-2026-11-24", "old-shop-2026-11-24")], replaced);
        _host.Store.Verify(s => s.CreateAsync(Containers.Content, It.IsAny<DocumentWrite>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    private static JourneyDefinition Journey() =>
        new()
        {
            Key = "shop",
            DisplayName = "Shop",
            Stages = new JourneyStages
            {
                Awareness = ["page_view"],
                Consideration = ["add_to_cart"],
                Action = ["purchase"],
            },
            ConversionWindow = "P1D",
        };
}
