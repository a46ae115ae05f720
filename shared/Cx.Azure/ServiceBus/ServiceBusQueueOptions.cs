using System.ComponentModel.DataAnnotations;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Configuration;

namespace Cx.Azure.ServiceBus;

/// <summary>
/// Settings of the Service Bus work queues, bound from <c>Cx:Queues:ServiceBus</c>. The connection is
/// named as the Functions host names it: <c>ServiceBus__fullyQualifiedNamespace</c> (managed
/// identity) or <c>ServiceBus</c> (a connection string). Each Cx queue is a session-enabled Service
/// Bus queue of the same name with duplicate detection (declared in <c>infra/app/servicebus.bicep</c>).
/// </summary>
public sealed class ServiceBusQueueOptions
{
    public const string Section = "Cx:Queues:ServiceBus";

    public const string ConnectionSection = "ServiceBus";

    /// <summary>How long a receive waits for a session with a message before it answers "nothing due", in milliseconds.</summary>
    [Range(10, 60_000)]
    public int SessionWaitMilliseconds { get; set; } = 1_000;

    public static ServiceBusClient CreateClient(IConfiguration configuration)
    {
        if (AzureConnections.ConnectionString(configuration, ConnectionSection) is { } connectionString)
        {
            return new ServiceBusClient(connectionString);
        }
        if (configuration.GetSection(ConnectionSection)["fullyQualifiedNamespace"] is { Length: > 0 } fqns)
        {
            return new ServiceBusClient(fqns, AzureConnections.Credential(configuration, ConnectionSection));
        }
        throw new InvalidOperationException(
            "Cx:Queues:Provider is ServiceBus but neither ServiceBus__fullyQualifiedNamespace nor ServiceBus (a connection string) is set."
        );
    }
}
