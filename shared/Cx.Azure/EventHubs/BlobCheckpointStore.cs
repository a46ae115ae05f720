using System.Globalization;
using Azure;
using Azure.Messaging.EventHubs.Consumer;
using Azure.Messaging.EventHubs.Primitives;
using Azure.Messaging.EventHubs.Processor;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Cx.Azure.EventHubs;

/// <summary>
/// An Event Hubs checkpoint store on Blob Storage, in the layout the official blob checkpoint
/// store uses, so processors of either kind can take over from each other:
/// <c>{namespace}/{hub}/{consumerGroup}/ownership/{partition}</c> with metadata <c>ownerid</c>,
/// and <c>{namespace}/{hub}/{consumerGroup}/checkpoint/{partition}</c> with metadata
/// <c>sequencenumber</c>, <c>offset</c> (and <c>clientidentifier</c>); names lower-case, blobs empty.
/// Ownership claims are conditional on the blob's ETag (create: If-None-Match *), so two
/// processors never both win a partition.
/// </summary>
public sealed class BlobCheckpointStore(BlobContainerClient container) : CheckpointStore
{
    private const string OwnerId = "ownerid";
    private const string SequenceNumber = "sequencenumber";
    private const string Offset = "offset";
    private const string ClientIdentifier = "clientidentifier";

    public static string Prefix(string fullyQualifiedNamespace, string eventHubName, string consumerGroup) =>
        string.Concat(
            fullyQualifiedNamespace.ToLowerInvariant(),
            "/",
            eventHubName.ToLowerInvariant(),
            "/",
            consumerGroup.ToLowerInvariant(),
            "/"
        );

    public static string OwnershipName(string fullyQualifiedNamespace, string eventHubName, string consumerGroup, string partitionId) =>
        Prefix(fullyQualifiedNamespace, eventHubName, consumerGroup) + "ownership/" + partitionId;

    public static string CheckpointName(string fullyQualifiedNamespace, string eventHubName, string consumerGroup, string partitionId) =>
        Prefix(fullyQualifiedNamespace, eventHubName, consumerGroup) + "checkpoint/" + partitionId;

    public override async Task<IEnumerable<EventProcessorPartitionOwnership>> ListOwnershipAsync(
        string fullyQualifiedNamespace,
        string eventHubName,
        string consumerGroup,
        CancellationToken cancellationToken
    )
    {
        var result = new List<EventProcessorPartitionOwnership>();
        var prefix = Prefix(fullyQualifiedNamespace, eventHubName, consumerGroup) + "ownership/";
        try
        {
            await foreach (var blob in container.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, prefix, cancellationToken))
            {
                result.Add(
                    new EventProcessorPartitionOwnership
                    {
                        FullyQualifiedNamespace = fullyQualifiedNamespace,
                        EventHubName = eventHubName,
                        ConsumerGroup = consumerGroup,
                        PartitionId = blob.Name[prefix.Length..],
                        OwnerIdentifier = blob.Metadata.TryGetValue(OwnerId, out var owner) ? owner : "",
                        LastModifiedTime = blob.Properties.LastModified ?? DateTimeOffset.MinValue,
                        Version = blob.Properties.ETag?.ToString(),
                    }
                );
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // No container yet: nobody owns anything.
        }
        return result;
    }

