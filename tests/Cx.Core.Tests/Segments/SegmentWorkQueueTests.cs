using Cx.Core.Segments;

namespace Cx.Core.Tests.Segments;

public sealed class SegmentWorkQueueTests
{
    private static Dictionary<string, string[]> TakeAll(SegmentWorkQueue queue) =>
        queue.Take(100).ToDictionary(p => p.CustomerId, p => p.EventTypes.Order(StringComparer.Ordinal).ToArray());

    [Fact]
    public void Should_coalesce_a_customer_queued_by_several_batches_into_the_union_of_their_event_types()
    {
        using var queue = new SegmentWorkQueue();
        var first = new HashSet<string> { "purchase" };
        var second = new HashSet<string> { "page_view", "purchase" };
        queue.Enqueue(["c1", "c2"], first);
        queue.Enqueue(["c2", "c3"], second);
        queue.Enqueue(["c3"], new HashSet<string> { "purchase" });

        var taken = TakeAll(queue);

        Assert.Equal(["purchase"], taken["c1"]);
        Assert.Equal(["page_view", "purchase"], taken["c2"]);
        Assert.Equal(["page_view", "purchase"], taken["c3"]);
        Assert.Equal(["purchase"], first); // the batches' own collections are never changed
        Assert.Equal(["page_view", "purchase"], second.Order(StringComparer.Ordinal));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void Should_widen_a_customer_to_every_behavioural_rule_once_queued_without_event_types()
    {
        using var queue = new SegmentWorkQueue();
        queue.Enqueue(["c1"], new HashSet<string> { "purchase" });
        queue.Enqueue(["c1"], []);
        queue.Enqueue(["c1"], new HashSet<string> { "page_view" });

        Assert.Empty(Assert.Single(TakeAll(queue)).Value);
    }
}
