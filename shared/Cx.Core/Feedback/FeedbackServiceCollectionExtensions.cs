using Cx.Core.Common;
using Cx.Core.Lifecycle;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cx.Core.Feedback;

public static class FeedbackServiceCollectionExtensions
{
    /// <summary>
    /// Feedback: <c>Cx:Feedback</c> settings, the lexicon scorer, the service, the detractor hook
    /// on the change feed and the scoring loop (the type itself is built in).
    /// </summary>
    public static IServiceCollection AddCxFeedback(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCxOptions<FeedbackOptions>(configuration, FeedbackOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SentimentScorer>();
        services.TryAddSingleton<FeedbackService>();
        services.TryAddSingleton<NpsReports>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IChangeHook, DetractorHook>());
        services.AddHostedService<FeedbackScoringService>();
        return services;
    }
}
