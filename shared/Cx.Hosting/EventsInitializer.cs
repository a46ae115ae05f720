using Cx.Core.Analytics;
using Cx.Core.Events;
using Microsoft.Extensions.Hosting;

namespace Cx.Hosting;

/// <summary>
/// Prepares event capture before the first request: the built-in event types (after the
/// document store is ready, so it is registered after <see cref="CxInitializer"/>) and the
/// analytics store's tables. Idempotent; safe on every start of every instance.
/// </summary>
public sealed class EventsInitializer(EventTypeRegistry registry, IAnalyticsStore analytics) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await registry.InitializeAsync(cancellationToken);
        await analytics.InitializeAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
