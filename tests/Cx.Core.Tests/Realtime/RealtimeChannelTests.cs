using Cx.Core.Documents;
using Cx.Core.Realtime;

namespace Cx.Core.Tests.Realtime;

/// <summary>Channel names: what parses, what does not, and which channels a stored change belongs to.</summary>
public sealed class RealtimeChannelTests
{
    [Theory]
    [InlineData("entry:article:a1", ChannelKind.Entry)]
    [InlineData("customer:ana", ChannelKind.Customer)]
    [InlineData("segment:vip-buyers", ChannelKind.Segment)]
    [InlineData("ticket:t-1", ChannelKind.Ticket)]
    [InlineData("session:AbC_-9", ChannelKind.Session)]
    public void Should_parse_each_kind_and_print_the_same_name(string name, ChannelKind kind)
    {
        var channel = RealtimeChannel.TryParse(name);
        Assert.NotNull(channel);
        Assert.Equal(kind, channel.Kind);
        Assert.Equal(name, channel.Name);
    }

    [Theory]
    [InlineData("")]
    [InlineData("customer")]
    [InlineData("customer:")]
    [InlineData("customer:a b")]
    [InlineData("customer:a:b")]
    [InlineData("entry:Article:a1")]
    [InlineData("entry:article")]
    [InlineData("segment:Vip")]
    [InlineData("profile:ana")]
    [InlineData("ticket:t1\u0000")]
    public void Should_refuse_what_is_not_a_channel(string name)
    {
        Assert.Null(RealtimeChannel.TryParse(name));
        var error = Assert.Throws<Cx.Core.Common.ValidationException>(() => RealtimeChannel.Parse(name, "/channel"));
        Assert.Equal("/channel", Assert.Single(error.Errors).Path);
    }

    private static ChangeRecord Change(string container, string pk, string id, string type) =>
        new("1", container, id, pk, type, ChangeKind.Upsert, "e", DateTimeOffset.UnixEpoch, null, null);

    [Fact]
    public void Should_map_changes_to_the_channels_that_carry_them()
    {
        Assert.Equal(["customer:ana"], RealtimeChannel.Of(Change(Containers.Customers, "ana", "ana", "customer")).Select(c => c.Name));
        Assert.Equal(["entry:article:a1"], RealtimeChannel.Of(Change(Containers.Content, "article", "a1", "article")).Select(c => c.Name));
        Assert.Equal(
            ["entry:support-ticket:t1", "ticket:t1"],
            RealtimeChannel.Of(Change(Containers.Content, "support-ticket", "t1", "support-ticket")).Select(c => c.Name)
        );
        Assert.Equal(["segment:vip"], RealtimeChannel.Of(Change(Containers.Memberships, "vip", "ana", "membership")).Select(c => c.Name));
        Assert.Empty(RealtimeChannel.Of(Change(Containers.Identity, "x", "y", "account")));
        Assert.Empty(RealtimeChannel.Of(Change(Containers.Customers, "a b", "a b", "customer")));
    }
}
