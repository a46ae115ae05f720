using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cx.Core.Segments;

/// <summary>Runs queued recompute jobs in the background (the job timer function resumes them after a scale-to-zero).</summary>
public sealed partial class SegmentJobService(SegmentJobs jobs, IOptions<SegmentOptions> options, ILogger<SegmentJobService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await jobs.RunPendingAsync(stoppingToken);
                await jobs.WaitForWorkAsync(TimeSpan.FromSeconds(options.Value.JobPollSeconds), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogLoopFailed(logger, ex);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(options.Value.JobPollSeconds), stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(EventId = 2144, Level = LogLevel.Error, Message = "The segment job service failed; it continues")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception);
}
