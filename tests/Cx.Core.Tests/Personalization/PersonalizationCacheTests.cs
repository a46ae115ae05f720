using System.Buffers;
using System.Text;
using Cx.Core.Personalization;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cx.Core.Tests.Personalization;

/// <summary>The decision path's cache on a real HybridCache: warm hits hand out the cached bytes without copying them.</summary>
public sealed class PersonalizationCacheTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection()
        .AddLogging()
        .AddCxPersonalization(new ConfigurationBuilder().Build())
        .BuildServiceProvider();

    public void Dispose() => _services.Dispose();

    private PersonalizationCache CreateSut() => _services.GetRequiredService<PersonalizationCache>();

    private static ValueTask<byte[]> ReadAsync(PersonalizationCache cache, string value, string tag = "entry:banner/hero") =>
        cache.GetOrCreateAsync(
            "test",
            value,
            static (v, _) => ValueTask.FromResult(Encoding.UTF8.GetBytes(v)),
            [tag],
            CancellationToken.None
        );

    [Fact]
    public async Task Should_hand_out_the_cached_array_itself_on_a_warm_hit()
    {
        var sut = CreateSut();
        var first = await ReadAsync(sut, "v1");

        var second = await ReadAsync(sut, "v2");

        Assert.Equal("v1", Encoding.UTF8.GetString(second));
        Assert.Same(first, second);
    }

    [Fact]
    public async Task Should_read_the_new_value_after_its_tag_expired()
    {
        var sut = CreateSut();
        await ReadAsync(sut, "v1");

        await sut.InvalidateAsync(["entry:banner/hero"], CancellationToken.None);

        Assert.Equal("v2", Encoding.UTF8.GetString(await ReadAsync(sut, "v2")));
    }

    [Fact]
    public void Should_write_the_bytes_unchanged_to_L2()
    {
        var serializer = _services.GetRequiredService<IHybridCacheSerializer<CachedBytes>>();
        var buffer = new ArrayBufferWriter<byte>();

        serializer.Serialize(new CachedBytes("etag\n{\"a\":1}"u8.ToArray()), buffer);

        Assert.Equal("etag\n{\"a\":1}", Encoding.UTF8.GetString(buffer.WrittenSpan));
        Assert.Equal(
            "etag\n{\"a\":1}",
            Encoding.UTF8.GetString(serializer.Deserialize(new ReadOnlySequence<byte>(buffer.WrittenMemory)).Value)
        );
    }
}
