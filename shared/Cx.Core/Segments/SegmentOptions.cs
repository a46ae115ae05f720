using System.ComponentModel.DataAnnotations;

namespace Cx.Core.Segments;

/// <summary>Settings of segmentation, bound from <c>Cx:Segments</c>.</summary>
public sealed class SegmentOptions
{
    public const string Section = "Cx:Segments";

    /// <summary>Customers read per page by recomputes, the sweep, previews and dry runs (one behaviour query per rule aggregate and page).</summary>
    [Range(100, 20_000)]
    public int PageSize { get; set; } = 2000;

    /// <summary>Segments that are not archived, at most (a profile holds at most 500 memberships).</summary>
    [Range(1, 500)]
    public int MaxSegments { get; set; } = 500;

    /// <summary>Customer ids a preview returns as its sample, at most.</summary>
    [Range(0, 100)]
    public int PreviewSampleSize { get; set; } = 10;

    /// <summary>Attempts at evaluating one customer when the profile keeps changing under the write (412 each time).</summary>
    [Range(1, 100)]
    public int WriteAttempts { get; set; } = 8;

    /// <summary>A running recompute job whose heartbeat is older than this is taken over (its instance stopped).</summary>
    [Range(10, 3600)]
    public int JobStaleSeconds { get; set; } = 120;

    /// <summary>How often the job service looks for queued or stalled recompute jobs when nothing woke it.</summary>
    [Range(1, 300)]
    public int JobPollSeconds { get; set; } = 5;
}
