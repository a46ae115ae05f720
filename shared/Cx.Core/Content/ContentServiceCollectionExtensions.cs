using Cx.Core.Common;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cx.Core.Content;

public static class ContentServiceCollectionExtensions
{
    /// <summary>The content model: <c>Cx:Content</c> settings, the content-type registry and the entry service, with the audit log they write to.</summary>
    public static IServiceCollection AddCxContent(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCxOptions<ContentOptions>(configuration, ContentOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ContentTypeRegistry>();
        services.TryAddSingleton<EntryService>();
        services.TryAddSingleton<Audit.AuditLog>();
        return services;
    }
}
