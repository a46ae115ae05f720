using Cx.Core.Portability.Snapshots;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cx.Embedded.Portability.Snapshots;

public static class SnapshotRegistration
{
    /// <summary>Snapshots and restores of the embedded SQLite files (ADR 0444, 0445).</summary>
    public static IServiceCollection AddCxSqliteSnapshots(this IServiceCollection services)
    {
        services.TryAddSingleton<SqliteSnapshotTables>();
        services.TryAddSingleton<ISnapshotSource, SqliteSnapshotSource>();
        services.TryAddSingleton<SqliteSnapshotRestore>();
        return services;
    }
}
