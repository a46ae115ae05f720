using Cx.Core.Common;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cx.Core.Inbound;

public static class InboundServiceCollectionExtensions
{
    /// <summary>Inbound webhooks: <c>Cx:Inbound</c> settings (secrets by name), the source registry and the receiving service.</summary>
    public static IServiceCollection AddCxInbound(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCxOptions<InboundOptions>(configuration, InboundOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<InboundSourceRegistry>();
        services.TryAddSingleton<InboundService>();
        return services;
    }
}
