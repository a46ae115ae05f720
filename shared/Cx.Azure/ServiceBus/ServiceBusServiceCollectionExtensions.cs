using Azure.Messaging.ServiceBus;
using Cx.Core.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cx.Azure.ServiceBus;

public static class ServiceBusServiceCollectionExtensions
{
    /// <summary>
    /// Registers Azure Service Bus as the work queue (<c>Cx:Queues:Provider=ServiceBus</c>): its
    /// settings (<c>Cx:Queues:ServiceBus</c>), one client on the <c>ServiceBus</c> connection, and
    /// <see cref="ServiceBusWorkQueue"/> as <see cref="IWorkQueue"/>.
    /// </summary>
    public static IServiceCollection AddCxServiceBusQueues(this IServiceCollection services, IConfiguration configuration)
    {
        services
            .AddOptions<ServiceBusQueueOptions>()
            .Bind(configuration.GetSection(ServiceBusQueueOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => ServiceBusQueueOptions.CreateClient(configuration));
        services.AddSingleton<ServiceBusWorkQueue>();
        services.AddSingleton<IWorkQueue>(sp => sp.GetRequiredService<ServiceBusWorkQueue>());
        return services;
    }
}
