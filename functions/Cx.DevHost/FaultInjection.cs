using Cx.Core.Documents;
using Cx.Core.Lifecycle;

namespace Cx.DevHost;

/// <summary>
/// Faults the DevHost can inject for crash tests, and only it (the function app has none), and only
/// in the Development environment: anywhere else a fault setting stops the host at start-up.
/// <list type="bullet">
/// <item><c>Cx:DevHost:Faults:HaltBeforeCommit = HOOK</c>: after the lifecycle hook HOOK has handled
/// a batch and before the dispatcher commits its checkpoint, the dispatcher halts there (it never
/// commits) and logs one warning naming the changes; a test then kills the process (SIGKILL) and
/// restarts it to prove the batch is delivered again.</item>
/// </list>
/// </summary>
public static class FaultInjection
{
    public const string HaltBeforeCommitKey = "Cx:DevHost:Faults:HaltBeforeCommit";

    /// <summary>Registers the configured faults; a problem (a fault outside Development) when refused.</summary>
    public static string? Add(WebApplicationBuilder builder)
    {
        var hook = builder.Configuration[HaltBeforeCommitKey];
        if (string.IsNullOrEmpty(hook))
        {
            return null;
        }
        if (!builder.Environment.IsDevelopment())
        {
            return $"{HaltBeforeCommitKey} is a fault-injection setting for tests; it is refused outside the Development environment "
                + $"(this is '{builder.Environment.EnvironmentName}'). Remove it, or set ASPNETCORE_ENVIRONMENT=Development.";
        }
        builder.Services.AddSingleton<IHookCommitObserver>(sp => new HaltBeforeCommit(
            hook,
            sp.GetRequiredService<ILogger<HaltBeforeCommit>>()
        ));
        return null;
    }
}

/// <summary>Halts the dispatcher after the <paramref name="target"/> hook handled a batch, before the checkpoint commit (see <see cref="FaultInjection"/>).</summary>
public sealed partial class HaltBeforeCommit(string target, ILogger<HaltBeforeCommit> logger) : IHookCommitObserver
{
    public async ValueTask BeforeCommitAsync(string hook, IReadOnlyList<ChangeRecord> handled, CancellationToken cancellationToken)
    {
        if (!string.Equals(hook, target, StringComparison.Ordinal))
        {
            return;
        }
        var changes = string.Join(", ", handled.Take(10).Select(c => $"{c.Container}/{c.Id}@{c.Position}"));
        LogHalted(logger, hook, handled.Count, changes);
        await Task.Delay(Timeout.Infinite, cancellationToken);
    }

    [LoggerMessage(
        EventId = 9001,
        Level = LogLevel.Warning,
        Message = "Fault injection: halted hook {Hook} after it handled {Count} changes ({Changes}), before the checkpoint commit"
    )]
    private static partial void LogHalted(ILogger logger, string hook, int count, string changes);
}
