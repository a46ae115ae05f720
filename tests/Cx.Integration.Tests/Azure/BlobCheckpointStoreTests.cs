using Azure.Messaging.EventHubs.Consumer;
using Azure.Messaging.EventHubs.Primitives;
using Azure.Messaging.EventHubs.Processor;
using Cx.Azure.EventHubs;

namespace Cx.Integration.Tests.Azure;

/// <summary>The Event Hubs blob checkpoint store against a real Azurite.</summary>
public sealed class BlobCheckpointStoreTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const string Namespace = "Cx-Test.servicebus.windows.net";
    private const string Hub = "events";
    private const string Group = "$Default";

    private async Task<(BlobCheckpointStore Store, global::Azure.Storage.Blobs.BlobContainerClient Container)> CreateSutAsync()
    {
        var container = azurite.Service.GetBlobContainerClient("checkpoints-" + Guid.NewGuid().ToString("n")[..12]);
        await container.CreateAsync();
        return (new BlobCheckpointStore(container), container);
    }

    private static EventProcessorPartitionOwnership Desired(string partition, string owner, string? version = null) =>
        new()
        {
            FullyQualifiedNamespace = Namespace,
            EventHubName = Hub,
            ConsumerGroup = Group,
            PartitionId = partition,
            OwnerIdentifier = owner,
            Version = version,
        };

    [Fact]
    public async Task Should_claim_unowned_partitions_and_list_them_in_the_official_layout()
    {
        var (store, container) = await CreateSutAsync();
        var claimed = (
            await store.ClaimOwnershipAsync([Desired("0", "owner-a"), Desired("1", "owner-a")], CancellationToken.None)
        ).ToList();
        Assert.Equal(["0", "1"], claimed.Select(c => c.PartitionId));
        Assert.All(claimed, c => Assert.False(string.IsNullOrEmpty(c.Version)));

        var listed = (await store.ListOwnershipAsync(Namespace, Hub, Group, CancellationToken.None)).OrderBy(o => o.PartitionId).ToList();
        Assert.Equal([("0", "owner-a"), ("1", "owner-a")], listed.Select(o => (o.PartitionId, o.OwnerIdentifier)));
        var blob = container.GetBlobClient("cx-test.servicebus.windows.net/events/$default/ownership/0");
        var properties = await blob.GetPropertiesAsync();
        Assert.Equal("owner-a", properties.Value.Metadata["ownerid"]);
    }

    [Fact]
    public async Task Should_refuse_a_claim_when_its_version_is_stale()
    {
        var (store, _) = await CreateSutAsync();
        var first = (await store.ClaimOwnershipAsync([Desired("0", "owner-a")], CancellationToken.None)).Single();
        var taken = (await store.ClaimOwnershipAsync([Desired("0", "owner-b", first.Version)], CancellationToken.None)).Single();
        Assert.Equal("owner-b", taken.OwnerIdentifier);
        Assert.NotEqual(first.Version, taken.Version);

        var stale = await store.ClaimOwnershipAsync([Desired("0", "owner-a", first.Version)], CancellationToken.None);
        Assert.Empty(stale);
        var again = await store.ClaimOwnershipAsync([Desired("0", "owner-c")], CancellationToken.None);
        Assert.Empty(again); // create-only claim on an existing blob loses
        Assert.Equal("owner-b", (await store.ListOwnershipAsync(Namespace, Hub, Group, CancellationToken.None)).Single().OwnerIdentifier);
    }

    [Fact]
    public async Task Should_store_and_read_back_a_checkpoint_with_offset_and_sequence_number()
    {
        var (store, container) = await CreateSutAsync();
        Assert.Null(await store.GetCheckpointAsync(Namespace, Hub, Group, "3", CancellationToken.None));

        await store.UpdateCheckpointAsync(
            Namespace,
            Hub,
            Group,
            "3",
            "client-1",
            new CheckpointPosition("4096", 42),
            CancellationToken.None
        );
        var checkpoint = await store.GetCheckpointAsync(Namespace, Hub, Group, "3", CancellationToken.None);
        Assert.NotNull(checkpoint);
        Assert.Equal(EventPosition.FromOffset("4096", false), checkpoint.StartingPosition);
        Assert.Equal("client-1", checkpoint.ClientIdentifier);
        var metadata = (await container.GetBlobClient("cx-test.servicebus.windows.net/events/$default/checkpoint/3").GetPropertiesAsync())
            .Value
            .Metadata;
        Assert.Equal(("42", "4096"), (metadata["sequencenumber"], metadata["offset"]));

        await store.UpdateCheckpointAsync(
            Namespace,
            Hub,
            Group,
            "3",
            "client-1",
            new CheckpointPosition("8192", 43),
            CancellationToken.None
        );
        Assert.Equal(
            EventPosition.FromOffset("8192", false),
            (await store.GetCheckpointAsync(Namespace, Hub, Group, "3", CancellationToken.None))!.StartingPosition
        );
    }

    [Fact]
    public async Task Should_fall_back_to_the_sequence_number_when_a_checkpoint_has_no_offset()
    {
        var (store, container) = await CreateSutAsync();
        await container
            .GetBlobClient("cx-test.servicebus.windows.net/events/$default/checkpoint/5")
            .UploadAsync(
                BinaryData.Empty,
                new global::Azure.Storage.Blobs.Models.BlobUploadOptions
                {
                    Metadata = new Dictionary<string, string> { ["sequencenumber"] = "17" },
                }
            );
        var checkpoint = await store.GetCheckpointAsync(Namespace, Hub, Group, "5", CancellationToken.None);
        Assert.Equal(EventPosition.FromSequenceNumber(17, false), checkpoint!.StartingPosition);
    }
}
