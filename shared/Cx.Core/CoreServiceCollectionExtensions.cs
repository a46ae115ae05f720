using Cx.Core.Analytics;
using Cx.Core.Content;
using Cx.Core.Events;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cx.Core;

public static class CoreServiceCollectionExtensions
{
    /// <summary>Registers the content model: registry and entry service.</summary>
    public static IServiceCollection AddCxContent(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ContentTypeRegistry>();
        services.TryAddSingleton<EntryService>();
        services.TryAddSingleton<Audit.AuditLog>();
        return services;
    }

    /// <summary>Registers identity: tokens, sessions, accounts, API keys, SSO and revocations.</summary>
    public static IServiceCollection AddCxIdentity(this IServiceCollection services)
    {
        services.TryAddSingleton<Identity.IdentityStore>();
        services.TryAddSingleton<Identity.TokenService>();
        services.TryAddSingleton<Identity.RevocationCache>();
        services.TryAddSingleton<Identity.AccountService>();
        services.TryAddSingleton<Identity.IStaffDirectory>(sp => sp.GetRequiredService<Identity.AccountService>());
        services.TryAddSingleton<Identity.SessionService>();
        services.TryAddSingleton<Identity.ApiKeyService>();
        services.TryAddSingleton<Identity.SsoService>();
        return services;
    }

    /// <summary>Registers event capture and processing: the event-type registry, ingestion, identify and the batch logic.</summary>
    public static IServiceCollection AddCxEvents(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<EventTypeRegistry>();
        services.TryAddSingleton<EventIngestionService>();
        services.TryAddSingleton<IdentityService>();
        services.TryAddSingleton<EventBatchProcessor>();
        return services;
    }

    /// <summary>Registers the analytics read side: roll-up series, funnels, journeys and the journey-report writer.</summary>
    public static IServiceCollection AddCxAnalytics(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RollupSeriesService>();
        services.TryAddSingleton<FunnelService>();
        services.TryAddSingleton<JourneyRegistry>();
        services.TryAddSingleton<JourneyReportWriter>();
        return services;
    }

    /// <summary>
    /// Registers segmentation and the lifecycle dispatcher it hooks into: the segment registry and
    /// service, the compiled catalog, evaluation, the membership writer and projector, the change
    /// hook, the event-batch observer with its queue, recompute jobs and the sweep. The background
    /// loops (<see cref="Lifecycle.ChangeDispatcherService"/>, <see cref="Segments.SegmentBehaviorWorker"/>,
    /// <see cref="Segments.SegmentJobService"/>) are added as hosted services by the host.
    /// </summary>
    public static IServiceCollection AddCxSegments(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<Segments.SegmentRegistry>();
        services.TryAddSingleton<Segments.SegmentCatalog>();
        services.TryAddSingleton<Segments.MembershipWriter>();
        services.TryAddSingleton<Segments.MembershipProjector>();
        services.TryAddSingleton<Segments.SegmentEvaluator>();
        services.TryAddSingleton<Segments.SegmentHook>();
        services.AddSingleton<Lifecycle.IChangeHook>(sp => sp.GetRequiredService<Segments.SegmentHook>());
        services.TryAddSingleton<Segments.SegmentWorkQueue>();
        services.AddSingleton<IEventBatchObserver, Segments.SegmentEventObserver>();
        services.TryAddSingleton<Segments.SegmentBehaviorWorker>();
        services.TryAddSingleton<Segments.SegmentJobs>();
        services.TryAddSingleton<Segments.SegmentSweeper>();
        services.TryAddSingleton<Segments.SegmentService>();
        services.TryAddSingleton<Lifecycle.HookFailureStore>();
        services.TryAddSingleton<Lifecycle.ChangeDispatcher>();
        services.TryAddSingleton<Lifecycle.DeadLetterService>();
        return services;
    }
}
