using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cx.Core.Personalization;

/// <summary>
/// Embedded mode's expiry of the decision log (Cosmos DB expires logged decisions by their
/// <c>ttl</c>; SQLite has no ttl): at start and then every
/// <see cref="PersonalizationOptions.DecisionLogExpiryMinutes"/>, deletes the decisions older than
/// <see cref="PersonalizationOptions.DecisionLogRetentionDays"/>.
/// </summary>
public sealed partial class DecisionLogExpiry(
    DecisionLog log,
    TimeProvider time,
    IOptions<PersonalizationOptions> options,
    ILogger<DecisionLogExpiry> logger
) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(options.Value.DecisionLogExpiryMinutes), time);
        do
        {
            try
            {
                await log.InitializeAsync(stoppingToken);
                var deleted = await log.ExpireAsync(stoppingToken);
                if (deleted > 0)
                {
                    LogExpired(deleted, options.Value.DecisionLogRetentionDays);
                }
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                LogFailed(error);
            }
        } while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 1391, Level = LogLevel.Information, Message = "Expired {Count} logged decisions older than {Days} days")]
    private partial void LogExpired(int count, int days);

    [LoggerMessage(EventId = 1392, Level = LogLevel.Warning, Message = "Expiring the decision log failed; the next round retries")]
    private partial void LogFailed(Exception error);
}
