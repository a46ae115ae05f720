using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Azure.Cosmos;
using Cx.Core.Documents;
using Cx.Core.Rules;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.DependencyInjection;

namespace Cx.Integration.Tests.Contracts.Cosmos;

/// <summary>
/// What only the Cosmos DB store has, against the protocol server: how items are stored,
/// tombstones, recovery of orphaned unique reservations, undoing a write that lost its claim,
/// idempotent set-up and indexing policy.
/// </summary>
[Collection(CosmosServerCollection.Name)]
public sealed class CosmosStoreServerTests(CosmosServerFixture server) : IAsyncLifetime
{
    private const string Content = Containers.Content;
    private readonly StallingHandler _stall = new();
    private CosmosTestStore _cosmos = null!;

    private IDocumentStore Store => _cosmos.Store;

    public async Task InitializeAsync()
    {
        _cosmos = await CosmosTestStore.CreateAsync(
            server,
            configure: services =>
                services.AddSingleton(_ => new CosmosClient(
                    server.ConnectionString,
                    new CosmosClientOptions
                    {
                        ConnectionMode = ConnectionMode.Gateway,
                        LimitToEndpoint = true,
                        HttpClientFactory = () =>
                            new HttpClient(
                                new HttpClientHandler
                                {
                                    ServerCertificateCustomValidationCallback = CosmosClientFactory.AcceptLoopbackCertificate,
                                }
                            ),
                        CustomHandlers = { _stall },
                    }
                ))
        );
        await Store.InitializeAsync(default);
    }

    public async Task DisposeAsync() => await _cosmos.DisposeAsync();

    [Fact]
    public async Task Should_store_the_partition_key_and_held_reservations_in_the_item_but_not_return_them()
    {
        await Store.CreateAsync(Content, Note("n1", "p1", Email("ada@example.com")), default);

        var raw = await ReadRawAsync(Content, "p1", "n1");
        var read = await Store.ReadAsync(Content, new DocumentKey("p1", "n1"), default);

        Assert.Equal("p1", raw!["pk"]!.GetValue<string>());
        Assert.Equal(
            [CosmosUniqueValues.ReservationId(Email("ada@example.com"))],
            raw[CosmosItems.UniquesProperty]!.AsArray().Select(v => v!.GetValue<string>())
        );
        var body = JsonNode.Parse(read!.Json.Span)!.AsObject();
        Assert.Equal(["id", "type", "title"], body.Select(p => p.Key));
        Assert.Equal(raw["_etag"]!.GetValue<string>().Trim('"'), read.ETag);
    }

    [Fact]
    public async Task Should_replace_a_deleted_document_with_a_tombstone_that_expires()
    {
        var created = await Store.CreateAsync(Content, Note("n1", "p1", Email("ada@example.com")), default);

        await Store.DeleteAsync(Content, created.Key, null, default);

        var tombstone = await ReadRawAsync(Content, "p1", "n1");
        Assert.True(tombstone![CosmosItems.DeletedProperty]!.GetValue<bool>());
        Assert.Equal(_cosmos.Options.TombstoneTtlSeconds, tombstone["ttl"]!.GetValue<int>());
        Assert.Equal("note", tombstone["type"]!.GetValue<string>());
        Assert.Null(tombstone["title"]);
        Assert.Null(tombstone[CosmosItems.UniquesProperty]);
        Assert.Null(await ReadRawAsync(CosmosContainers.Uniques, null, CosmosUniqueValues.ReservationId(Email("ada@example.com"))));
    }

    [Fact]
    public async Task Should_treat_an_orphaned_reservation_as_taken_within_the_grace_period_and_take_it_over_after()
    {
        var value = Email("ada@example.com");
        await PutReservationAsync(value, "ghost", claimedAt: _cosmos.Time.GetUtcNow());

        var error = await Assert.ThrowsAsync<UniqueValueTakenException>(() =>
            Store.CreateAsync(Content, Note("n1", "p1", value), default).AsTask()
        );
        Assert.Equal("ghost", error.OwnerId);
        Assert.Null(await Store.ReadAsync(Content, new DocumentKey("p1", "n1"), default));

        _cosmos.Time.Advance(TimeSpan.FromSeconds(_cosmos.Options.UniqueClaimGraceSeconds + 1));
        await Store.CreateAsync(Content, Note("n1", "p1", value), default);

        var taken = await Assert.ThrowsAsync<UniqueValueTakenException>(() =>
            Store.CreateAsync(Content, Note("n2", "p1", value), default).AsTask()
        );
        Assert.Equal("n1", taken.OwnerId);
    }