    public override async Task<IEnumerable<EventProcessorPartitionOwnership>> ClaimOwnershipAsync(
        IEnumerable<EventProcessorPartitionOwnership> desiredOwnership,
        CancellationToken cancellationToken
    )
    {
        var claimed = new List<EventProcessorPartitionOwnership>();
        foreach (var ownership in desiredOwnership)
        {
            var blob = container.GetBlockBlobClient(
                OwnershipName(ownership.FullyQualifiedNamespace, ownership.EventHubName, ownership.ConsumerGroup, ownership.PartitionId)
            );
            var metadata = new Dictionary<string, string> { [OwnerId] = ownership.OwnerIdentifier ?? "" };
            try
            {
                ETag etag;
                DateTimeOffset modified;
                if (ownership.Version is null)
                {
                    var created = await blob.UploadAsync(
                        new MemoryStream([]),
                        new BlobUploadOptions
                        {
                            Metadata = metadata,
                            Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                        },
                        cancellationToken
                    );
                    (etag, modified) = (created.Value.ETag, created.Value.LastModified);
                }
                else
                {
                    var updated = await blob.SetMetadataAsync(
                        metadata,
                        new BlobRequestConditions { IfMatch = new ETag(ownership.Version) },
                        cancellationToken
                    );
                    (etag, modified) = (updated.Value.ETag, updated.Value.LastModified);
                }
                claimed.Add(
                    new EventProcessorPartitionOwnership
                    {
                        FullyQualifiedNamespace = ownership.FullyQualifiedNamespace,
                        EventHubName = ownership.EventHubName,
                        ConsumerGroup = ownership.ConsumerGroup,
                        PartitionId = ownership.PartitionId,
                        OwnerIdentifier = ownership.OwnerIdentifier,
                        LastModifiedTime = modified,
                        Version = etag.ToString(),
                    }
                );
            }
            catch (RequestFailedException ex)
                when (ex.Status is 409 or 412 || ex.ErrorCode == "BlobAlreadyExists" || ex.ErrorCode == "ConditionNotMet")
            {
                // Someone else claimed it first (or the version is stale): not ours.
            }
            catch (RequestFailedException ex) when (ex.Status == 404 && ownership.Version is not null)
            {
                // The ownership blob was deleted since it was listed: claim again on the next cycle.
            }
        }
        return claimed;
    }

    public override async Task<EventProcessorCheckpoint?> GetCheckpointAsync(
        string fullyQualifiedNamespace,
        string eventHubName,
        string consumerGroup,
        string partitionId,
        CancellationToken cancellationToken
    )
    {
        try
        {
            var properties = await container
                .GetBlobClient(CheckpointName(fullyQualifiedNamespace, eventHubName, consumerGroup, partitionId))
                .GetPropertiesAsync(cancellationToken: cancellationToken);
            var metadata = properties.Value.Metadata;
            EventPosition position;
            if (metadata.TryGetValue(Offset, out var offset) && !string.IsNullOrEmpty(offset))
            {
                position = EventPosition.FromOffset(offset, false);
            }
            else if (
                metadata.TryGetValue(SequenceNumber, out var sequence)
                && long.TryParse(sequence, NumberStyles.Integer, CultureInfo.InvariantCulture, out var sequenceNumber)
            )
            {
                position = EventPosition.FromSequenceNumber(sequenceNumber, false);
            }
            else
            {
                return null;
            }
            return new EventProcessorCheckpoint
            {
                FullyQualifiedNamespace = fullyQualifiedNamespace,
                EventHubName = eventHubName,
                ConsumerGroup = consumerGroup,
                PartitionId = partitionId,
                StartingPosition = position,
                ClientIdentifier = metadata.TryGetValue(ClientIdentifier, out var client) ? client : null,
                LastModified = properties.Value.LastModified,
            };
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    public override async Task UpdateCheckpointAsync(
        string fullyQualifiedNamespace,
        string eventHubName,
        string consumerGroup,
        string partitionId,
        string clientIdentifier,
        CheckpointPosition startingPosition,
        CancellationToken cancellationToken
    )
    {
        var metadata = new Dictionary<string, string>
        {
            [SequenceNumber] = startingPosition.SequenceNumber.ToString(CultureInfo.InvariantCulture),
            [Offset] = startingPosition.OffsetString ?? "",
            [ClientIdentifier] = clientIdentifier ?? "",
        };
        var blob = container.GetBlockBlobClient(CheckpointName(fullyQualifiedNamespace, eventHubName, consumerGroup, partitionId));
        await blob.UploadAsync(new MemoryStream([]), new BlobUploadOptions { Metadata = metadata }, cancellationToken);
    }

    [Obsolete("The processor calls the CheckpointPosition overload.")]
    public override Task UpdateCheckpointAsync(
        string fullyQualifiedNamespace,
        string eventHubName,
        string consumerGroup,
        string partitionId,
        long offset,
        long? sequenceNumber,
        CancellationToken cancellationToken
    ) =>
        UpdateCheckpointAsync(
            fullyQualifiedNamespace,
            eventHubName,
            consumerGroup,
            partitionId,
            "",
            new CheckpointPosition(offset.ToString(CultureInfo.InvariantCulture), sequenceNumber ?? long.MinValue),
            cancellationToken
        );
}
