using Cx.Core.Events;
using Cx.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cx.Core.Tests.Hosting;

public sealed class EventProviderSwitchTests
{
    private static IServiceCollection AddCx(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        return new ServiceCollection().AddCx(configuration);
    }

    [Theory]
    [InlineData("Cx:Stream:Provider", "Kafka", "Embedded, EventHubs")]
    [InlineData("Cx:Blob:Provider", "S3", "Local, AzureBlob")]
    [InlineData("Cx:Analytics:Provider", "Cosmos", "Embedded")]
    public void Should_fail_at_start_up_listing_the_allowed_values_when_a_provider_is_unknown(string key, string value, string allowed)
    {
        var error = Assert.Throws<InvalidOperationException>(() => AddCx((key, value)));
        Assert.Contains($"Unknown {key} '{value}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Allowed: " + allowed, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_register_the_embedded_stream_by_default()
    {
        var services = AddCx();
        Assert.Contains(services, d => d.ServiceType == typeof(IEventStream));
        Assert.Contains(services, d => d.ImplementationType?.Name == "EmbeddedEventProcessor");
    }

    [Fact]
    public void Should_register_event_hubs_and_its_processor_when_chosen()
    {
        var services = AddCx(("Cx:Stream:Provider", "eventhubs"), ("Cx:Blob:Provider", "AzureBlob"));
        Assert.Contains(services, d => d.ImplementationType?.Name == "EventHubsProcessorService");
        Assert.DoesNotContain(services, d => d.ImplementationType?.Name == "EmbeddedEventProcessor");
    }
}
