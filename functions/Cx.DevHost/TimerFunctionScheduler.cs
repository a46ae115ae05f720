using System.Reflection;
using Cronos;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cx.DevHost;

/// <summary>
/// Runs the timer functions of functions.metadata on their NCRONTAB schedules (six fields,
/// seconds first, as the Functions host reads them; <c>%Setting%</c> resolved from
/// configuration), one invocation of a function at a time, like the host's singleton lock.
/// </summary>
public sealed partial class TimerFunctionScheduler(
    IReadOnlyList<FunctionDescriptor> functions,
    Assembly assembly,
    IServiceProvider services,
    IConfiguration configuration,
    TimeProvider time,
    ILogger<TimerFunctionScheduler> logger
) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var loops = new List<Task>();
        foreach (var function in functions.Where(f => f.Timer is not null))
        {
            if (MissingSetting(function) is { } setting)
            {
                // Like an app setting the Functions host cannot resolve: this timer does not run here.
                LogTimerDisabled(logger, function.Name, setting);
                continue;
            }
            loops.Add(RunAsync(function, FunctionInvoker.Create(function, assembly), ParseSchedule(function), stoppingToken));
        }
        return Task.WhenAll(loops);
    }

    /// <summary>The setting a <c>%Setting%</c> schedule names when configuration lacks it, else null.</summary>
    public string? MissingSetting(FunctionDescriptor function)
    {
        var schedule = function.Timer!.Schedule;
        if (!(schedule.StartsWith('%') && schedule.EndsWith('%')))
        {
            return null;
        }
        var key = schedule.Trim('%');
        return string.IsNullOrWhiteSpace(configuration[key.Replace("__", ":", StringComparison.Ordinal)]) ? key : null;
    }

    public CronExpression ParseSchedule(FunctionDescriptor function)
    {
        var schedule = function.Timer!.Schedule;
        if (schedule.StartsWith('%') && schedule.EndsWith('%'))
        {
            var key = schedule.Trim('%');
            schedule =
                configuration[key.Replace("__", ":", StringComparison.Ordinal)]
                ?? throw new InvalidOperationException($"{function.Name}: setting '{key}' for its schedule is missing.");
        }
        var fields = schedule.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        return CronExpression.Parse(schedule, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
    }

    private async Task RunAsync(FunctionDescriptor function, FunctionInvoker invoker, CronExpression cron, CancellationToken stoppingToken)
    {
        var last = time.GetUtcNow();
        if (function.Timer!.RunOnStartup)
        {
            await InvokeAsync(function, invoker, cron, last, last, stoppingToken);
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            var next = cron.GetNextOccurrence(time.GetUtcNow(), TimeZoneInfo.Utc);
            if (next is null)
            {
                return;
            }
            var delay = next.Value - time.GetUtcNow();
            if (delay > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(delay, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            await InvokeAsync(function, invoker, cron, last, next.Value, stoppingToken);
            last = next.Value;
        }
    }

    private async Task InvokeAsync(
        FunctionDescriptor function,
        FunctionInvoker invoker,
        CronExpression cron,
        DateTimeOffset last,
        DateTimeOffset now,
        CancellationToken stoppingToken
    )
    {
        var timer = new TimerInfo
        {
            IsPastDue = time.GetUtcNow() - now > TimeSpan.FromSeconds(30),
            ScheduleStatus = new ScheduleStatus
            {
                Last = last.UtcDateTime,
                Next = cron.GetNextOccurrence(now, TimeZoneInfo.Utc)?.UtcDateTime ?? default,
                LastUpdated = now.UtcDateTime,
            },
        };
        try
        {
            await using var scope = services.CreateAsyncScope();
            await invoker.InvokeAsync(scope.ServiceProvider, new InvocationContext(null, timer, stoppingToken));
            LogTimerRan(logger, function.Name);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
        catch (Exception ex)
        {
            LogTimerFailed(logger, ex, function.Name);
        }
    }

    [LoggerMessage(
        EventId = 203,
        Level = LogLevel.Warning,
        Message = "Timer function {Function} does not run: its schedule setting {Setting} is not set"
    )]
    private static partial void LogTimerDisabled(ILogger logger, string function, string setting);

    [LoggerMessage(EventId = 201, Level = LogLevel.Debug, Message = "Timer function {Function} ran")]
    private static partial void LogTimerRan(ILogger logger, string function);

    [LoggerMessage(EventId = 202, Level = LogLevel.Error, Message = "Timer function {Function} failed")]
    private static partial void LogTimerFailed(ILogger logger, Exception exception, string function);
}
