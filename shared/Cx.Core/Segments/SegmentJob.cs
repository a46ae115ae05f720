using System.Text.Json.Serialization;

namespace Cx.Core.Segments;

public enum SegmentJobState
{
    /// <summary>Waiting for the job service.</summary>
    Queued,

    Running,

    /// <summary>Every customer was evaluated.</summary>
    Completed,

    /// <summary>The segment changed again (or was deleted) while it ran; a newer job took over.</summary>
    Superseded,

    Failed,
}

/// <summary>
/// The recompute of one segment: every customer re-evaluated after its rule or status changed (or on
/// request), page by page, with its progress. One document per segment (a new job replaces the
/// previous one), readable through <c>GET /api/v1/segments/{key}/recompute</c>.
/// </summary>
public sealed record SegmentJob
{
    public required string Segment { get; init; }

    /// <summary>The rule version being applied.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public required int RuleVersion { get; init; }

    /// <summary>Why: created, criteria-changed, resumed, archived, requested.</summary>
    public required string Reason { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public SegmentJobState State { get; init; } = SegmentJobState.Queued;

    /// <summary>Customers evaluated so far.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public long Processed { get; init; }

    /// <summary>Customers there were when the job started (an estimate while customers come and go).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public long Total { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public long Entered { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public long Exited { get; init; }

    /// <summary>Customers the rule matched among those evaluated.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public long Matched { get; init; }

    /// <summary>The last customer id evaluated: a resumed job continues after it.</summary>
    public string? Cursor { get; init; }

    public required string QueuedAt { get; init; }

    public string? StartedAt { get; init; }

    public string? CompletedAt { get; init; }

    /// <summary>The instance running it and when it last reported progress (a stale heartbeat lets another take over).</summary>
    public string? Owner { get; init; }

    public string? HeartbeatAt { get; init; }

    public string? Error { get; init; }
}
