using Cx.Core.Analytics;
using Cx.Core.Segments;
using static Cx.Core.Tests.Segments.SegmentFixture;

namespace Cx.Core.Tests.Segments;

/// <summary>The examples end to end on real embedded adapters, with their windows cut at the boundary.</summary>
public sealed class SegmentBehaviorTests : IAsyncLifetime
{
    private SegmentFixture _fixture = null!;

    public async Task InitializeAsync() => _fixture = await SegmentFixture.StartAsync();

    public async Task DisposeAsync() => await _fixture.DisposeAsync();

    private const string BigSpenders =
        """{"behavior":{"event":"purchase","aggregate":"sum","property":"amount","window":"P90D","op":"gt","value":500}}""";

    private const string ThreeCategories =
        """{"behavior":{"event":"page_view","aggregate":"distinct","property":"category","window":"P7D","op":"gte","value":3}}""";

    private const string AbandonedCart =
        """{"behavior":{"event":"cart_abandoned","aggregate":"count","window":"PT24H","op":"gte","value":1}}""";

    /// <summary>Moves the clock to <paramref name="at"/> and runs the scheduled sweep.</summary>
    private async Task SweepAtAsync(DateTimeOffset at)
    {
        _fixture.Time.SetUtcNow(at);
        await _fixture.Sweeper.SweepAsync(CancellationToken.None);
        await _fixture.DispatchUntilQuietAsync();
    }

    [Fact]
    public async Task Should_admit_a_customer_who_spent_over_500_in_90_days_and_let_them_go_when_a_purchase_leaves_the_window()
    {
        await _fixture.CreateSegmentAsync("big-spenders", BigSpenders);
        await _fixture.CreateCustomerAsync("c1");
        await _fixture.SettleAsync();
        var first = Start.AddDays(-10);
        await _fixture.TrackAsync(Event("purchase", "c1", first, "o1", """{"amount":300}"""));
        await _fixture.SettleAsync();
        Assert.Empty(await _fixture.SegmentsOfAsync("c1"));

        await _fixture.TrackAsync(Event("purchase", "c1", Start.AddDays(-1), "o2", """{"amount":250}"""));
        await _fixture.SettleAsync();
        Assert.Equal(["big-spenders"], await _fixture.SegmentsOfAsync("c1"));
        Assert.Equal(["c1"], await _fixture.MembersAsync("big-spenders"));

        // The first purchase is inside (now - 90 days, now] until now - 90 days reaches it exactly.
        await SweepAtAsync(first.AddDays(90).AddMilliseconds(-1));
        Assert.Equal(["big-spenders"], await _fixture.SegmentsOfAsync("c1"));
        await SweepAtAsync(first.AddDays(90));
        Assert.Empty(await _fixture.SegmentsOfAsync("c1"));
        Assert.Empty(await _fixture.MembersAsync("big-spenders"));
        Assert.Equal([SegmentEvents.Entered, SegmentEvents.Exited], _fixture.MembershipEvents("c1").Select(e => e.Type));
        Assert.Equal(first.AddDays(90), _fixture.MembershipEvents("c1")[1].Timestamp);
    }

    [Fact]
    public async Task Should_not_admit_a_customer_who_spent_exactly_500()
    {
        await _fixture.CreateSegmentAsync("big-spenders", BigSpenders);
        await _fixture.CreateCustomerAsync("c1");
        await _fixture.TrackAsync(
            Event("purchase", "c1", Start.AddDays(-3), "o1", """{"amount":200}"""),
            Event("purchase", "c1", Start, "o2", """{"amount":300}""")
        );
        await _fixture.SettleAsync();
        Assert.Empty(await _fixture.SegmentsOfAsync("c1"));
        await _fixture.TrackAsync(Event("purchase", "c1", Start, "o3", """{"amount":0.01}"""));
        await _fixture.SettleAsync();
        Assert.Equal(["big-spenders"], await _fixture.SegmentsOfAsync("c1"));
    }

    [Fact]
    public async Task Should_admit_a_customer_who_browsed_three_categories_this_week()
    {
        await _fixture.CreateSegmentAsync("browsers", ThreeCategories);
        await _fixture.CreateCustomerAsync("c1");
        var oldest = Start.AddDays(-6);
        await _fixture.TrackAsync(
            Event("page_view", "c1", oldest, "v1", """{"category":"shoes"}"""),
            Event("page_view", "c1", Start.AddDays(-2), "v2", """{"category":"hats"}"""),
            Event("page_view", "c1", Start.AddHours(-1), "v3", """{"category":"hats"}""")
        );
        await _fixture.SettleAsync();
        Assert.Empty(await _fixture.SegmentsOfAsync("c1")); // two distinct categories

        await _fixture.TrackAsync(Event("page_view", "c1", Start, "v4", """{"category":"bags"}"""));
        await _fixture.SettleAsync();
        Assert.Equal(["browsers"], await _fixture.SegmentsOfAsync("c1"));

        await SweepAtAsync(oldest.AddDays(7).AddMilliseconds(-1));
        Assert.Equal(["browsers"], await _fixture.SegmentsOfAsync("c1"));
        await SweepAtAsync(oldest.AddDays(7)); // shoes leaves the week
        Assert.Empty(await _fixture.SegmentsOfAsync("c1"));
    }

