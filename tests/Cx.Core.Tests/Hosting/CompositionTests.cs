using Cx.Core.Analytics;
using Cx.Core.Content;
using Cx.Core.Events;
using Cx.Core.Identity;
using Cx.Core.Lifecycle;
using Cx.Core.Segments;
using Cx.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Cx.Core.Tests.Hosting;

/// <summary>
/// The composition root registers each service once (a second registration of a singleton is a
/// second instance, or a silent override), and each capability's <c>AddCx&lt;Area&gt;</c> binds
/// and validates its own options, so a host composing one capability alone gets them too.
/// </summary>
public sealed class CompositionTests
{
    // Service types that are meant to have several registrations: the host and the options and
    // logging machinery collect every one of them.
    private static readonly Type[] Collections =
    [
        typeof(IHostedService),
        typeof(IChangeHook),
        typeof(IEventBatchObserver),
        typeof(Cx.Core.Queues.IQueueHandler),
        typeof(IConfigureOptions<>),
        typeof(IPostConfigureOptions<>),
        typeof(IValidateOptions<>),
        typeof(IOptionsChangeTokenSource<>),
        typeof(IStartupValidator),
        typeof(Cx.Core.Privacy.IPersonalDataEraser),
    ];

    private static IServiceCollection Compose(params (string Key, string Value)[] settings) =>
        new ServiceCollection()
            .AddLogging()
            .AddCx(
                new ConfigurationBuilder()
                    .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
                    .Build()
            );

    [Theory]
    [InlineData("Cx:Storage:Provider", "Sqlite")]
    [InlineData("Cx:RateLimits:Provider", "InProcess")]
    public void Should_register_every_service_once(string key, string value)
    {
        var twice = Compose((key, value))
            .Where(d => !Collections.Contains(d.ServiceType.IsGenericType ? d.ServiceType.GetGenericTypeDefinition() : d.ServiceType))
            .Where(d => !d.ServiceType.Namespace!.StartsWith("Microsoft.", StringComparison.Ordinal))
            .GroupBy(d => (d.ServiceType, d.ServiceKey))
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key.ServiceType.Name} ({g.Count()} times)")
            .ToList();
        Assert.True(twice.Count == 0, "Registered more than once: " + string.Join(", ", twice));
    }

    [Fact]
    public void Should_bind_and_validate_each_capabilitys_options_where_the_capability_is_added()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(
                new Dictionary<string, string?>
                {
                    ["Cx:Content:MaxPageSize"] = "7",
                    ["Cx:Events:MaxBatchEvents"] = "9",
                    ["Cx:Hooks:MaxAttempts"] = "3",
                }
            )
            .Build();
        using var services = new ServiceCollection()
            .AddLogging()
            .AddCxContent(configuration)
            .AddCxEvents(configuration)
            .AddCxAnalytics(configuration)
            .AddCxIdentity(configuration)
            .AddCxSegments(configuration)
            .AddCxLifecycle(configuration)
            .BuildServiceProvider();
        Assert.Equal(7, services.GetRequiredService<IOptions<ContentOptions>>().Value.MaxPageSize);
        Assert.Equal(9, services.GetRequiredService<IOptions<EventOptions>>().Value.MaxBatchEvents);
        Assert.Equal(3, services.GetRequiredService<IOptions<HookOptions>>().Value.MaxAttempts);
        Assert.NotNull(services.GetRequiredService<IOptions<AnalyticsOptions>>().Value);
        Assert.NotNull(services.GetRequiredService<IOptions<AuthOptions>>().Value);
        Assert.NotNull(services.GetRequiredService<IOptions<SegmentOptions>>().Value);
        // Validation comes with the binding: an out-of-range value is refused by the capability's own registration.
        var invalid = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Cx:Content:MaxPageSize"] = "0" })
            .Build();
        using var refused = new ServiceCollection().AddLogging().AddCxContent(invalid).BuildServiceProvider();
        Assert.Throws<OptionsValidationException>(() => refused.GetRequiredService<IOptions<ContentOptions>>().Value);
    }
}