    [Fact]
    public async Task Should_take_over_a_reservation_whose_owner_no_longer_holds_the_value()
    {
        var value = Email("ada@example.com");
        await Store.CreateAsync(Content, Note("n0", "p1"), default);
        await PutReservationAsync(value, "n0", claimedAt: _cosmos.Time.GetUtcNow().AddHours(-1));

        await Store.CreateAsync(Content, Note("n1", "p2", value), default);

        Assert.Equal(
            "n1",
            (await ReadRawAsync(CosmosContainers.Uniques, null, CosmosUniqueValues.ReservationId(value)))!["owner"]![
                "id"
            ]!.GetValue<string>()
        );
    }

    [Fact]
    public async Task Should_never_take_over_a_reservation_whose_owner_holds_the_value_however_old()
    {
        var value = Email("ada@example.com");
        await Store.CreateAsync(Content, Note("n0", "p1", value), default);

        _cosmos.Time.Advance(TimeSpan.FromDays(30));

        var error = await Assert.ThrowsAsync<UniqueValueTakenException>(() =>
            Store.CreateAsync(Content, Note("n1", "p1", value), default).AsTask()
        );
        Assert.Equal("n0", error.OwnerId);
    }

    [Fact]
    public async Task Should_undo_a_create_that_lost_its_unique_value_while_it_stalled()
    {
        var value = Email("ada@example.com");
        // Between the victim's claim and its document write: a stall longer than the grace period,
        // during which another document finds the reservation orphaned and takes it over.
        _stall.Arm(
            // A create is a POST to the container.
            request =>
                request.Method == HttpMethod.Post && request.RequestUri.OriginalString.EndsWith("/colls/content", StringComparison.Ordinal),
            async () =>
            {
                _cosmos.Time.Advance(TimeSpan.FromSeconds(_cosmos.Options.UniqueClaimGraceSeconds + 1));
                await Store.CreateAsync(Content, Note("thief", "p2", value), default);
            }
        );

        var error = await Assert.ThrowsAsync<UniqueValueTakenException>(() =>
            Store.CreateAsync(Content, Note("victim", "p1", value), default).AsTask()
        );

        Assert.True(_stall.Fired);
        Assert.Equal("thief", error.OwnerId);
        Assert.Null(await Store.ReadAsync(Content, new DocumentKey("p1", "victim"), default));
        Assert.NotNull(await Store.ReadAsync(Content, new DocumentKey("p2", "thief"), default));
        var again = await Assert.ThrowsAsync<UniqueValueTakenException>(() =>
            Store.CreateAsync(Content, Note("third", "p1", value), default).AsTask()
        );
        Assert.Equal("thief", again.OwnerId);
    }

    [Fact]
    public async Task Should_undo_a_replace_that_lost_its_new_unique_value_while_it_stalled()
    {
        var created = await Store.CreateAsync(Content, Note("victim", "p1", Email("old@example.com")), default);
        _stall.Arm(
            // A replace is a PUT to the document.
            request =>
                request.Method == HttpMethod.Put
                && request.RequestUri.OriginalString.EndsWith("/colls/content/docs/victim", StringComparison.Ordinal),
            async () =>
            {
                _cosmos.Time.Advance(TimeSpan.FromSeconds(_cosmos.Options.UniqueClaimGraceSeconds + 1));
                await Store.CreateAsync(Content, Note("thief", "p2", Email("new@example.com")), default);
            }
        );
        var replacement = new DocumentWrite(
            "victim",
            "p1",
            "note",
            Encoding.UTF8.GetBytes("""{"id":"victim","type":"note","title":"Changed"}""")
        )
        {
            UniqueValues = [Email("new@example.com")],
        };

        var error = await Assert.ThrowsAsync<UniqueValueTakenException>(() =>
            Store.ReplaceAsync(Content, replacement, created.ETag, default).AsTask()
        );

        Assert.True(_stall.Fired);
        Assert.Equal("thief", error.OwnerId);
        var restored = await Store.ReadAsync(Content, created.Key, default);
        Assert.Equal("Hello", JsonNode.Parse(restored!.Json.Span)!["title"]!.GetValue<string>());
        var old = await Assert.ThrowsAsync<UniqueValueTakenException>(() =>
            Store.CreateAsync(Content, Note("n3", "p1", Email("old@example.com")), default).AsTask()
        );
        Assert.Equal("victim", old.OwnerId);
    }

    [Fact]
    public async Task Should_initialize_idempotently_with_partitioned_containers_that_allow_tombstone_ttl()
    {
        await Store.InitializeAsync(default);
        await using (var second = await CosmosTestStore.CreateAsync(server, database: _cosmos.Database))
        {
            await second.Store.InitializeAsync(default);
        }

        foreach (var name in Containers.All.Append(CosmosContainers.Uniques).Append(CosmosContainers.Leases))
        {
            var properties = (await _cosmos.Containers.Database.GetContainer(name).ReadContainerAsync()).Resource;
            Assert.Equal(CosmosContainers.PartitionKeyPath, properties.PartitionKeyPath);
            Assert.Equal(Containers.IsKnown(name) ? -1 : null, properties.DefaultTimeToLive);
        }
    }

