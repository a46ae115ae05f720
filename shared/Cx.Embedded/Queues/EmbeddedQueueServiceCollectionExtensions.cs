using Cx.Core.Queues;
using Cx.Embedded.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cx.Embedded.Queues;

public static class EmbeddedQueueServiceCollectionExtensions
{
    /// <summary>
    /// Registers the embedded work queue (<c>Cx:Queues:Provider=Embedded</c>, the default): tables in
    /// the SQLite file of the embedded store (<c>Cx:Storage:Sqlite:Path</c>), sharing its writer.
    /// </summary>
    public static IServiceCollection AddCxEmbeddedQueue(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SqliteOptions>().Bind(configuration.GetSection(SqliteOptions.Section)).ValidateDataAnnotations();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SqliteDatabase>();
        services.TryAddSingleton<SqliteWorkQueue>();
        services.TryAddSingleton<IWorkQueue>(sp => sp.GetRequiredService<SqliteWorkQueue>());
        return services;
    }
}
