using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Cx.Core.Segments;

/// <summary>The telemetry of segmentation: <c>Cx.Segments</c> activities and counters.</summary>
public static class SegmentMetrics
{
    public const string Name = "Cx.Segments";

    public static readonly ActivitySource Activity = new(Name);

    public static readonly Meter Meter = new(Name);

    /// <summary>Customers evaluated one by one (hook, behaviour changes), tagged with the trigger.</summary>
    public static readonly Counter<long> Evaluations = Meter.CreateCounter<long>(
        "cx.segments.evaluations",
        description: "Customers evaluated one at a time"
    );

    /// <summary>Membership transitions written to profiles, tagged with the direction.</summary>
    public static readonly Counter<long> Transitions = Meter.CreateCounter<long>(
        "cx.segments.transitions",
        description: "Customers that entered or left a segment"
    );

    /// <summary>Profile changes the hook recognised as its own writes and did not evaluate.</summary>
    public static readonly Counter<long> SystemChangesSkipped = Meter.CreateCounter<long>(
        "cx.segments.system_changes_skipped",
        description: "Profile changes made only by segmentation itself"
    );

    /// <summary>Membership events appended to the event stream.</summary>
    public static readonly Counter<long> EventsAppended = Meter.CreateCounter<long>(
        "cx.segments.events",
        description: "segment.entered / segment.exited events appended"
    );
}
