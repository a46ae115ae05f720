using Cx.Core.Common;
using Cx.Core.Lifecycle;
using Cx.Core.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cx.Core.Webhooks;

public static class WebhookServiceCollectionExtensions
{
    /// <summary>
    /// Outbound webhooks: <c>Cx:Webhooks</c> settings, the subscription registry, the delivery log
    /// and service, the change hook that enqueues deliveries and the queue handler that sends them.
    /// The HTTP transport and the signer (<see cref="IWebhookTransport"/>, <see cref="IWebhookSigner"/>)
    /// are registered by the HTTP layer.
    /// </summary>
    public static IServiceCollection AddCxWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCxOptions<WebhookOptions>(configuration, WebhookOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<WebhookRegistry>();
        services.TryAddSingleton<WebhookDeliveryLog>();
        services.TryAddSingleton<WebhookService>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IChangeHook, WebhookHook>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IQueueHandler, WebhookDeliveryHandler>());
        return services;
    }
}
