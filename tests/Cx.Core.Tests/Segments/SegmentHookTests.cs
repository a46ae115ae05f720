using System.Text.Json;
using Cx.Core.Documents;
using Cx.Core.Segments;

namespace Cx.Core.Tests.Segments;

public sealed class SegmentHookTests : IAsyncLifetime
{
    private SegmentFixture _fixture = null!;

    public async Task InitializeAsync() => _fixture = await SegmentFixture.StartAsync();

    public async Task DisposeAsync() => await _fixture.DisposeAsync();

    private const string Gold = """{"field":"loyaltyTier","op":"eq","value":"gold"}""";

    private async Task<IReadOnlyList<ChangeRecord>> PendingCustomerChangesAsync(string consumer)
    {
        var batch = await _fixture.Feed.ReadAsync(consumer, 10_000, CancellationToken.None);
        await _fixture.Feed.CommitAsync(consumer, batch.Checkpoint, CancellationToken.None);
        return [.. batch.Changes.Where(_fixture.Hook.Wants)];
    }

    [Fact]
    public async Task Should_move_a_customer_in_and_out_when_a_profile_field_changes()
    {
        await _fixture.CreateSegmentAsync("gold", Gold);
        await _fixture.CreateCustomerAsync("c1", "\"loyaltyTier\":\"silver\"");
        await _fixture.SettleAsync();
        Assert.Empty(await _fixture.SegmentsOfAsync("c1"));

        await _fixture.PatchCustomerAsync("c1", """{"loyaltyTier":"gold"}""");
        await _fixture.DispatchUntilQuietAsync();
        Assert.Equal(["gold"], await _fixture.SegmentsOfAsync("c1"));
        Assert.Equal(["c1"], await _fixture.MembersAsync("gold"));

        await _fixture.PatchCustomerAsync("c1", """{"loyaltyTier":"bronze"}""");
        await _fixture.DispatchUntilQuietAsync();
        Assert.Empty(await _fixture.SegmentsOfAsync("c1"));
        Assert.Empty(await _fixture.MembersAsync("gold"));
        Assert.Equal([SegmentEvents.Entered, SegmentEvents.Exited], _fixture.MembershipEvents("c1").Select(e => e.Type));
    }

    [Fact]
    public async Task Should_record_the_transition_in_the_interaction_history_with_the_rule_version()
    {
        await _fixture.CreateSegmentAsync("gold", Gold);
        await _fixture.CreateCustomerAsync("c1", "\"loyaltyTier\":\"gold\"");
        await _fixture.SettleAsync();

        var profile = await _fixture.ProfileAsync("c1");
        var entry = profile.GetProperty("segmentMembership")[0];
        Assert.Equal(("gold", 1), (entry.GetProperty("segment").GetString(), entry.GetProperty("ruleVersion").GetInt32()));
        var interaction = profile.GetProperty("interactionHistory").EnumerateArray().Single();
        Assert.Equal(SegmentEvents.Entered, interaction.GetProperty("kind").GetString());
        Assert.Equal(entry.GetProperty("since").GetString(), interaction.GetProperty("at").GetString());
        var e = Assert.Single(_fixture.MembershipEvents("c1"));
        Assert.Equal(interaction.GetProperty("data").GetProperty("eventId").GetString(), e.Id);
        using var properties = JsonDocument.Parse(e.Properties);
        Assert.Equal(
            ("gold", 1),
            (properties.RootElement.GetProperty("segment").GetString(), properties.RootElement.GetProperty("ruleVersion").GetInt32())
        );
    }

    [Fact]
    public async Task Should_recognise_its_own_writes_and_not_evaluate_them()
    {
        await _fixture.CreateSegmentAsync("gold", Gold);
        await _fixture.SettleAsync();
        await _fixture.CreateCustomerAsync("c1", "\"loyaltyTier\":\"gold\"");
        _ = await PendingCustomerChangesAsync("probe"); // the probe consumer starts after the create

        var first = await _fixture.Dispatcher.DispatchAsync(CancellationToken.None);
        Assert.Equal(1, first); // the create: evaluated, membership written
        var written = await PendingCustomerChangesAsync("probe");
        var own = Assert.Single(written);
        Assert.NotNull(own.Before);
        Assert.True(SegmentProfiles.IsSystemOnlyChange(own.Before!.Value.Span, own.After!.Value.Span));

        var outcome = await _fixture.Hook.HandleChangesAsync([own], CancellationToken.None);
        Assert.Equal((1, 0), (outcome.SkippedSystemChanges, outcome.Evaluated));
        Assert.Empty(await PendingCustomerChangesAsync("probe")); // no profile write came out of it
        // The dispatcher delivers that one change, and then the feed is quiet: no loop.
        Assert.Equal(1, await _fixture.DispatchUntilQuietAsync());
    }

    [Fact]
    public async Task Should_not_loop_when_a_rule_reads_the_interaction_history_segmentation_writes_into()
    {
        // "No page_view interaction yet": Cx's own entries must not count, or entering would make the
        // customer leave, and leaving enter again.
        await _fixture.CreateSegmentAsync(
            "fresh",
            """{"all":[{"field":"interactionHistory.kind","op":"nin","value":["page_view"]},{"field":"interactionHistory","op":"exists","value":false}]}"""
        );
        await _fixture.CreateSegmentAsync("no-views", """{"field":"interactionHistory.kind","op":"ne","value":"segment.entered"}""");
        await _fixture.CreateCustomerAsync("c1");
        await _fixture.SettleAsync();
        Assert.Equal(["fresh", "no-views"], await _fixture.SegmentsOfAsync("c1"));

        await _fixture.PatchCustomerAsync("c1", """{"name":"Ana"}""");
        await _fixture.SettleAsync();
        Assert.Equal(["fresh", "no-views"], await _fixture.SegmentsOfAsync("c1"));
        Assert.Equal(2, _fixture.MembershipEvents("c1").Count);
    }

