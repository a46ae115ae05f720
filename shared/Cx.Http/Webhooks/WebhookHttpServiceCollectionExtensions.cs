using Cx.Core.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Polly;

namespace Cx.Http.Webhooks;

public static class WebhookHttpServiceCollectionExtensions
{
    /// <summary>
    /// The HTTP side of outbound webhooks: the Standard Webhooks signer, the transport on the named
    /// client <see cref="HttpWebhookTransport.ClientName"/> (SSRF-checked handler, a resilience
    /// pipeline with the per-request timeout) and the admin endpoints.
    /// </summary>
    public static IServiceCollection AddCxWebhookHttp(this IServiceCollection services)
    {
        services.TryAddSingleton<IWebhookSigner, StandardWebhookSigner>();
        services.TryAddSingleton<IWebhookSecretProtector, DataProtectionSecretProtector>();
        services.TryAddSingleton<IWebhookTransport, HttpWebhookTransport>();
        services.TryAddSingleton<WebhookEndpoints>();
        services
            .AddHttpClient(HttpWebhookTransport.ClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp =>
                HttpWebhookTransport.CreateHandler(sp.GetRequiredService<IOptions<WebhookOptions>>().Value)
            )
            .AddResilienceHandler(
                "cx-webhook-timeout",
                (pipeline, context) =>
                    pipeline.AddTimeout(
                        TimeSpan.FromSeconds(context.ServiceProvider.GetRequiredService<IOptions<WebhookOptions>>().Value.TimeoutSeconds)
                    )
            );
        return services;
    }
}
