using Cx.Core.Common;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cx.Core.Queues;

public static class QueueServiceCollectionExtensions
{
    /// <summary>
    /// The work-queue consumer: <c>Cx:Queues</c> settings and <see cref="WorkQueueConsumer"/>, which
    /// the host starts as a hosted service. The <see cref="IWorkQueue"/> adapter is chosen by
    /// <c>Cx:Queues:Provider</c> in the composition root; handlers register as <see cref="IQueueHandler"/>.
    /// </summary>
    public static IServiceCollection AddCxQueues(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCxOptions<WorkQueueOptions>(configuration, WorkQueueOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<WorkQueueConsumer>();
        return services;
    }
}