    [Fact]
    public async Task Should_change_nothing_when_the_same_changes_are_delivered_again()
    {
        await _fixture.CreateSegmentAsync("gold", Gold);
        await _fixture.SettleAsync();
        _ = await PendingCustomerChangesAsync("replay");
        await _fixture.CreateCustomerAsync("c1", "\"loyaltyTier\":\"gold\"");
        await _fixture.PatchCustomerAsync("c1", """{"name":"Ana"}""");
        await _fixture.DispatchUntilQuietAsync();
        var changes = await PendingCustomerChangesAsync("replay");
        Assert.Equal(3, changes.Count); // create, patch, and the membership write
        var profile = await _fixture.ProfileAsync("c1");
        var events = _fixture.Stream.Events.Count;

        // At-least-once: every change again, in order, twice.
        await _fixture.Hook.HandleChangesAsync(changes, CancellationToken.None);
        await _fixture.Hook.HandleChangesAsync(changes, CancellationToken.None);

        Assert.Empty(await PendingCustomerChangesAsync("replay"));
        Assert.Equal(profile.GetRawText(), (await _fixture.ProfileAsync("c1")).GetRawText());
        Assert.Equal(["c1"], await _fixture.MembersAsync("gold"));
        // The projection re-sends the entry event of the membership write with the same id: the
        // processor drops it as a duplicate (same subject and event id).
        var resent = _fixture.Stream.Events.Skip(events).ToList();
        Assert.All(resent, e => Assert.Equal(_fixture.MembershipEvents("c1")[0].Id, e.Id));
        var applied = await _fixture.TrackAsync([.. _fixture.Stream.Events]);
        Assert.Equal(1, applied.Applied);
    }

    [Fact]
    public async Task Should_hand_the_hook_one_change_with_before_and_after_per_save()
    {
        await _fixture.CreateCustomerAsync("c1", "\"loyaltyTier\":\"silver\"");
        _ = await PendingCustomerChangesAsync("once");
        await _fixture.PatchCustomerAsync("c1", """{"loyaltyTier":"gold"}""");

        var change = Assert.Single(await PendingCustomerChangesAsync("once"));
        Assert.Equal(ChangeKind.Upsert, change.Kind);
        Assert.Contains("silver", System.Text.Encoding.UTF8.GetString(change.Before!.Value.Span), StringComparison.Ordinal);
        Assert.Contains("gold", System.Text.Encoding.UTF8.GetString(change.After!.Value.Span), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_remove_the_member_documents_of_a_deleted_customer_without_events()
    {
        await _fixture.CreateSegmentAsync("gold", Gold);
        await _fixture.CreateCustomerAsync("c1", "\"loyaltyTier\":\"gold\"");
        await _fixture.SettleAsync();
        Assert.Equal(["c1"], await _fixture.MembersAsync("gold"));
        var events = _fixture.Stream.Events.Count;

        await _fixture.Entries.DeleteAsync("customer", "c1", null, CancellationToken.None);
        await _fixture.DispatchUntilQuietAsync();

        Assert.Empty(await _fixture.MembersAsync("gold"));
        Assert.Equal(events, _fixture.Stream.Events.Count);
    }

    [Fact]
    public async Task Should_project_the_membership_a_store_without_before_states_delivers()
    {
        // Cosmos DB delivers the latest version and no before state: the projection compares it with
        // its own documents, and the hook evaluates (nothing to change, so nothing is written).
        await _fixture.CreateSegmentAsync("gold", Gold);
        await _fixture.CreateCustomerAsync("c1", "\"loyaltyTier\":\"gold\"");
        await _fixture.SettleAsync();
        await _fixture.PatchCustomerAsync("c1", """{"loyaltyTier":"silver"}""");
        await _fixture.Evaluator.EvaluateCustomerAsync(
            "c1",
            await _fixture.Catalog.GetAsync(CancellationToken.None),
            _ => true,
            "test",
            CancellationToken.None
        );
        var left = await _fixture.ProfileAsync("c1");
        Assert.Empty(SegmentProfiles.ReadMembership(left));
        Assert.Equal(["c1"], await _fixture.MembersAsync("gold")); // not projected yet
        var latest = new ChangeRecord(
            "x",
            Containers.Customers,
            "c1",
            "c1",
            "customer",
            ChangeKind.Upsert,
            "e",
            SegmentFixture.Start,
            null,
            System.Text.Encoding.UTF8.GetBytes(left.GetRawText())
        );

        var first = await _fixture.Hook.HandleChangesAsync([latest], CancellationToken.None);
        var second = await _fixture.Hook.HandleChangesAsync([latest], CancellationToken.None);

        Assert.Equal((1, 1), (first.Projected, first.Evaluated));
        Assert.Equal((0, 1), (second.Projected, second.Evaluated));
        Assert.Empty(await _fixture.MembersAsync("gold"));
        Assert.Equal(left.GetRawText(), (await _fixture.ProfileAsync("c1")).GetRawText());
        Assert.Equal([SegmentEvents.Entered, SegmentEvents.Exited], _fixture.MembershipEvents("c1").Select(e => e.Type));
    }
}
