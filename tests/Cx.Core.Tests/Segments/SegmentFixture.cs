using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Analytics;
using Cx.Core.Audit;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Events;
using Cx.Core.Lifecycle;
using Cx.Core.Profiles;
using Cx.Core.Segments;
using Cx.Embedded.Analytics;
using Cx.Embedded.Events;
using Cx.Embedded.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cx.Core.Tests.Segments;

/// <summary>An event stream that keeps what was appended (the membership events segmentation sends).</summary>
public sealed class RecordingEventStream : IEventStream
{
    private readonly Lock _lock = new();
    private readonly List<TrackedEvent> _events = [];

    public IReadOnlyList<TrackedEvent> Events
    {
        get
        {
            lock (_lock)
            {
                return [.. _events];
            }
        }
    }

    public ValueTask AppendAsync(IReadOnlyList<TrackedEvent> events, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _events.AddRange(events);
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask<StreamStatus> GetStatusAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(new StreamStatus("recording", Events.Count, 0, -1));
}

/// <summary>
/// Segmentation on real embedded adapters: the SQLite document store and change feed, the SQLite
/// analytics store fed by the real batch processor, the lifecycle dispatcher with the segment
/// hook, and a fake clock. Only the event stream records instead of logging.
/// </summary>
public sealed class SegmentFixture : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "cx-core-tests", Guid.NewGuid().ToString("n"));
    private long _position;

    private SegmentFixture(int pageSize)
    {
        Directory.CreateDirectory(_directory);
        Time = new FakeTimeProvider(Start);
        var sqlite = Options.Create(new SqliteOptions { Path = Path.Combine(_directory, "cx.db") });
        Database = new SqliteDatabase(sqlite);
        Store = new SqliteDocumentStore(Database, Time);
        Feed = new SqliteChangeFeed(Database, Time, sqlite);
        var contentOptions = Options.Create(new ContentOptions { DefinitionCacheSeconds = 0 });
        Content = new ContentTypeRegistry(Store, Time, contentOptions, NullLogger<ContentTypeRegistry>.Instance);
        Audit = new AuditLog(Store, Time, NullLogger<AuditLog>.Instance);
        Entries = new EntryService(Content, Store, Time, contentOptions, Audit);
        EventTypes = new EventTypeRegistry(Store, Time, contentOptions, NullLogger<EventTypeRegistry>.Instance);
        AnalyticsDatabase = new AnalyticsDatabase(new EmbeddedEventsPaths(Options.Create(new EmbeddedEventsOptions()), sqlite), sqlite);
        Analytics = new SqliteAnalyticsStore(AnalyticsDatabase);
        Behaviors = new SqliteBehaviorStore(AnalyticsDatabase);
        IdentityLinks = new SqliteIdentityLinkStore(AnalyticsDatabase);
        Stream = new RecordingEventStream();
        Settings = Microsoft.Extensions.Options.Options.Create(new SegmentOptions { PageSize = pageSize });

        Registry = new SegmentRegistry(Store, Time, contentOptions);
        Catalog = new SegmentCatalog(Registry, Content, NullLogger<SegmentCatalog>.Instance);
        Writer = new MembershipWriter(Entries, Time);
        Projector = new MembershipProjector(Store, Stream, Time);
        Evaluator = new SegmentEvaluator(Store, Behaviors, Writer, Time, Settings, NullLogger<SegmentEvaluator>.Instance);
        Hook = new SegmentHook(Catalog, Evaluator, Projector, NullLogger<SegmentHook>.Instance);
        Queue = new SegmentWorkQueue();
        Worker = new SegmentBehaviorWorker(Queue, Catalog, Evaluator, NullLogger<SegmentBehaviorWorker>.Instance);
        Jobs = new SegmentJobs(Store, Registry, Catalog, Evaluator, Content, Time, Settings, NullLogger<SegmentJobs>.Instance);
        Sweeper = new SegmentSweeper(Catalog, Evaluator, NullLogger<SegmentSweeper>.Instance);
        Service = new SegmentService(Registry, Evaluator, Jobs, Content, Store, Audit, Time, Settings);
        Processor = new EventBatchProcessor(
            Analytics,
            EventTypes,
            [new SegmentEventObserver(Queue)],
            Time,
            NullLogger<EventBatchProcessor>.Instance
        );
        Failures = new HookFailureStore(Store, Time);
        Dispatcher = new ChangeDispatcher(
            [Hook],
            Feed,
            Failures,
            Microsoft.Extensions.Options.Options.Create(new HookOptions { MaxAttempts = 3 }),
            NullLogger<ChangeDispatcher>.Instance
        );
    }

    public FakeTimeProvider Time { get; }

    public SqliteDatabase Database { get; }

    public SqliteDocumentStore Store { get; }

    public SqliteChangeFeed Feed { get; }

    public ContentTypeRegistry Content { get; }

    public AuditLog Audit { get; }

    public EntryService Entries { get; }

    public EventTypeRegistry EventTypes { get; }

    public AnalyticsDatabase AnalyticsDatabase { get; }

    public SqliteAnalyticsStore Analytics { get; }

    public SqliteBehaviorStore Behaviors { get; }

    public SqliteIdentityLinkStore IdentityLinks { get; }

    public RecordingEventStream Stream { get; }

    public IOptions<SegmentOptions> Settings { get; }

    public SegmentRegistry Registry { get; }

    public SegmentCatalog Catalog { get; }

    public MembershipWriter Writer { get; }

    public MembershipProjector Projector { get; }

    public SegmentEvaluator Evaluator { get; }

    public SegmentHook Hook { get; }

    public SegmentWorkQueue Queue { get; }

    public SegmentBehaviorWorker Worker { get; }

    public SegmentJobs Jobs { get; }

    public SegmentSweeper Sweeper { get; }

    public SegmentService Service { get; }

    public EventBatchProcessor Processor { get; }

    public HookFailureStore Failures { get; }

    public ChangeDispatcher Dispatcher { get; }

    public static async Task<SegmentFixture> StartAsync(int pageSize = 100)
    {
        var fixture = new SegmentFixture(pageSize);
        await fixture.Store.InitializeAsync(CancellationToken.None);
        await fixture.Content.InitializeAsync(CancellationToken.None);
        await fixture.Audit.InitializeAsync(CancellationToken.None);
        await fixture.Failures.InitializeAsync(CancellationToken.None);
        await fixture.EventTypes.InitializeAsync(CancellationToken.None);
        await fixture.Analytics.InitializeAsync(CancellationToken.None);
        await fixture.Registry.InitializeAsync(CancellationToken.None);
        return fixture;
    }

    // ---------------------------------------------------------------- data

    public async Task<StoredDocument> CreateCustomerAsync(string id, string fields = "")
    {
        var json = $$"""{"id":"{{id}}","email":"{{id}}@example.com"{{(fields.Length > 0 ? "," + fields : "")}}}""";
        return await Entries.CreateAsync(CustomerProfile.TypeKey, JsonNode.Parse(json)!.AsObject(), CancellationToken.None);
    }

    public async Task<StoredDocument> PatchCustomerAsync(string id, string patch) =>
        await Entries.PatchAsync(CustomerProfile.TypeKey, id, JsonNode.Parse(patch)!.AsObject(), null, CancellationToken.None);

    public static TrackedEvent Event(string type, string customerId, DateTimeOffset at, string id, string properties = "{}") =>
        new()
        {
            Id = id,
            Type = type,
            CustomerId = customerId,
            Timestamp = at,
            ReceivedAt = at,
            Properties = Encoding.UTF8.GetBytes(properties),
        };

    /// <summary>Processes events as the batch processor does (facts, aggregates, then the observers).</summary>
    public async Task<AppliedBatch> TrackAsync(params TrackedEvent[] events) =>
        await Processor.ProcessAsync(events, new StreamCheckpoint("0", ++_position), CancellationToken.None);

    public async Task<DefinitionRecord<SegmentDefinition>> CreateSegmentAsync(
        string key,
        string criteria,
        SegmentStatus status = SegmentStatus.Active
    ) =>
        await Service.CreateAsync(
            new SegmentDefinition
            {
                Key = key,
                Name = key,
                Criteria = JsonLiteral.From(JsonDocument.Parse(criteria).RootElement),
                Status = status,
            },
            CancellationToken.None
        );

    // ---------------------------------------------------------------- running the machinery

    /// <summary>Delivers the change feed to the hook until it is quiet; fails when it never quiets (a loop).</summary>
    public async Task<int> DispatchUntilQuietAsync(int maxRounds = 10)
    {
        var total = 0;
        for (var round = 0; round < maxRounds; round++)
        {
            var delivered = await Dispatcher.DispatchAsync(CancellationToken.None);
            if (delivered == 0)
            {
                return total;
            }
            total += delivered;
        }
        throw new InvalidOperationException($"The change feed was still busy after {maxRounds} rounds: a hook re-triggers itself.");
    }

    /// <summary>Evaluates queued behaviour changes, runs recompute jobs, then drains the change feed.</summary>
    public async Task SettleAsync()
    {
        await Worker.ProcessPendingAsync(CancellationToken.None);
        await Jobs.RunPendingAsync(CancellationToken.None);
        await DispatchUntilQuietAsync();
    }

    public async Task<JsonElement> ProfileAsync(string id)
    {
        var document = await Store.ReadAsync(Containers.Customers, new DocumentKey(id, id), CancellationToken.None);
        return JsonDocument.Parse(document!.Json).RootElement;
    }

    public async Task<IReadOnlyList<string>> SegmentsOfAsync(string id) =>
        [.. SegmentProfiles.ReadMembership(await ProfileAsync(id)).Keys.Order(StringComparer.Ordinal)];

    /// <summary>The member documents of a segment (the projection), in id order.</summary>
    public async Task<IReadOnlyList<string>> MembersAsync(string key)
    {
        var page = await Service.ListMembersAsync(key, 1000, null, CancellationToken.None);
        return [.. page.Items.Select(d => d.Id)];
    }

    public IReadOnlyList<TrackedEvent> MembershipEvents(string customerId) =>
        [.. Stream.Events.Where(e => e.CustomerId == customerId && e.Type.StartsWith("segment.", StringComparison.Ordinal))];

    public async ValueTask DisposeAsync()
    {
        await Task.Yield();
        Evaluator.Dispose();
        Jobs.Dispose();
        Sweeper.Dispose();
        Catalog.Dispose();
        Registry.Dispose();
        Queue.Dispose();
        Dispatcher.Dispose();
        Content.Dispose();
        EventTypes.Dispose();
        AnalyticsDatabase.Dispose();
        Database.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean.
        }
    }
}
