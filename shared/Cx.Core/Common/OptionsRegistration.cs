using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cx.Core.Common;

/// <summary>How every capability binds its settings: from its section, validated by its data annotations at start-up.</summary>
public static class OptionsRegistration
{
    public static IServiceCollection AddCxOptions<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] TOptions>(
        this IServiceCollection services,
        IConfiguration configuration,
        string section
    )
        where TOptions : class
    {
        services.AddOptions<TOptions>().Bind(configuration.GetSection(section)).ValidateDataAnnotations().ValidateOnStart();
        return services;
    }
}
