using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cx.Core.Lifecycle;

/// <summary>
/// Runs the dispatcher continuously while the host is up (the DevHost, and Azure instances that
/// stay warm). A timer function runs it too, so hooks progress after a scale-to-zero.
/// </summary>
public sealed partial class ChangeDispatcherService(
    ChangeDispatcher dispatcher,
    IOptions<HookOptions> options,
    TimeProvider time,
    ILogger<ChangeDispatcherService> logger
) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await dispatcher.DispatchAsync(stoppingToken) > 0)
                {
                    continue;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogLoopFailed(logger, ex);
            }
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(options.Value.PollMilliseconds), time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 2010, Level = LogLevel.Error, Message = "The change dispatcher failed; it will try again")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception);
}
