using Cx.Core.Common;
using Cx.Core.Lifecycle;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cx.Core.Realtime;

public static class RealtimeServiceCollectionExtensions
{
    /// <summary>
    /// Live updates: <c>Cx:Realtime</c> settings, the service (negotiate, subscribe) and the change
    /// hook that logs and publishes. The channel log (<see cref="IChannelLog"/>) and the transport
    /// (<see cref="IRealtimePublisher"/>) are adapters, registered by the host's provider switch.
    /// </summary>
    public static IServiceCollection AddCxRealtime(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCxOptions<RealtimeOptions>(configuration, RealtimeOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RealtimeService>();
        services.TryAddSingleton<OfflineReplayService>();
        services.TryAddSingleton<DeviceSessionService>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IChangeHook, RealtimeHook>());
        return services;
    }
}
