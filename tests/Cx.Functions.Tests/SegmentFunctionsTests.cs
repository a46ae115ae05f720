using System.Text;
using System.Text.Json;
using Cx.Core.Analytics;
using Cx.Core.Audit;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Lifecycle;
using Cx.Core.Segments;
using Cx.Functions.Lifecycle;
using Cx.Functions.Segments;
using Cx.Http;
using Cx.Http.Segments;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static Cx.Functions.Tests.FunctionTestHost;

namespace Cx.Functions.Tests;

/// <summary>The segment function classes over the real handlers and services, with the store and behaviour ports mocked.</summary>
public sealed class SegmentFunctionsTests
{
    private readonly FunctionTestHost _host = new();
    private readonly Mock<IBehaviorStore> _behaviors = new(MockBehavior.Strict);
    private readonly List<DocumentWrite> _writes = [];
    private readonly List<StoredDocument> _segments = [];
    private readonly SegmentEndpoints _endpoints;
    private readonly SegmentJobs _jobs;
    private readonly SegmentSweeper _sweeper;

    public SegmentFunctionsTests()
    {
        var store = _host.Store;
        store
            .Setup(s =>
                s.QueryAsync(
                    Containers.Definitions,
                    It.Is<DocumentQuery>(q => q.Type == SegmentDocuments.Segment),
                    It.IsAny<CancellationToken>()
                )
            )
            .Returns(() => ValueTask.FromResult(new DocumentPage([.. _segments], null)));
        store
            .Setup(s => s.CreateAsync(It.IsAny<string>(), It.IsAny<DocumentWrite>(), It.IsAny<CancellationToken>()))
            .Returns((string _, DocumentWrite w, CancellationToken _) => Written(w));
        store
            .Setup(s => s.UpsertAsync(It.IsAny<string>(), It.IsAny<DocumentWrite>(), It.IsAny<CancellationToken>()))
            .Returns((string _, DocumentWrite w, CancellationToken _) => Written(w));
        // The audit chain of an empty month: no entry, no head yet.
        store
            .Setup(s => s.QueryAsync(Containers.Audit, It.IsAny<DocumentQuery>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new DocumentPage([], null));
        store
            .Setup(s => s.ReadAsync(Containers.Audit, It.IsAny<DocumentKey>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((StoredDocument?)null);
        var content = Options.Create(new ContentOptions { DefinitionCacheSeconds = 0 });
        var options = Options.Create(new SegmentOptions());
        var registry = new SegmentRegistry(store.Object, _host.Time, content);
        var catalog = new SegmentCatalog(registry, _host.Registry, NullLogger<SegmentCatalog>.Instance);
        var writer = new MembershipWriter(new EntryService(_host.Registry, store.Object, _host.Time, content), _host.Time);
        var evaluator = new SegmentEvaluator(
            store.Object,
            _behaviors.Object,
            writer,
            _host.Time,
            options,
            NullLogger<SegmentEvaluator>.Instance
        );
        _jobs = new SegmentJobs(
            store.Object,
            registry,
            catalog,
            evaluator,
            _host.Registry,
            _host.Time,
            options,
            NullLogger<SegmentJobs>.Instance
        );
        _sweeper = new SegmentSweeper(catalog, evaluator, NullLogger<SegmentSweeper>.Instance);
        var service = new SegmentService(
            registry,
            evaluator,
            _jobs,
            _host.Registry,
            store.Object,
            new AuditLog(store.Object, _host.Time, NullLogger<AuditLog>.Instance),
            _host.Time,
            options
        );
        _endpoints = new SegmentEndpoints(service, Options.Create(new HttpOptions()), content);
    }

    private ValueTask<StoredDocument> Written(DocumentWrite write)
    {
        _writes.Add(write);
        return ValueTask.FromResult(new StoredDocument(write.Id, write.PartitionKey, write.Type, "t" + _writes.Count, write.Json));
    }

    private static StoredDocument SegmentDocument(string key, string criteria) =>
        new(
            key,
            SegmentDocuments.Segment,
            SegmentDocuments.Segment,
            "s1",
            DefinitionDocuments.ToJson(
                new SegmentDefinition
                {
                    Key = key,
                    Name = key,
                    Criteria = JsonLiteral.From(Json(criteria)),
                },
                key,
                SegmentDocuments.Segment,
                "2026-11-01T00:00:00.000Z",
                "2026-11-01T00:00:00.000Z"
            )
        );

    [Fact]
    public async Task Should_create_the_segment_its_first_version_and_its_recompute_and_audit_it()
    {
        var body = """{"key":"vip","name":"VIP","criteria":{"field":"loyaltyTier","op":"in","value":["gold","platinum"]}}""";

        var (status, headers, json) = await ExecuteAsync(
            await new SegmentFunctions(_endpoints).CreateSegment(Request(body), CancellationToken.None)
        );

        Assert.Equal(201, status);
        Assert.Equal("/api/v1/segments/vip", headers.Location.ToString());
        Assert.Equal((1, "active"), (Json(json).GetProperty("version").GetInt32(), Json(json).GetProperty("status").GetString()));
        Assert.Equal(
            [
                (SegmentDocuments.Segment, "vip"),
                (SegmentDocuments.Version, "vip.1"),
                (AuditLog.EntryType, AuditChain.EntryId("2026-11", 1)),
                (AuditChain.HeadType, AuditChain.HeadId),
                (SegmentDocuments.Job, "vip"),
            ],
            _writes.Select(w => (w.Type, w.Id))
        );
        using var job = JsonDocument.Parse(_writes[4].Json);
        Assert.Equal(
            ("queued", "created", 1),
            (
                job.RootElement.GetProperty("state").GetString(),
                job.RootElement.GetProperty("reason").GetString(),
                job.RootElement.GetProperty("ruleVersion").GetInt32()
            )
        );
    }

    [Fact]
    public async Task Should_point_at_the_problem_of_an_invalid_rule_and_write_nothing()
    {
        var body = """{"key":"vip","name":"VIP","criteria":{"any":[{"field":"loyaltyTier","op":"in","value":["gold","diamond"]}]}}""";
        var error = await Assert.ThrowsAsync<ValidationException>(() =>
            new SegmentFunctions(_endpoints).CreateSegment(Request(body), CancellationToken.None)
        );
        Assert.Equal(("/criteria/any/0/value/1", "enum"), (error.Errors[0].Path, error.Errors[0].Code));
        Assert.Empty(_writes);
    }

    [Fact]
    public async Task Should_answer_not_found_for_an_unknown_segment()
    {
        _host
            .Store.Setup(s =>
                s.ReadAsync(Containers.Definitions, new DocumentKey(SegmentDocuments.Segment, "nope"), It.IsAny<CancellationToken>())
            )
            .ReturnsAsync((StoredDocument?)null);
        await Assert.ThrowsAsync<NotFoundException>(() =>
            new SegmentFunctions(_endpoints).GetSegment(Request(), "nope", CancellationToken.None)
        );
    }

    [Fact]
    public async Task Should_sweep_only_when_a_segment_depends_on_time_or_behaviour()
    {
        var functions = new SegmentJobFunctions(_endpoints, _jobs, _sweeper, NullLogger<SegmentJobFunctions>.Instance);
        _segments.Add(SegmentDocument("gold", """{"field":"loyaltyTier","op":"eq","value":"gold"}"""));
        await functions.SweepSegments(new TimerInfo(), CancellationToken.None);
        _host.Store.Verify(s => s.QueryAsync(Containers.Customers, It.IsAny<DocumentQuery>(), It.IsAny<CancellationToken>()), Times.Never);

        _segments.Add(SegmentDocument("recent", """{"field":"lastLogin","op":"within","value":"P7D"}"""));
        _host
            .Store.Setup(s => s.QueryAsync(Containers.Customers, It.IsAny<DocumentQuery>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new DocumentPage([], null));
        await functions.SweepSegments(new TimerInfo(), CancellationToken.None);
        _host.Store.Verify(s => s.QueryAsync(Containers.Customers, It.IsAny<DocumentQuery>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Should_run_the_lifecycle_dispatcher_on_its_timer()
    {
        var feed = new Mock<IChangeFeed>(MockBehavior.Strict);
        var change = new ChangeRecord(
            "1",
            Containers.Customers,
            "c1",
            "c1",
            "customer",
            ChangeKind.Upsert,
            "e",
            _host.Time.GetUtcNow(),
            null,
            Encoding.UTF8.GetBytes("{}")
        );
        feed.SetupSequence(f => f.ReadAsync("hook:probe", It.IsAny<int>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new ChangeBatch([change], "1"))
            .ReturnsAsync(new ChangeBatch([], "1"));
        feed.Setup(f => f.CommitAsync("hook:probe", "1", It.IsAny<CancellationToken>())).Returns(ValueTask.CompletedTask);
        var hook = new Mock<IChangeHook>();
        hook.SetupGet(h => h.Name).Returns("probe");
        hook.Setup(h => h.Wants(It.IsAny<ChangeRecord>())).Returns(true);
        hook.Setup(h => h.HandleAsync(It.IsAny<IReadOnlyList<ChangeRecord>>(), It.IsAny<CancellationToken>()))
            .Returns(ValueTask.CompletedTask);
        var store = new Mock<IDocumentStore>();
        store
            .Setup(s => s.QueryAsync(Containers.DeadLetters, It.IsAny<DocumentQuery>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new DocumentPage([], null));
        using var dispatcher = new ChangeDispatcher(
            [hook.Object],
            feed.Object,
            new HookFailureStore(store.Object, _host.Time),
            Options.Create(new HookOptions()),
            NullLogger<ChangeDispatcher>.Instance
        );

        await new LifecycleFunctions(dispatcher, NullLogger<LifecycleFunctions>.Instance).DispatchChanges(
            new TimerInfo(),
            CancellationToken.None
        );

        hook.Verify(
            h => h.HandleAsync(It.Is<IReadOnlyList<ChangeRecord>>(c => c.Count == 1 && c[0].Id == "c1"), It.IsAny<CancellationToken>()),
            Times.Once
        );
        feed.Verify(f => f.CommitAsync("hook:probe", "1", It.IsAny<CancellationToken>()), Times.Once);
    }
}
