using Cx.Core.Content;
using Cx.Core.Documents;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cx.Hosting;

/// <summary>
/// Prepares storage before the first request: containers and tables, built-in definitions,
/// indexes of every content type. Idempotent; safe on every start of every instance.
/// </summary>
public sealed partial class CxInitializer(IDocumentStore store, ContentTypeRegistry registry, ILogger<CxInitializer> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await store.InitializeAsync(cancellationToken);
        await registry.InitializeAsync(cancellationToken);
        LogReady(logger, store.GetType().Name);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Cx storage ready ({Store})")]
    private static partial void LogReady(ILogger logger, string store);
}
