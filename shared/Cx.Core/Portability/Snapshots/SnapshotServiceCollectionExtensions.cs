using Cx.Core.Common;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Cx.Core.Portability.Snapshots;

public static class SnapshotServiceCollectionExtensions
{
    /// <summary>Store snapshots: <c>Cx:Snapshots</c> settings and the service (the store adds its <see cref="ISnapshotSource"/>).</summary>
    public static IServiceCollection AddCxSnapshots(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCxOptions<SnapshotOptions>(configuration, SnapshotOptions.Section);
        services.TryAddSingleton(sp => new SnapshotService(
            sp.GetRequiredService<Blobs.IBlobStore>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<SnapshotOptions>>(),
            sp.GetService<ISnapshotSource>()
        ));
        return services;
    }
}
