using System.ComponentModel.DataAnnotations;

namespace Cx.Core.Queues;

/// <summary>Settings of the work queues and their consumer loop, bound from <c>Cx:Queues</c>.</summary>
public sealed class WorkQueueOptions
{
    public const string Section = "Cx:Queues";

    /// <summary>Messages leased per receive (at most one per partition key).</summary>
    [Range(1, 1_000)]
    public int BatchSize { get; set; } = 64;

    /// <summary>
    /// Consumer loops per queue in this process. Each leases its own batch (one message per key), so
    /// a second loop hands out the keys the first one has finished while it still waits for its slowest.
    /// </summary>
    [Range(1, 16)]
    public int ConsumersPerQueue { get; set; } = 2;

    /// <summary>How long a received message stays leased before it is delivered again (a consumer that crashed).</summary>
    [Range(1, 3_600)]
    public int LeaseSeconds { get; set; } = 60;

    /// <summary>How often an idle consumer polls its queue.</summary>
    [Range(10, 60_000)]
    public int PollMilliseconds { get; set; } = 100;

    /// <summary>Completed message ids kept for duplicate detection (an enqueue of a known id is dropped), in hours (embedded queue).</summary>
    [Range(1, 24 * 30)]
    public int DuplicateWindowHours { get; set; } = 24;
}
