using Cx.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Cx.Core.Tests.Configuration;

/// <summary>The composed app (<c>AddCx</c>) over in-memory settings, and what its options validation refuses.</summary>
internal static class CxServices
{
    public static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddLogging().AddCx(configuration).BuildServiceProvider();
    }

    /// <summary>The failures of <typeparamref name="TOptions"/>'s validation; fails the test when it passes.</summary>
    public static IEnumerable<string> ValidationFailures<TOptions>(IServiceProvider services)
        where TOptions : class =>
        Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<TOptions>>().Value).Failures;
}
