using Cx.Http.Analytics;
using Cx.Http.Audit;
using Cx.Http.Content;
using Cx.Http.Events;
using Cx.Http.Identity;
using Cx.Http.OpenApi;
using Cx.Http.Platform;
using Cx.Http.Profiles;
using Cx.Http.Segments;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cx.Http;

public static class HttpServiceCollectionExtensions
{
    /// <summary>Registers the HTTP contract: options, the endpoint handlers the functions call and the OpenAPI document.</summary>
    public static IServiceCollection AddCxHttp(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HttpOptions>().Bind(configuration.GetSection(HttpOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<EntryEndpoints>();
        services.AddSingleton<Definitions.DefinitionHandler>();
        services.AddSingleton<DefinitionEndpoints>();
        services.AddSingleton<CustomerEndpoints>();
        services.AddSingleton<ContentEndpoints>();
        services.AddSingleton<Portability.ExportEndpoints>();
        services.AddSingleton<Portability.AnalyticsExportEndpoints>();
        services.AddSingleton<Portability.ExportJobEndpoints>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Cx.Core.Queues.IQueueHandler, Portability.ExportJobHandler>());
        services.AddSingleton<Portability.ImportEndpoints>();
        services.AddSingleton<Portability.Snapshots.SnapshotEndpoints>();
        services.AddSingleton<Privacy.PrivacyEndpoints>();
        services.AddSingleton<SystemEndpoints>();
        services
            .AddOptions<Security.RateLimitOptions>()
            .Bind(configuration.GetSection(Security.RateLimitOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        // In-process buckets unless the host chose another limiter (Cx:RateLimits:Provider).
        services.TryAddSingleton<Core.RateLimiting.IRateLimiter, Core.RateLimiting.InProcessRateLimiter>();
        services.AddSingleton<Security.RequestRateLimiter>();
        services.AddSingleton<Security.AuthFailureLimit>();
        services.AddSingleton<Security.RequestGate>();
        services.AddHttpClient<Core.Identity.IJwksProvider, Security.HttpJwksProvider>(client => client.Timeout = TimeSpan.FromSeconds(10));
        services.AddSingleton<AuthEndpoints>();
        services.AddSingleton<IdentityAdminEndpoints>();
        services.AddSingleton<AuditEndpoints>();
        // Discovered now, so an inconsistent catalog (a duplicate operation id or route) fails at start-up.
        services.AddSingleton(ApiCatalog.Discover());
        services.AddSingleton<OpenApiDocumentProvider>();
        services.AddSingleton<OpenApiEndpoints>();
        // The web pages (API reference, GraphQL explorer) embedded from shared/Cx.Web's build.
        services.AddSingleton<Web.WebAssets>();
        services.AddSingleton<Web.WebEndpoints>();
        services.AddSingleton<EventEndpoints>();
        services.AddSingleton<EventTypeEndpoints>();
        services.AddSingleton<CustomerBehaviorEndpoints>();
        services.AddSingleton<AnalyticsEndpoints>();
        services.AddSingleton<JourneyEndpoints>();
        services.AddSingleton<SegmentEndpoints>();
        services.AddSingleton<Personalization.PlacementEndpoints>();
        services.AddSingleton<Personalization.PersonalizeEndpoints>();
        services.AddHttpClient(Personalization.HttpCdnPurger.ClientName, client => client.Timeout = TimeSpan.FromSeconds(5));
        services.Replace(ServiceDescriptor.Singleton<Core.Personalization.ICdnPurger, Personalization.HttpCdnPurger>());
        services.AddSingleton<Flags.FlagEndpoints>();
        services.AddSingleton<Flags.OfrepEndpoints>();
        services.AddSingleton<Experiments.ExperimentEndpoints>();
        services.AddSingleton<Experiments.ExperimentRunEndpoints>();
        services.AddSingleton<Lifecycle.DeadLetterEndpoints>();
        services.AddSingleton<Audit.AuditVerifyEndpoints>();
        services.AddSingleton<Support.SupportEndpoints>();
        services.AddSingleton<Realtime.RealtimeEndpoints>();
        services.AddSingleton<Realtime.MutationEndpoints>();
        services.AddSingleton<Realtime.SessionEndpoints>();
        GraphQL.GraphQLServiceCollectionExtensions.AddCxGraphQL(services, configuration);
        services.AddSingleton<Inbound.InboundEndpoints>();
        services.AddSingleton<Feedback.FeedbackEndpoints>();
        services.AddSingleton<Feedback.FeedbackReportEndpoints>();
        return services;
    }
}
