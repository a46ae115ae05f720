using Cx.Core.Audit;
using Cx.Core.Common;
using Cx.Core.Documents;

namespace Cx.DevHost;

/// <summary>
/// <c>audit verify [--partition yyyy-MM]</c>: checks the audit log's hash chain of one month, or of
/// every month from the oldest with audit data through the current one, on the configured store.
/// Prints one line per month; exits 0 when every chain is intact, 1 when one is broken, 2 on a
/// usage error.
/// </summary>
public static class AuditCommand
{
    public static async Task<int> RunAsync(string[] args, IServiceProvider services)
    {
        if (args.Length == 0 || args[0] != "verify")
        {
            return Usage("The audit command has one verb: verify.");
        }
        string? partition = null;
        for (var i = 1; i < args.Length; i++)
        {
            if (args[i] == "--partition" && i + 1 < args.Length && partition is null)
            {
                partition = args[++i];
            }
            else
            {
                return Usage($"Unexpected argument '{args[i]}'.");
            }
        }
        if (partition is not null && !AuditLog.IsPartition(partition))
        {
            return Usage("--partition is a month, yyyy-MM (such as 2026-12).");
        }
        await services.GetRequiredService<IDocumentStore>().InitializeAsync(CancellationToken.None);
        var audit = services.GetRequiredService<AuditLog>();
        await audit.InitializeAsync(CancellationToken.None);
        var partitions = partition is null ? await audit.PartitionsAsync(CancellationToken.None) : [partition];
        var broken = 0;
        foreach (var month in partitions)
        {
            var result = await audit.VerifyAsync(month, CancellationToken.None);
            if (result.Break is { } b)
            {
                broken++;
                await Console.Out.WriteLineAsync(
                    $"{month}: BROKEN at {b.EntryId}{(b.Seq is { } seq ? $" (seq {seq})" : "")}: {b.Reason}. {b.Detail}"
                );
            }
            else
            {
                await Console.Out.WriteLineAsync(
                    result.HeadSeq is { } head
                        ? $"{month}: ok, {result.Entries} entries, head {head} {result.HeadHash}"
                        : $"{month}: ok, no entries"
                );
            }
        }
        return broken == 0 ? 0 : 1;
    }

    private static int Usage(string problem)
    {
        Console.Error.WriteLine(problem);
        Console.Error.WriteLine("usage: audit verify [--partition yyyy-MM]");
        return 2;
    }
}
