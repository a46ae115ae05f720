using System.ComponentModel.DataAnnotations;
using Azure.Messaging.EventHubs.Producer;
using Microsoft.Extensions.Configuration;

namespace Cx.Azure.EventHubs;

/// <summary>
/// Settings of the Event Hubs stream, bound from <c>Cx:Events:EventHubs</c>. The connection
/// itself is named as the Functions host names it: <c>EventHubs__fullyQualifiedNamespace</c>
/// (managed identity) or <c>EventHubs__connectionString</c>.
/// </summary>
public sealed class EventHubsOptions
{
    public const string Section = "Cx:Events:EventHubs";

    public const string ConnectionSection = "EventHubs";

    [Required]
    public string HubName { get; set; } = "events";

    [Required]
    public string ConsumerGroup { get; set; } = "$Default";

    /// <summary>Blob container of the processor's ownership and checkpoint blobs (in the <c>Blobs</c> account).</summary>
    [Required]
    public string CheckpointContainer { get; set; } = "eventhubs-checkpoints";

    /// <summary>Whether this instance runs the batch processor (keep one always-ready instance, see PLATFORM.md).</summary>
    public bool ProcessorEnabled { get; set; } = true;

    /// <summary>Most events handed to one processor batch.</summary>
    [Range(1, 10_000)]
    public int MaxBatchEvents { get; set; } = 1000;

    /// <summary>How long the processor waits to fill a batch, in milliseconds.</summary>
    [Range(1, 60_000)]
    public int MaxBatchDelayMs { get; set; } = 250;

    public static EventHubProducerClient CreateProducer(IConfiguration configuration, string hubName)
    {
        if (AzureConnections.ConnectionString(configuration, ConnectionSection) is { } connectionString)
        {
            return new EventHubProducerClient(connectionString, hubName);
        }
        if (configuration.GetSection(ConnectionSection)["fullyQualifiedNamespace"] is { Length: > 0 } fqns)
        {
            return new EventHubProducerClient(fqns, hubName, AzureConnections.Credential(configuration, ConnectionSection));
        }
        throw new InvalidOperationException(
            "Cx:Stream:Provider is EventHubs but neither EventHubs__fullyQualifiedNamespace nor EventHubs (a connection string) is set."
        );
    }
}
