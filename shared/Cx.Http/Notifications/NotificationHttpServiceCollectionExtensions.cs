using Cx.Core.Notifications;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Polly;

namespace Cx.Http.Notifications;

public static class NotificationHttpServiceCollectionExtensions
{
    /// <summary>
    /// The transports of notifications (MailKit for smtp channels, the SSRF-checked named client
    /// <see cref="HttpChannelTransport.ClientName"/> for http channels) and the endpoints.
    /// </summary>
    public static IServiceCollection AddCxNotificationHttp(this IServiceCollection services)
    {
        services.TryAddSingleton<IEmailTransport, MailKitEmailTransport>();
        services.TryAddSingleton<IHttpChannelTransport, HttpChannelTransport>();
        services.TryAddSingleton<NotificationEndpoints>();
        services
            .AddHttpClient(HttpChannelTransport.ClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp =>
                HttpChannelTransport.CreateHandler(sp.GetRequiredService<IOptions<NotificationOptions>>().Value)
            )
            .AddResilienceHandler(
                "cx-notification-timeout",
                (pipeline, context) =>
                    pipeline.AddTimeout(
                        TimeSpan.FromSeconds(
                            context.ServiceProvider.GetRequiredService<IOptions<NotificationOptions>>().Value.TimeoutSeconds
                        )
                    )
            );
        return services;
    }
}
