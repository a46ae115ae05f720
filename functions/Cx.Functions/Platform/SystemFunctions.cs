using Cx.Core.Documents;
using Cx.Core.Identity;
using Cx.Http.Platform;
using Cx.Http.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace Cx.Functions.Platform;

/// <summary>Health, and the housekeeping timers of the platform.</summary>
public sealed partial class SystemFunctions(SystemEndpoints endpoints, IChangeFeed changeFeed, ILogger<SystemFunctions> logger)
{
    [Access(AccessAttribute.Anonymous)]
    [Function(nameof(Health))]
    public Task<IResult> Health(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = SystemRoutes.Health)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.HealthAsync(request, cancellationToken);

    /// <summary>Every 15 minutes: drops change-log entries every consumer has passed (embedded store).</summary>
    [Access(AccessAttribute.Trigger)]
    [Function(nameof(PruneChangeFeed))]
    public async Task PruneChangeFeed([TimerTrigger("0 */15 * * * *")] TimerInfo timer, CancellationToken cancellationToken)
    {
        var pruned = await changeFeed.PruneAsync(cancellationToken);
        LogPruned(logger, pruned);
    }

    [LoggerMessage(EventId = 900, Level = LogLevel.Information, Message = "Pruned {Count} change-feed entries")]
    private static partial void LogPruned(ILogger logger, int count);
}
