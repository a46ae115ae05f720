using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cx.Core.Feedback;

/// <summary>Scores new feedback texts every <see cref="FeedbackOptions.ScoreIntervalSeconds"/> while the host runs.</summary>
public sealed partial class FeedbackScoringService(
    FeedbackService feedback,
    TimeProvider time,
    IOptions<FeedbackOptions> options,
    ILogger<FeedbackScoringService> logger
) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.ScoreIntervalSeconds), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    var scored = await feedback.ScoreNewAsync(stoppingToken);
                    if (scored > 0)
                    {
                        LogScored(logger, scored);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    var errors = e is Common.ValidationException invalid
                        ? string.Join("; ", invalid.Errors.Select(x => x.Path + " " + x.Code + ": " + x.Detail))
                        : e.Message;
                    LogFailed(logger, errors, e);
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    [LoggerMessage(EventId = 4470, Level = LogLevel.Information, Message = "Scored the sentiment of {Count} feedback texts")]
    private static partial void LogScored(ILogger logger, int count);

    [LoggerMessage(EventId = 4471, Level = LogLevel.Warning, Message = "Scoring feedback failed ({Errors}); the next pass tries again")]
    private static partial void LogFailed(ILogger logger, string errors, Exception exception);
}
