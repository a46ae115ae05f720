using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Cx.Core.Analytics;
using Cx.Integration.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using static Cx.Integration.Tests.Events.EventApi;

namespace Cx.Integration.Tests.Events;

/// <summary>Records what the processor and identify report to <see cref="IEventBatchObserver"/>s.</summary>
public sealed class RecordingObserver : IEventBatchObserver
{
    public ConcurrentQueue<EventBatchSummary> Summaries { get; } = new();

    public ValueTask OnBatchCommittedAsync(EventBatchSummary summary, CancellationToken cancellationToken)
    {
        Summaries.Enqueue(summary);
        return ValueTask.CompletedTask;
    }
}

public sealed class ObservedEventsHostFactory : EventsHostFactory
{
    public RecordingObserver Observer { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddSingleton<IEventBatchObserver>(Observer));
    }
}

public sealed class EventObserverTests(ObservedEventsHostFactory host) : IClassFixture<ObservedEventsHostFactory>
{
    private readonly HttpClient _client = host.CreateApiClient();

    private static async Task<EventBatchSummary> WaitForAsync(RecordingObserver observer, Func<EventBatchSummary, bool> match)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var found = observer.Summaries.FirstOrDefault(match);
            if (found is not null)
            {
                return found;
            }
            await Task.Delay(10, timeout.Token);
        }
    }

    [Fact]
    public async Task Should_tell_observers_which_customers_and_event_types_a_committed_batch_touched()
    {
        var at = Today().AddHours(-1);
        await _client.PostEventsAsync(
            Batch(
                Event("purchase", "obs-1", null, at, "o1", new JsonObject { ["amount"] = 3 }),
                Event("search", null, "obs-anon", at, null, new JsonObject { ["query"] = "boots" })
            )
        );
        var summary = await WaitForAsync(host.Observer, s => s.CustomerIds.Contains("obs-1"));
        Assert.Contains("purchase", summary.EventTypes);
        Assert.Contains("obs-anon", (await WaitForAsync(host.Observer, s => s.AnonymousIds.Contains("obs-anon"))).AnonymousIds);
    }

    [Fact]
    public async Task Should_report_the_customer_when_a_linked_anonymous_visitor_acts_or_identifies()
    {
        await _client
            .PostAsync("identify", HttpAssertions.Json("""{"anonymousId":"obs-anon-2","customerId":"obs-2"}"""))
            .ShouldBeAsync(HttpStatusCode.OK);
        Assert.Contains("obs-2", (await WaitForAsync(host.Observer, s => s.AnonymousIds.Contains("obs-anon-2"))).CustomerIds);

        await _client.PostEventsAsync(
            Event("page_view", null, "obs-anon-2", Today().AddHours(-1), null, new JsonObject { ["page"] = "/x" })
        );
        var summary = await WaitForAsync(host.Observer, s => s.CustomerIds.Contains("obs-2") && s.EventTypes.Contains("page_view"));
        Assert.DoesNotContain("obs-anon-2", summary.AnonymousIds);
    }

    [Fact]
    public async Task Should_not_tell_observers_about_a_batch_of_duplicates()
    {
        var e = Event("purchase", "obs-3", null, Today().AddHours(-1), "dup-1", new JsonObject { ["amount"] = 1 });
        await _client.PostEventsAsync(Batch((JsonObject)e.DeepClone()));
        await WaitForAsync(host.Observer, s => s.CustomerIds.Contains("obs-3"));
        await _client.WaitForProcessingAsync();
        var before = host.Observer.Summaries.Count(s => s.CustomerIds.Contains("obs-3"));
        await _client.PostEventsAsync(Batch((JsonObject)e.DeepClone()));
        await _client.WaitForProcessingAsync();
        Assert.Equal(before, host.Observer.Summaries.Count(s => s.CustomerIds.Contains("obs-3")));
    }
}
