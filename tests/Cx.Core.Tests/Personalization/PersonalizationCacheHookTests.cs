using Cx.Core.Documents;
using Cx.Core.Personalization;

namespace Cx.Core.Tests.Personalization;

/// <summary>Which cache tags a committed change expires.</summary>
public sealed class PersonalizationCacheHookTests
{
    private static ChangeRecord Change(string container, string type, string id, string partition, ChangeKind kind = ChangeKind.Upsert) =>
        new("1", container, id, partition, type, kind, "e", DateTimeOffset.UnixEpoch, null, null);

    private static readonly PersonalizationCacheHook Hook = new(null!);

    [Fact]
    public void Should_expire_an_entry_a_customer_and_the_placements_by_what_changed()
    {
        Assert.Equal(["entry:banner/vip"], PersonalizationCacheHook.TagsOf(Change(Containers.Content, "banner", "vip", "banner")));
        Assert.Equal(["customer:ana"], PersonalizationCacheHook.TagsOf(Change(Containers.Customers, "customer", "ana", "ana")));
        Assert.Equal(
            ["customer:ana"],
            PersonalizationCacheHook.TagsOf(
                Change(Containers.Customers, PersonalizationDocuments.Assignments, "ana.personalization", "ana")
            )
        );
        Assert.Equal(
            ["placements", "placement:homepage.hero"],
            PersonalizationCacheHook.TagsOf(Change(Containers.Definitions, "placement", "homepage.hero", "placement"))
        );
        Assert.Equal(
            ["type:banner"],
            PersonalizationCacheHook.TagsOf(Change(Containers.Definitions, "contentType", "banner", "contentType"))
        );
        Assert.Equal(
            ["type:customer", "placements"],
            PersonalizationCacheHook.TagsOf(Change(Containers.Definitions, "contentType", "customer", "contentType"))
        );
        Assert.Equal(
            ["placements", "*"],
            PersonalizationCacheHook.TagsOf(Change(Containers.Definitions, "component", "hero", "component"))
        );
    }

    [Fact]
    public void Should_want_only_what_decisions_read()
    {
        Assert.True(Hook.Wants(Change(Containers.Content, "banner", "x", "banner")));
        Assert.True(Hook.Wants(Change(Containers.Customers, "customer", "ana", "ana")));
        Assert.False(Hook.Wants(Change(Containers.Definitions, "segment", "big", "segment")));
        Assert.False(
            Hook.Wants(Change(Containers.Definitions, PersonalizationDocuments.DecisionLog, "d1", PersonalizationDocuments.DecisionLog))
        );
        Assert.False(Hook.Wants(Change(Containers.Audit, "audit", "a", "2026-12")));
        Assert.False(new PersonalizationErasureHook(null!).Wants(Change(Containers.Customers, "customer", "ana", "ana")));
        Assert.True(new PersonalizationErasureHook(null!).Wants(Change(Containers.Customers, "customer", "ana", "ana", ChangeKind.Delete)));
    }
}
