using System.ComponentModel.DataAnnotations;

namespace Cx.Core.Portability.Snapshots;

/// <summary>Settings of store snapshots (ADR 0444), bound from <c>Cx:Snapshots</c>.</summary>
public sealed class SnapshotOptions
{
    public const string Section = "Cx:Snapshots";

    /// <summary>
    /// NCRONTAB (six fields, seconds first) of the snapshot timer: nightly at 02:00 UTC by default. The
    /// Functions host reads it as the app setting <c>Cx__Snapshots__Schedule</c> (<c>%...%</c> in the
    /// trigger); a DevHost without the setting runs no timer (start one with <c>POST /api/v1/snapshots</c>).
    /// </summary>
    [Required]
    public string Schedule { get; set; } = "0 0 2 * * *";

    /// <summary>The blob container snapshots go to (a folder under the blob root embedded).</summary>
    [Required]
    [RegularExpression("^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$")]
    public string Container { get; set; } = "snapshots";

    /// <summary>Rows per Parquet file: one activity writes (and holds in memory) one file.</summary>
    [Range(100, 1_000_000)]
    public int PartRows { get; set; } = 50_000;

    /// <summary>Complete snapshots kept (the newest); older ones are deleted. The newest complete one is never deleted.</summary>
    [Range(1, 1000)]
    public int KeepCount { get; set; } = 7;

    /// <summary>Complete snapshots younger than this many days are kept even beyond <see cref="KeepCount"/> (0: count only).</summary>
    [Range(0, 3650)]
    public int KeepDays { get; set; } = 0;

    /// <summary>Hours after which a snapshot without a manifest (an abandoned run) is deleted by the retention step.</summary>
    [Range(1, 720)]
    public int IncompleteHours { get; set; } = 24;
}
