using Cx.Core.Content;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cx.Core;

public static class CoreServiceCollectionExtensions
{
    /// <summary>Registers the content model: registry and entry service.</summary>
    public static IServiceCollection AddCxContent(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ContentTypeRegistry>();
        services.TryAddSingleton<EntryService>();
        return services;
    }
}
