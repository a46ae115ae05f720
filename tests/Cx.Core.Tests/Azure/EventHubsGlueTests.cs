using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Producer;
using Cx.Azure.EventHubs;
using Cx.Core.Analytics;
using Cx.Core.Blobs;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Events;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Cx.Core.Tests.Azure;

/// <summary>
/// The Event Hubs glue without the service (no emulator runs here): the batch handler with the
/// analytics store mocked, and the producer's partitioning with the client mocked.
/// </summary>
public sealed class EventHubsBatchHandlerTests
{
    private readonly Mock<IAnalyticsStore> _store = new(MockBehavior.Strict);
    private readonly Mock<IBlobStore> _blobs = new();
    private readonly List<(string Name, byte[] Content)> _archived = [];
    private readonly List<string> _calls = [];

    private EventHubsBatchHandler CreateSut()
    {
        var documents = new Mock<IDocumentStore>();
        documents
            .Setup(d => d.QueryAsync(Containers.Definitions, It.IsAny<DocumentQuery>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new DocumentPage([], null));
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        var registry = new EventTypeRegistry(
            documents.Object,
            time,
            Options.Create(new ContentOptions()),
            NullLogger<EventTypeRegistry>.Instance
        );
        var processor = new EventBatchProcessor(_store.Object, registry, [], time, NullLogger<EventBatchProcessor>.Instance);
        _blobs
            .Setup(b =>
                b.PutAsync(
                    It.IsAny<string>(),
                    It.IsAny<string>(),
                    It.IsAny<ReadOnlyMemory<byte>>(),
                    It.IsAny<string>(),
                    It.IsAny<CancellationToken>()
                )
            )
            .Callback<string, string, ReadOnlyMemory<byte>, string, CancellationToken>(
                (_, name, content, _, _) =>
                {
                    _archived.Add((name, content.ToArray()));
                    _calls.Add("archive");
                }
            )
            .Returns(ValueTask.CompletedTask);
        return new EventHubsBatchHandler(
            processor,
            _blobs.Object,
            Options.Create(new AnalyticsOptions()),
            NullLogger<EventHubsBatchHandler>.Instance
        );
    }

    private static EventData Data(TrackedEvent e, long sequence) =>
        EventHubsModelFactory.EventData(
            new BinaryData(EventHubsEventStream.ToEventData(e).EventBody.ToMemory()),
            new Dictionary<string, object>(),
            new Dictionary<string, object>(),
            null,
            sequence,
            (sequence * 100).ToString(System.Globalization.CultureInfo.InvariantCulture),
            DateTimeOffset.UnixEpoch
        );

    private static TrackedEvent Event(string id, string customer) =>
        new()
        {
            Id = id,
            Type = "purchase",
            CustomerId = customer,
            Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_000_000),
            ReceivedAt = DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_000_000),
            Properties = """{"amount":3}"""u8.ToArray(),
        };

    [Fact]
    public async Task Should_apply_the_batch_and_then_checkpoint_after_its_last_event()
    {
        AnalyticsBatch? applied = null;
        _store
            .Setup(s => s.ApplyAsync(It.IsAny<AnalyticsBatch>(), It.IsAny<CancellationToken>()))
            .Callback<AnalyticsBatch, CancellationToken>(
                (batch, _) =>
                {
                    applied = batch;
                    _calls.Add("apply");
                }
            )
            .ReturnsAsync(new AppliedBatch(2, 0, ["c1"], [], ["purchase"]));

        await CreateSut()
            .HandleAsync(
                "4",
                [Data(Event("e1", "c1"), 10), Data(Event("e2", "c1"), 11)],
                (position, _) =>
                {
                    _calls.Add($"checkpoint {position.SequenceNumber} {position.OffsetString}");
                    return Task.CompletedTask;
                },
                CancellationToken.None
            );

        Assert.Equal(["archive", "apply", "checkpoint 11 1100"], _calls);
        var (name, content) = Assert.Single(_archived);
        Assert.Equal("4/1970/01/01/0000000000000000010.ndjson.gz", name);
        Assert.Equal(2, EventArchive.Decompress(content).Count(b => b == (byte)'\n'));
        Assert.Equal(new StreamCheckpoint("4", 11), applied!.Checkpoint);
        Assert.Equal(["e1", "e2"], applied.Facts.Select(f => f.Event.Id));
    }

    [Fact]
    public async Task Should_not_checkpoint_when_applying_the_batch_fails()
    {
        _store
            .Setup(s => s.ApplyAsync(It.IsAny<AnalyticsBatch>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new IOException("disk full"));
        await Assert.ThrowsAsync<IOException>(() =>
            CreateSut()
                .HandleAsync(
                    "0",
                    [Data(Event("e1", "c1"), 1)],
                    (_, _) =>
                    {
                        _calls.Add("checkpoint");
                        return Task.CompletedTask;
                    },
                    CancellationToken.None
                )
        );
        Assert.DoesNotContain("checkpoint", _calls);
    }

    [Fact]
    public async Task Should_skip_an_undecodable_event_and_still_checkpoint_past_it()
    {
        _store
            .Setup(s => s.ApplyAsync(It.IsAny<AnalyticsBatch>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new AppliedBatch(1, 0, ["c1"], [], ["purchase"]));
        var junk = EventHubsModelFactory.EventData(
            new BinaryData("not json"u8.ToArray()),
            null,
            null,
            null,
            8,
            "800",
            DateTimeOffset.UnixEpoch
        );
        long? checkpointed = null;
        await CreateSut()
            .HandleAsync(
                "0",
                [Data(Event("e1", "c1"), 7), junk],
                (position, _) =>
                {
                    checkpointed = position.SequenceNumber;
                    return Task.CompletedTask;
                },
                CancellationToken.None
            );
        Assert.Equal(8, checkpointed);
        _store.Verify(s => s.ApplyAsync(It.Is<AnalyticsBatch>(b => b.Facts.Count == 1), It.IsAny<CancellationToken>()), Times.Once);
    }
}

public sealed class EventHubsEventStreamTests
{
    [Fact]
    public async Task Should_send_one_batch_per_partition_with_every_subject_in_one_partition()
    {
        var producer = new Mock<EventHubProducerClient>();
        producer.Setup(p => p.GetPartitionIdsAsync(It.IsAny<CancellationToken>())).ReturnsAsync(["0", "1", "2", "3"]);
        var batches = new List<(string Partition, List<EventData> Events)>();
        producer
            .Setup(p => p.CreateBatchAsync(It.IsAny<CreateBatchOptions>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(
                (CreateBatchOptions options, CancellationToken _) =>
                {
                    var store = new List<EventData>();
                    lock (batches)
                    {
                        batches.Add((options.PartitionId!, store));
                    }
                    return EventHubsModelFactory.EventDataBatch(1_000_000, store, options, _ => true);
                }
            );
        producer.Setup(p => p.SendAsync(It.IsAny<EventDataBatch>(), It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);
        await using var stream = new EventHubsEventStream(producer.Object);

        var events = Enumerable
            .Range(0, 40)
            .Select(i => new TrackedEvent
            {
                Id = "e" + i,
                Type = "page_view",
                CustomerId = i % 2 == 0 ? "customer-" + (i % 8) : null,
                AnonymousId = i % 2 == 0 ? null : "anon-" + (i % 6),
                Timestamp = DateTimeOffset.UnixEpoch,
                ReceivedAt = DateTimeOffset.UnixEpoch,
            })
            .ToList();
        await stream.AppendAsync(events, CancellationToken.None);

        Assert.Equal(40, batches.Sum(b => b.Events.Count));
        Assert.Equal(batches.Count, batches.Select(b => b.Partition).Distinct().Count());
        foreach (var e in events)
        {
            var partition = EventHubsEventStream.PartitionFor(e.Subject, ["0", "1", "2", "3"]);
            Assert.Contains(batches.Single(b => b.Partition == partition).Events, d => d.MessageId == e.Id);
        }
        producer.Verify(p => p.SendAsync(It.IsAny<EventDataBatch>(), It.IsAny<CancellationToken>()), Times.Exactly(batches.Count));
    }
}
