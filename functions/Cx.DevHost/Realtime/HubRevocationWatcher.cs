using Cx.Core.Identity;

namespace Cx.DevHost.Realtime;

/// <summary>
/// Closes the hub connections of revoked Cx sessions: every second it reads, past the revocation
/// cache, the stored revocations of each user with open connections, and aborts a connection whose
/// session was revoked or whose token was made before a sign-out everywhere. A revoked token's
/// connections are closed within about a second of the revocation being stored.
/// </summary>
public sealed partial class HubRevocationWatcher(
    HubConnections connections,
    RevocationCache revocations,
    TimeProvider time,
    ILogger<HubRevocationWatcher> logger
) : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await SweepAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogSweepFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }

    /// <summary>One pass over the open connections; returns how many were closed.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var closed = 0;
        foreach (var user in connections.All.GroupBy(c => c.UserId))
        {
            var separator = user.Key.IndexOf(':', StringComparison.Ordinal);
            if (separator <= 0 || !Enum.TryParse<ActorKind>(user.Key[..separator], ignoreCase: true, out var kind))
            {
                continue;
            }
            var state = await revocations.ReadStoredAsync(kind, user.Key[(separator + 1)..], cancellationToken);
            foreach (var connection in user)
            {
                var revoked =
                    (state.NotBefore is { } notBefore && connection.IssuedAt < notBefore)
                    || (connection.SessionId is { } sid && state.Sessions.Any(s => s.SessionId == sid));
                if (revoked)
                {
                    connection.Context.Abort();
                    closed++;
                }
            }
        }
        return closed;
    }

    [LoggerMessage(EventId = 9301, Level = LogLevel.Warning, Message = "Checking realtime connections for revoked sessions failed")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