    [Fact]
    public async Task Should_admit_a_customer_who_abandoned_a_cart_in_the_last_24_hours()
    {
        await _fixture.CreateSegmentAsync("abandoners", AbandonedCart);
        await _fixture.CreateCustomerAsync("c1");
        await _fixture.CreateCustomerAsync("c2");
        var abandoned = Start.AddHours(-1);
        await _fixture.TrackAsync(
            Event("cart_abandoned", "c1", abandoned, "k1", """{"value":80}"""),
            Event("cart_abandoned", "c2", Start.AddHours(-24), "k2", """{"value":10}""")
        );
        await _fixture.SettleAsync();
        // c2's cart was abandoned exactly 24 hours ago: the start of the window is out.
        Assert.Equal(["abandoners"], await _fixture.SegmentsOfAsync("c1"));
        Assert.Empty(await _fixture.SegmentsOfAsync("c2"));

        await SweepAtAsync(abandoned.AddHours(24).AddMilliseconds(-1));
        Assert.Equal(["abandoners"], await _fixture.SegmentsOfAsync("c1"));
        await SweepAtAsync(abandoned.AddHours(24));
        Assert.Empty(await _fixture.SegmentsOfAsync("c1"));
    }

    [Fact]
    public async Task Should_evaluate_only_the_segments_whose_rules_read_the_event_types_of_a_batch()
    {
        await _fixture.CreateCustomerAsync("c1", "\"loyaltyTier\":\"gold\"");
        await _fixture.CreateSegmentAsync("big-spenders", BigSpenders);
        await _fixture.CreateSegmentAsync("gold", """{"field":"loyaltyTier","op":"eq","value":"gold"}""");
        await _fixture.CreateSegmentAsync("abandoners", AbandonedCart);
        // No recompute has run: only what the purchase batch triggers is evaluated.
        await _fixture.TrackAsync(Event("purchase", "c1", Start, "o1", """{"amount":900}"""));
        await _fixture.Worker.ProcessPendingAsync(CancellationToken.None);

        Assert.Equal(["big-spenders"], await _fixture.SegmentsOfAsync("c1"));
    }

    [Fact]
    public async Task Should_reconcile_in_the_sweep_what_the_behaviour_path_missed()
    {
        await _fixture.CreateSegmentAsync("abandoners", AbandonedCart);
        await _fixture.CreateCustomerAsync("c1");
        await _fixture.SettleAsync();
        // Applied without telling the observers: a crash between the commit and the notification.
        await _fixture.Analytics.ApplyAsync(
            new AnalyticsBatch(
                [EventBatchProcessor.ToFact(Event("cart_abandoned", "c1", Start.AddMinutes(-5), "k1"), null)],
                new StreamCheckpoint("9", 1)
            ),
            CancellationToken.None
        );
        await _fixture.SettleAsync();
        Assert.Empty(await _fixture.SegmentsOfAsync("c1"));

        await SweepAtAsync(Start);
        Assert.Equal(["abandoners"], await _fixture.SegmentsOfAsync("c1"));
    }

    [Fact]
    public async Task Should_count_the_anonymous_history_a_customer_merges_after_identify()
    {
        await _fixture.CreateSegmentAsync("abandoners", AbandonedCart);
        await _fixture.CreateCustomerAsync("c1");
        await _fixture.TrackAsync(
            new Cx.Core.Events.TrackedEvent
            {
                Id = "k1",
                Type = "cart_abandoned",
                AnonymousId = "anon-1",
                Timestamp = Start.AddMinutes(-5),
                ReceivedAt = Start,
            }
        );
        await _fixture.SettleAsync();
        Assert.Empty(await _fixture.SegmentsOfAsync("c1"));

        await _fixture.IdentityLinks.LinkAsync("anon-1", "c1", 100, Start, CancellationToken.None);
        // What identify tells the observers after a merge: this customer, no particular event type.
        await new SegmentEventObserver(_fixture.Queue).OnBatchCommittedAsync(new(["c1"], ["anon-1"], [], Start), CancellationToken.None);
        await _fixture.SettleAsync();
        Assert.Equal(["abandoners"], await _fixture.SegmentsOfAsync("c1"));
    }

    [Fact]
    public async Task Should_ignore_batches_of_membership_events_and_customers_without_a_profile()
    {
        await _fixture.CreateSegmentAsync("abandoners", AbandonedCart);
        var observer = new SegmentEventObserver(_fixture.Queue);
        await observer.OnBatchCommittedAsync(new(["c1"], [], [SegmentEvents.Entered], Start), CancellationToken.None);
        Assert.Equal(0, _fixture.Queue.Count);

        await _fixture.TrackAsync(Event("cart_abandoned", "ghost", Start, "k1"));
        Assert.Equal(1, _fixture.Queue.Count);
        await _fixture.SettleAsync();
        Assert.Empty(_fixture.Stream.Events);
    }
}
