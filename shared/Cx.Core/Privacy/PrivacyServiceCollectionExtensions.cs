using Cx.Core.Common;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cx.Core.Privacy;

public static class PrivacyServiceCollectionExtensions
{
    /// <summary>Privacy requests: <c>Cx:Privacy</c> settings and the access and erasure services.</summary>
    public static IServiceCollection AddCxPrivacy(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCxOptions<PrivacyOptions>(configuration, PrivacyOptions.Section);
        services.TryAddSingleton<PrivacyAccessService>();
        services.TryAddSingleton<PrivacyErasureService>();
        return services;
    }
}
