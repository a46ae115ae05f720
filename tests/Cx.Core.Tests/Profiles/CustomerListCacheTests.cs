using Cx.Core.Documents;
using Cx.Core.Profiles;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Cx.Core.Tests.Profiles;

/// <summary>The customer list cache on a real HybridCache: hits, expiry by write, and the write that lands while a page is read.</summary>
public sealed class CustomerListCacheTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddHybridCache().Services.BuildServiceProvider();
    private readonly DocumentWriteGenerations _generations = new();

    public void Dispose() => _services.Dispose();

    private CustomerListCache CreateSut(int seconds = 30) =>
        new(_services.GetRequiredService<HybridCache>(), _generations, Options.Create(new CustomerListCacheOptions { Seconds = seconds }));

    private static Task<string> Page(int[] calls, string value)
    {
        Interlocked.Increment(ref calls[0]);
        return Task.FromResult(value);
    }

    [Fact]
    public async Task Should_serve_the_same_query_from_memory_until_a_write()
    {
        var sut = CreateSut();
        var calls = new int[1];

        Assert.Equal("v1", await sut.GetOrCreateAsync("q=1", calls, (c, _) => Page(c, "v1"), CancellationToken.None));
        Assert.Equal("v1", await sut.GetOrCreateAsync("q=1", calls, (c, _) => Page(c, "v2"), CancellationToken.None));
        Assert.Equal(1, calls[0]);
        Assert.Equal("other", await sut.GetOrCreateAsync("q=2", calls, (c, _) => Page(c, "other"), CancellationToken.None));
        Assert.Equal(2, calls[0]);

        await sut.WrittenAsync(Containers.Customers, "c1");

        Assert.Equal("v2", await sut.GetOrCreateAsync("q=1", calls, (c, _) => Page(c, "v2"), CancellationToken.None));
        Assert.Equal(3, calls[0]);
    }

    [Fact]
    public async Task Should_expire_on_a_content_type_write_but_not_on_content_or_other_definitions()
    {
        var sut = CreateSut();
        var calls = new int[1];
        await sut.GetOrCreateAsync("q", calls, (c, _) => Page(c, "v1"), CancellationToken.None);

        await sut.WrittenAsync(Containers.Content, "banner");
        await sut.WrittenAsync(Containers.Definitions, "decisionLog");
        await sut.WrittenAsync(Containers.Definitions, "placement");
        Assert.Equal("v1", await sut.GetOrCreateAsync("q", calls, (c, _) => Page(c, "v2"), CancellationToken.None));

        await sut.WrittenAsync(Containers.Definitions, "contentType");
        Assert.Equal("v2", await sut.GetOrCreateAsync("q", calls, (c, _) => Page(c, "v2"), CancellationToken.None));
        Assert.Equal(2, calls[0]);
    }

    [Fact]
    public async Task Should_never_serve_a_page_read_before_a_write_that_committed_while_it_was_read()
    {
        var sut = CreateSut();
        var calls = new int[1];
        // The store answers the old page, and the write commits (and signals) before the page reaches the cache.
        var stale = await sut.GetOrCreateAsync(
            "q",
            calls,
            async (c, _) =>
            {
                await sut.WrittenAsync(Containers.Customers, "c1");
                return await Page(c, "old");
            },
            CancellationToken.None
        );
        Assert.Equal("old", stale);

        Assert.Equal("new", await sut.GetOrCreateAsync("q", calls, (c, _) => Page(c, "new"), CancellationToken.None));
        Assert.Equal(2, calls[0]);
    }

    [Fact]
    public async Task Should_cache_nothing_when_the_query_is_rejected_or_the_cache_is_off()
    {
        var sut = CreateSut();
        var calls = new int[1];
        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await sut.GetOrCreateAsync<int[], string>("bad", calls, (_, _) => throw new ArgumentException("bad"), CancellationToken.None)
        );
        Assert.Equal("ok", await sut.GetOrCreateAsync("bad", calls, (c, _) => Page(c, "ok"), CancellationToken.None));

        var off = CreateSut(seconds: 0);
        Assert.False(off.Enabled);
        await off.GetOrCreateAsync("q", calls, (c, _) => Page(c, "a"), CancellationToken.None);
        Assert.Equal("b", await off.GetOrCreateAsync("q", calls, (c, _) => Page(c, "b"), CancellationToken.None));
        Assert.Equal(3, calls[0]);
    }
}
