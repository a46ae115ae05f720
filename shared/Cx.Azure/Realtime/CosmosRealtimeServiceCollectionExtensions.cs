using Cx.Core.Realtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cx.Azure.Realtime;

public static class CosmosRealtimeServiceCollectionExtensions
{
    /// <summary>
    /// The realtime channel log and the offline-client ledger on Cosmos DB (ADR 0437), in the store's <c>realtime</c> container.
    /// Call after <c>AddCxCosmosStorage</c> and before the embedded fallbacks, which only fill what is left.
    /// </summary>
    public static IServiceCollection AddCxCosmosRealtimeLog(this IServiceCollection services)
    {
        services.TryAddSingleton<CosmosChannelLog>();
        services.TryAddSingleton<IChannelLog>(sp => sp.GetRequiredService<CosmosChannelLog>());
        services.TryAddSingleton<CosmosMutationLedger>();
        services.TryAddSingleton<IMutationLedger>(sp => sp.GetRequiredService<CosmosMutationLedger>());
        return services;
    }
}
