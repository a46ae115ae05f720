using System.Text;
using Cx.Core.Segments;
using Cx.Core.Tests.Content;

namespace Cx.Core.Tests.Segments;

/// <summary>How segmentation tells its own profile writes from a client's, and what rules see of a profile.</summary>
public sealed class SegmentProfilesTests
{
    private const string Before = """
        {"id":"c1","type":"customer","schemaVersion":1,"createdAt":"2026-11-01T00:00:00.000Z","updatedAt":"2026-11-01T00:00:00.000Z",
         "email":"ana@example.com","loyaltyTier":"gold",
         "interactionHistory":[{"at":"2026-11-01T00:00:00.000Z","kind":"purchase"},{"at":"2026-11-02T00:00:00.000Z","kind":"page_view"}]}
        """;

    private const string Entered = """{"at":"2026-11-03T00:00:00.000Z","kind":"segment.entered","channel":"cx","data":{"segment":"vip"}}""";

    private static bool SystemOnly(string before, string after) =>
        SegmentProfiles.IsSystemOnlyChange(Encoding.UTF8.GetBytes(before), Encoding.UTF8.GetBytes(after));

    private static string WithMembership(string profile, string history) =>
        profile
            .Replace("\"updatedAt\":\"2026-11-01T00:00:00.000Z\"", "\"updatedAt\":\"2026-11-03T00:00:00.000Z\"", StringComparison.Ordinal)
            .Replace(
                "\"interactionHistory\":[" + Interactions(profile) + "]",
                "\"interactionHistory\":["
                    + history
                    + "],\"segmentMembership\":[{\"segment\":\"vip\",\"since\":\"2026-11-03T00:00:00.000Z\",\"ruleVersion\":1}]",
                StringComparison.Ordinal
            );

    private static string Interactions(string profile)
    {
        var start = profile.IndexOf("\"interactionHistory\":[", StringComparison.Ordinal) + "\"interactionHistory\":[".Length;
        return profile[start..profile.IndexOf("]}", start, StringComparison.Ordinal)];
    }

    [Fact]
    public void Should_see_a_membership_write_as_system_only()
    {
        var after = WithMembership(Before, Interactions(Before) + "," + Entered);
        Assert.True(SystemOnly(Before, after));
    }

    [Fact]
    public void Should_see_a_membership_write_that_pushed_out_the_oldest_interaction_as_system_only()
    {
        // The history is bounded: appending Cx's entry may drop the oldest client entry.
        var after = WithMembership(Before, """{"at":"2026-11-02T00:00:00.000Z","kind":"page_view"},""" + Entered);
        Assert.True(SystemOnly(Before, after));
    }

    [Fact]
    public void Should_see_a_client_change_among_membership_changes()
    {
        var after = WithMembership(Before, Interactions(Before) + "," + Entered)
            .Replace("\"loyaltyTier\":\"gold\"", "\"loyaltyTier\":\"silver\"", StringComparison.Ordinal);
        Assert.False(SystemOnly(Before, after));
    }

    [Fact]
    public void Should_see_a_new_client_interaction_as_a_client_change()
    {
        var after = Before.Replace(
            "\"kind\":\"page_view\"}]",
            "\"kind\":\"page_view\"},{\"at\":\"2026-11-04T00:00:00.000Z\",\"kind\":\"search\"}]",
            StringComparison.Ordinal
        );
        Assert.False(SystemOnly(Before, after));
        // ... and a client entry that replaced one in the middle, too.
        var replaced = Before.Replace("\"kind\":\"purchase\"", "\"kind\":\"refund\"", StringComparison.Ordinal);
        Assert.False(SystemOnly(Before, replaced));
    }

    [Fact]
    public void Should_read_the_membership_entries_of_a_profile()
    {
        var after = WithMembership(Before, Entered);
        var entries = SegmentProfiles.ReadMembership(System.Text.Json.JsonDocument.Parse(after).RootElement);
        var vip = Assert.Single(entries).Value;
        Assert.Equal(("vip", new DateTimeOffset(2026, 11, 3, 0, 0, 0, TimeSpan.Zero), 1), (vip.Segment, vip.Since, vip.RuleVersion));
    }

    [Fact]
    public void Should_hide_segmentation_entries_from_rules_that_read_the_interaction_history()
    {
        var profile = System.Text.Json.JsonDocument.Parse(WithMembership(Before, Interactions(Before) + "," + Entered)).RootElement;
        var slots = new Cx.Core.Rules.RuleSlots(SchemaBuilder.Customer());
        slots.Field(Cx.Core.Rules.FieldPath.Parse("interactionHistory.kind"));

        var seen = SegmentProfiles.LoadFacts(slots, profile, "c1", readsInteractions: true).Values[0];
        var raw = slots.Load(profile, "c1").Values[0];

        Assert.Equal(["purchase", "page_view"], seen.Items!.Select(f => f.Text));
        Assert.Equal(3, raw.Items!.Length);
    }
}
