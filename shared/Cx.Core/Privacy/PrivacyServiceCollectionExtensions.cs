using Cx.Core.Common;
using Cx.Core.Events;
using Cx.Core.Realtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cx.Core.Privacy;

public static class PrivacyServiceCollectionExtensions
{
    /// <summary>Privacy requests: <c>Cx:Privacy</c> settings and the access and erasure services, and the erasure steps of the stores behind ports.</summary>
    public static IServiceCollection AddCxPrivacy(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCxOptions<PrivacyOptions>(configuration, PrivacyOptions.Section);
        services.TryAddSingleton<PrivacyAccessService>();
        services.TryAddSingleton<PrivacyErasureService>();
        // The stores behind ports erase through the adapter the port resolves to, when it can (ADR 0454).
        services.AddSingleton<IPersonalDataEraser>(sp => new PortEraser(ErasureStores.RealtimeChannels, sp.GetService<IChannelLog>()));
        services.AddSingleton<IPersonalDataEraser>(sp => new PortEraser(
            ErasureStores.DeviceSessions,
            sp.GetService<IDeviceSessionStore>()
        ));
        services.AddSingleton<IPersonalDataEraser>(sp => new PortEraser(ErasureStores.EventLog, sp.GetService<IEventStream>()));
        return services;
    }
}
