using Cx.Core.Common;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cx.Core.Segments;

public static class SegmentServiceCollectionExtensions
{
    /// <summary>
    /// Segmentation: <c>Cx:Segments</c> settings, the registry and service, the compiled catalog,
    /// evaluation, the membership writer and projector, the change hook on the lifecycle
    /// dispatcher, the event-batch observer with its queue, recompute jobs and the sweep. The
    /// background loops (<see cref="SegmentBehaviorWorker"/>, <see cref="SegmentJobService"/>) are
    /// added by the host.
    /// </summary>
    public static IServiceCollection AddCxSegments(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCxOptions<SegmentOptions>(configuration, SegmentOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SegmentRegistry>();
        services.TryAddSingleton<SegmentCatalog>();
        services.TryAddSingleton<MembershipWriter>();
        services.TryAddSingleton<MembershipProjector>();
        services.TryAddSingleton<SegmentEvaluator>();
        services.TryAddSingleton<SegmentHook>();
        services.TryAddEnumerable(
            ServiceDescriptor.Singleton<Lifecycle.IChangeHook, SegmentHook>(sp => sp.GetRequiredService<SegmentHook>())
        );
        services.TryAddSingleton<SegmentWorkQueue>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Analytics.IEventBatchObserver, SegmentEventObserver>());
        services.TryAddSingleton<SegmentBehaviorWorker>();
        services.TryAddSingleton<SegmentJobs>();
        services.TryAddSingleton<SegmentSweeper>();
        services.TryAddSingleton<SegmentService>();
        return services;
    }
}
