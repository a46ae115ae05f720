using Cx.Core.Common;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cx.Core.Identity;

public static class IdentityServiceCollectionExtensions
{
    /// <summary>Identity: <c>Cx:Auth</c> settings, tokens, sessions, accounts, API keys, SSO and revocations.</summary>
    public static IServiceCollection AddCxIdentity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCxOptions<AuthOptions>(configuration, AuthOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IdentityStore>();
        services.TryAddSingleton<TokenService>();
        services.TryAddSingleton<RevocationCache>();
        services.TryAddSingleton<AccountService>();
        services.TryAddSingleton<IStaffDirectory>(sp => sp.GetRequiredService<AccountService>());
        services.TryAddSingleton<SessionService>();
        services.TryAddSingleton<ApiKeyService>();
        services.TryAddSingleton<SsoService>();
        return services;
    }
}
