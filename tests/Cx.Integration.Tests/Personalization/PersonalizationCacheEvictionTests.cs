using System.Text;
using Cx.Azure;
using Cx.Core.Personalization;
using Cx.Integration.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Cx.Integration.Tests.Personalization;

/// <summary>
/// Two instances of the tagged cache on one real redis-server (Redis L2 and the pub/sub bus, ADR 0405),
/// memory kept for 10 minutes: a tag expired on instance A leaves instance B's memory at once.
/// </summary>
public sealed class PersonalizationCacheEvictionTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private sealed class Instance : IAsyncDisposable
    {
        private readonly ServiceProvider _services;

        private Instance(ServiceProvider services) => _services = services;

        public PersonalizationCache Cache => _services.GetRequiredService<PersonalizationCache>();

        public static async Task<Instance> StartAsync(string redisConnection, string prefix)
        {
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(
                    new Dictionary<string, string?>
                    {
                        ["Cx:Personalization:CacheSeconds"] = "600",
                        ["Cx:Personalization:LocalCacheSeconds"] = "600",
                        ["Cx:Personalization:Redis:ConnectionString"] = redisConnection,
                        ["Cx:Personalization:Redis:InstanceName"] = prefix,
                    }
                )
                .Build();
            var services = new ServiceCollection().AddLogging();
            services.AddCxRedisCache(configuration);
            services.AddCxPersonalization(configuration);
            var provider = services.BuildServiceProvider();
            foreach (var hosted in provider.GetServices<IHostedService>())
            {
                await hosted.StartAsync(CancellationToken.None);
            }
            return new Instance(provider);
        }

        public async Task<string> ReadAsync(string value) =>
            Encoding.UTF8.GetString(
                await Cache.GetOrCreateAsync(
                    "eviction-test",
                    value,
                    static (v, _) => ValueTask.FromResult(Encoding.UTF8.GetBytes(v)),
                    ["entry:banner/hero"],
                    CancellationToken.None
                )
            );

        public async ValueTask DisposeAsync()
        {
            foreach (var hosted in _services.GetServices<IHostedService>())
            {
                await hosted.StopAsync(CancellationToken.None);
            }
            await _services.DisposeAsync();
        }
    }

    [Fact]
    public async Task Should_drop_a_tag_from_the_other_instances_memory_when_one_instance_expires_it()
    {
        var prefix = "cx-evict-" + Guid.NewGuid().ToString("n")[..6] + ":";
        await using var a = await Instance.StartAsync(redis.Server.ConnectionString, prefix);
        await using var b = await Instance.StartAsync(redis.Server.ConnectionString, prefix);
        var dropped = new TaskCompletionSource<IReadOnlyCollection<string>>(TaskCreationOptions.RunContinuationsAsynchronously);
        b.Cache.Invalidated += tags => dropped.TrySetResult(tags);

        Assert.Equal("old", await a.ReadAsync("old"));
        // B holds the same value in its memory (from L2, or computed itself if A's L2 write is still
        // under way), and keeps serving it for 10 minutes.
        Assert.Equal("old", await b.ReadAsync("old"));
        Assert.Equal("old", await b.ReadAsync("new"));

        await a.Cache.InvalidateAsync(["entry:banner/hero"], CancellationToken.None);

        Assert.Equal(["entry:banner/hero"], await dropped.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("new", await b.ReadAsync("new"));
    }
}
