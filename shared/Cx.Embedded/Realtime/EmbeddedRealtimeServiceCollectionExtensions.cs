using Cx.Core.Realtime;
using Cx.Embedded.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cx.Embedded.Realtime;

public static class EmbeddedRealtimeServiceCollectionExtensions
{
    /// <summary>The embedded channel log, offline-client ledger and device sessions (unless another store was registered first): tables in the SQLite file of the embedded store.</summary>
    public static IServiceCollection AddCxSqliteChannelLog(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SqliteOptions>().Bind(configuration.GetSection(SqliteOptions.Section)).ValidateDataAnnotations();
        services.TryAddSingleton<SqliteDatabase>();
        services.TryAddSingleton<SqliteChannelLog>();
        services.TryAddSingleton<IChannelLog>(sp => sp.GetRequiredService<SqliteChannelLog>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SqliteMutationLedger>();
        services.TryAddSingleton<IMutationLedger>(sp => sp.GetRequiredService<SqliteMutationLedger>());
        services.TryAddSingleton<SqliteDeviceSessionStore>();
        services.TryAddSingleton<IDeviceSessionStore>(sp => sp.GetRequiredService<SqliteDeviceSessionStore>());
        return services;
    }
}
