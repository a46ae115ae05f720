using System.ComponentModel.DataAnnotations;

namespace Cx.Core.Realtime;

/// <summary>Settings of live updates, bound from <c>Cx:Realtime</c>.</summary>
public sealed class RealtimeOptions
{
    public const string Section = "Cx:Realtime";

    /// <summary>The hub name clients connect to (the SignalR Service hub; the DevHost maps <c>/realtime/{Hub}</c>).</summary>
    [Required]
    [RegularExpression("^[a-z][a-z0-9_]{0,63}$")]
    public string Hub { get; set; } = "cx";

    /// <summary>How long a channel's publications stay replayable (minutes; 24 h by default).</summary>
    [Range(1, 43_200)]
    public int RetentionMinutes { get; set; } = 1_440;

    /// <summary>Most publications a resume returns; a client further behind gets <c>recovered: false</c> and a snapshot.</summary>
    [Range(1, 10_000)]
    public int MaxReplay { get; set; } = 1_000;

    /// <summary>Lifetime of the access token negotiate hands out for the realtime connection (minutes).</summary>
    [Range(1, 1_440)]
    public int AccessTokenMinutes { get; set; } = 60;

    /// <summary>Most open realtime connections per user on one hub; a connection beyond it is closed at once.</summary>
    [Range(1, 10_000)]
    public int MaxConnectionsPerUser { get; set; } = 20;

    /// <summary>Default lifetime of a device session (seconds; a create may ask for less or more, up to a day).</summary>
    [Range(10, 86_400)]
    public int SessionSeconds { get; set; } = 1_800;
}
