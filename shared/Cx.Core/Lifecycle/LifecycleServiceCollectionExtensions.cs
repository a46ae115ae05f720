using Cx.Core.Common;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cx.Core.Lifecycle;

public static class LifecycleServiceCollectionExtensions
{
    /// <summary>
    /// The lifecycle dispatcher: <c>Cx:Hooks</c> settings, the dispatcher that hands store changes
    /// to every <see cref="IChangeHook"/>, and the durable attempt counts and dead letters. The
    /// background loop (<see cref="ChangeDispatcherService"/>) is added by the host.
    /// </summary>
    public static IServiceCollection AddCxLifecycle(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddCxOptions<HookOptions>(configuration, HookOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<HookFailureStore>();
        services.TryAddSingleton<ChangeDispatcher>();
        services.TryAddSingleton<DeadLetterService>();
        return services;
    }
}
