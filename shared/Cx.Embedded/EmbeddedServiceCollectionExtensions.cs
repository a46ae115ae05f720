using Cx.Core.Documents;
using Cx.Embedded.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cx.Embedded;

public static class EmbeddedServiceCollectionExtensions
{
    /// <summary>Registers the embedded SQLite document store and its change feed.</summary>
    public static IServiceCollection AddCxSqliteStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services
            .AddOptions<SqliteOptions>()
            .Bind(configuration.GetSection(SqliteOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<SqliteDatabase>();
        services.AddSingleton<SqliteDocumentStore>();
        services.AddSingleton<IDocumentStore>(sp => sp.GetRequiredService<SqliteDocumentStore>());
        services.AddSingleton<SqliteChangeFeed>();
        services.AddSingleton<IChangeFeed>(sp => sp.GetRequiredService<SqliteChangeFeed>());
        return services;
    }
}
