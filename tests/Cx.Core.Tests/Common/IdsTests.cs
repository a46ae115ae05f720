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
