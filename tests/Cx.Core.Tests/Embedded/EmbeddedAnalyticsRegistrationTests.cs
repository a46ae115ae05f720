using Cx.Core.Analytics;
using Cx.Core.Events;
using Cx.Embedded;
using Cx.Embedded.Analytics;
using Cx.Embedded.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Cx.Core.Tests.Embedded;

/// <summary>
/// <c>AddCxEmbeddedAnalytics</c> resolves every analytics port to its own class, each a singleton
/// over the one <see cref="AnalyticsDatabase"/>, so a write through one port is what the others read.
/// </summary>
public sealed class EmbeddedAnalyticsRegistrationTests : IAsyncLifetime
{
    private static readonly DateTimeOffset At = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "cx-analytics-di", Guid.NewGuid().ToString("n"));
    private IServiceCollection _services = null!;
    private ServiceProvider _provider = null!;

    public Task InitializeAsync()
    {
        _services = new ServiceCollection();
        _services.Configure<SqliteOptions>(o => o.Path = Path.Combine(_folder, "cx.db"));
        // Both the analytics switch and the embedded stream register the store: the second call adds nothing.
        _services.AddCxEmbeddedAnalytics().AddCxEmbeddedAnalytics();
        _provider = _services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _provider.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException) { }
    }

    public static TheoryData<Type, Type> Ports =>
        new()
        {
            { typeof(IAnalyticsStore), typeof(SqliteAnalyticsStore) },
            { typeof(IStreamCheckpointReader), typeof(SqliteAnalyticsStore) },
            { typeof(IBehaviorStore), typeof(SqliteBehaviorStore) },
            { typeof(IIdentityLinkStore), typeof(SqliteIdentityLinkStore) },
            { typeof(ITimelineReader), typeof(SqliteTimelineReader) },
            { typeof(IRollupReader), typeof(SqliteRollupReader) },
            { typeof(IEventOccurrenceReader), typeof(SqliteOccurrenceReader) },
        };

    [Theory]
    [MemberData(nameof(Ports))]
    public void Should_resolve_each_port_to_its_own_class_once_as_a_singleton(Type port, Type implementation)
    {
        var first = _provider.GetRequiredService(port);

        Assert.IsType(implementation, first);
        Assert.Same(first, _provider.GetRequiredService(port));
        Assert.Equal(ServiceLifetime.Singleton, Assert.Single(_services, d => d.ServiceType == port).Lifetime);
    }

    [Fact]
    public void Should_register_one_database_and_serve_the_checkpoint_reader_from_the_writer()
    {
        Assert.Equal(ServiceLifetime.Singleton, Assert.Single(_services, d => d.ServiceType == typeof(AnalyticsDatabase)).Lifetime);
        Assert.Same(_provider.GetRequiredService<IAnalyticsStore>(), _provider.GetRequiredService<IStreamCheckpointReader>());
    }

    [Fact]
    public async Task Should_read_through_every_port_what_was_written_through_the_others()
    {
        var store = _provider.GetRequiredService<IAnalyticsStore>();
        var facts = new[]
        {
            EventBatchProcessor.ToFact(
                new TrackedEvent
                {
                    Id = "e1",
                    Type = "page_view",
                    AnonymousId = "v1",
                    Timestamp = At,
                    ReceivedAt = At,
                },
                null
            ),
        };
        await store.ApplyAsync(new AnalyticsBatch(facts, new StreamCheckpoint("0", 3)), CancellationToken.None);
        var linked = await _provider.GetRequiredService<IIdentityLinkStore>().LinkAsync("v1", "c1", 10, At, CancellationToken.None);

        var behavior = await _provider
            .GetRequiredService<IBehaviorStore>()
            .AggregateAsync("c1", new BehaviorQuery("page_view", BehaviorAggregate.Count), At.AddDays(1), CancellationToken.None);
        var timeline = await _provider
            .GetRequiredService<ITimelineReader>()
            .ReadTimelineAsync("c1", null, 10, null, CancellationToken.None);
        var rollups = await _provider
            .GetRequiredService<IRollupReader>()
            .ReadRollupsAsync(new RollupQuery("page_view", Granularity.Day, At.AddDays(-1), At.AddDays(1)), CancellationToken.None);
        var occurrences = new List<SubjectOccurrence>();
        var reader = _provider.GetRequiredService<IEventOccurrenceReader>();
        await reader.ScanAsync("page_view", At, At.AddHours(1), block => occurrences.AddRange(block.ToArray()), CancellationToken.None);
        var merges = await reader.ReadSubjectMergesAsync(CancellationToken.None);

        Assert.Equal(LinkOutcome.Linked, linked);
        Assert.Equal(1, behavior.Count);
        Assert.Equal("e1", Assert.Single(timeline.Items).Id);
        Assert.Equal(1, Assert.Single(rollups).Count);
        Assert.Contains(Assert.Single(occurrences).SubjectId, merges.Keys);
        Assert.Equal(3, await _provider.GetRequiredService<IStreamCheckpointReader>().GetCheckpointAsync("0", CancellationToken.None));
    }
}
