using Cx.Core.Lifecycle;
using Cx.Http.Security;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace Cx.Functions.Lifecycle;

/// <summary>The lifecycle dispatcher's timer: hooks progress even on a host that scaled to zero (no background loop runs there).</summary>
public sealed partial class LifecycleFunctions(ChangeDispatcher dispatcher, ILogger<LifecycleFunctions> logger)
{
    [Access(AccessAttribute.Trigger)]
    [Function(nameof(DispatchChanges))]
    public async Task DispatchChanges([TimerTrigger("15 * * * * *")] TimerInfo timer, CancellationToken cancellationToken)
    {
        var delivered = await dispatcher.DispatchAsync(cancellationToken);
        LogDispatched(logger, delivered);
    }

    [LoggerMessage(EventId = 920, Level = LogLevel.Debug, Message = "Delivered {Count} changes to lifecycle hooks")]
    private static partial void LogDispatched(ILogger logger, int count);
}