    [Fact]
    public async Task Should_add_composite_indexes_for_declared_fields_once()
    {
        FieldPath[] fields = [FieldPath.Parse("title"), FieldPath.Parse("address.city")];

        await Store.EnsureIndexesAsync(Content, "note", fields, default);
        await Store.EnsureIndexesAsync(Content, "other", fields, default);
        await using (var fresh = await CosmosTestStore.CreateAsync(server, database: _cosmos.Database))
        {
            await fresh.Store.EnsureIndexesAsync(Content, "note", fields, default);
        }

        var policy = (await _cosmos.Containers.Product(Content).ReadContainerAsync()).Resource.IndexingPolicy;
        var signatures = policy.CompositeIndexes.Select(CosmosIndexes.Signature).ToList();
        Assert.Equal(signatures.Count, signatures.Distinct().Count());
        Assert.Contains("/type:a|/title:a|/id:a", signatures);
        Assert.Contains("/type:a|/title:d|/id:a", signatures);
        Assert.Contains("/type:a|/address/city:a|/id:a", signatures);
        Assert.Contains("/type:a|/address/city:d|/id:a", signatures);
        Assert.Contains("/type:a|/id:a", signatures);
    }

    [Fact]
    public async Task Should_keep_documents_when_the_indexing_policy_changes()
    {
        await Store.CreateAsync(Content, Note("n1", "p1"), default);

        await Store.EnsureIndexesAsync(Content, "note", [FieldPath.Parse("title")], default);

        Assert.NotNull(await Store.ReadAsync(Content, new DocumentKey("p1", "n1"), default));
    }

    [Fact]
    public async Task Should_reject_a_body_that_uses_a_property_the_store_reserves()
    {
        var write = new DocumentWrite("n1", "p1", "note", Encoding.UTF8.GetBytes("""{"id":"n1","type":"note","pk":"other"}"""));

        await Assert.ThrowsAsync<ArgumentException>(() => Store.CreateAsync(Content, write, default).AsTask());

        Assert.Null(await ReadRawAsync(Content, "p1", "n1"));
    }

    private static UniqueValue Email(string value) => new("note.email", value);

    private static DocumentWrite Note(string id, string partitionKey, params UniqueValue[] unique) =>
        new(id, partitionKey, "note", Encoding.UTF8.GetBytes($$"""{"id":"{{id}}","type":"note","title":"Hello"}"""))
        {
            UniqueValues = unique,
        };

    /// <summary>A reservation as a crashed writer leaves it: owned by a document that does not hold the value.</summary>
    private async Task PutReservationAsync(UniqueValue value, string ownerId, DateTimeOffset claimedAt)
    {
        var id = CosmosUniqueValues.ReservationId(value);
        var body = new JsonObject
        {
            ["id"] = id,
            ["pk"] = id,
            ["scope"] = value.Scope,
            ["owner"] = new JsonObject
            {
                ["container"] = Content,
                ["pk"] = "p1",
                ["id"] = ownerId,
            },
            ["claimedAt"] = claimedAt.ToUnixTimeMilliseconds(),
        };
        using var response = await _cosmos
            .Containers.Internal(CosmosContainers.Uniques)
            .CreateItemStreamAsync(new MemoryStream(Encoding.UTF8.GetBytes(body.ToJsonString())), new PartitionKey(id));
        response.EnsureSuccessStatusCode();
    }

    private async Task<JsonObject?> ReadRawAsync(string container, string? partitionKey, string id)
    {
        var target = Containers.IsKnown(container) ? _cosmos.Containers.Product(container) : _cosmos.Containers.Internal(container);
        using var response = await target.ReadItemStreamAsync(id, new PartitionKey(partitionKey ?? id));
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        response.EnsureSuccessStatusCode();
        return (await JsonSerializer.DeserializeAsync<JsonObject>(response.Content))!;
    }

    /// <summary>Runs a callback once, just before the next matching request reaches the server.</summary>
    private sealed class StallingHandler : RequestHandler
    {
        private Func<RequestMessage, bool>? _match;
        private Func<Task>? _callback;

        public bool Fired { get; private set; }

        public void Arm(Func<RequestMessage, bool> match, Func<Task> callback)
        {
            _match = match;
            _callback = callback;
        }

        public override async Task<ResponseMessage> SendAsync(RequestMessage request, CancellationToken cancellationToken)
        {
            var callback = _callback;
            if (callback is not null && _match!(request))
            {
                _callback = null;
                Fired = true;
                await callback();
            }
            return await base.SendAsync(request, cancellationToken);
        }
    }
}
