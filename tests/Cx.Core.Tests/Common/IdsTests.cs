using Cx.Core.Common;
using Microsoft.Extensions.Time.Testing;

namespace Cx.Core.Tests.Common;

public sealed class IdsTests
{
    [Fact]
    public void Should_make_26_character_ids_that_sort_by_time()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero));
        var first = Ids.New(time);
        time.Advance(TimeSpan.FromMilliseconds(1));
        var second = Ids.New(time);
        Assert.Equal(26, first.Length);
        Assert.True(string.CompareOrdinal(first, second) < 0);
        Assert.True(Ids.IsValidClientId(first));
        Assert.NotEqual(Ids.New(time), Ids.New(time));
    }

    [Fact]
    public async Task Should_make_distinct_ids_within_one_millisecond_across_threads_and_random_refills()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero));
        var perThread = await Task.WhenAll(
            Enumerable.Range(0, 4).Select(_ => Task.Run(() => Enumerable.Range(0, 5_000).Select(_ => Ids.New(time)).ToList()))
        );
        var all = perThread.SelectMany(ids => ids).ToList();
        Assert.Equal(20_000, all.Distinct(StringComparer.Ordinal).Count());
        // The 80 random bits vary: no two ids of one thread share their random tail.
        Assert.All(perThread, ids => Assert.Equal(ids.Count, ids.Select(id => id[10..]).Distinct(StringComparer.Ordinal).Count()));
    }

    [Theory]
    [InlineData("demo-00001", true)]
    [InlineData("a_B-9", true)]
    [InlineData("", false)]
    [InlineData("has space", false)]
    [InlineData("slash/id", false)]
    [InlineData("ünïcode", false)]
    public void Should_accept_safe_client_ids_only(string id, bool expected) => Assert.Equal(expected, Ids.IsValidClientId(id));

    [Fact]
    public void Should_limit_client_ids_to_64_characters()
    {
        Assert.True(Ids.IsValidClientId(new string('a', 64)));
        Assert.False(Ids.IsValidClientId(new string('a', 65)));
    }
}
