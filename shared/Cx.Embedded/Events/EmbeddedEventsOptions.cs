using System.ComponentModel.DataAnnotations;

namespace Cx.Embedded.Events;

/// <summary>How the embedded stream's log fsyncs a commit.</summary>
public enum LogDurability
{
    /// <summary>WAL with synchronous=NORMAL: a committed append survives a process crash (kill -9), not a power loss.</summary>
    Normal,

    /// <summary>WAL with synchronous=FULL: every group commit is fsynced, so it also survives a power loss.</summary>
    Full,
}

/// <summary>
/// Settings of the embedded event stream and analytics store, bound from <c>Cx:Events:Embedded</c>.
/// Paths left empty go next to the document store's file (<c>Cx:Storage:Sqlite:Path</c>), so a
/// host with its own data folder gets its own log and analytics files.
/// </summary>
public sealed class EmbeddedEventsOptions
{
    public const string Section = "Cx:Events:Embedded";

    /// <summary>The append-only event log (SQLite, WAL). Default: <c>events.db</c> beside the document store.</summary>
    public string? LogPath { get; set; }

    /// <summary>The analytics store (facts, roll-ups, blocks, links, checkpoints). Default: <c>analytics.db</c> beside the document store.</summary>
    public string? AnalyticsPath { get; set; }

    public LogDurability Durability { get; set; } = LogDurability.Normal;

    /// <summary>Most appends written by one group commit.</summary>
    [Range(1, 100_000)]
    public int MaxAppendsPerCommit { get; set; } = 1024;

    /// <summary>Appends that may wait for the log writer before callers wait in turn (back-pressure).</summary>
    [Range(1, 1_000_000)]
    public int AppendQueueCapacity { get; set; } = 8192;

    /// <summary>Log rows that are processed and archived are deleted once older than this many hours.</summary>
    [Range(0, 24 * 365)]
    public int LogRetentionHours { get; set; } = 24;

    /// <summary>How often housekeeping (archive check, log and fact pruning, block compaction) runs, in seconds.</summary>
    [Range(1, 3600)]
    public int MaintenanceIntervalSeconds { get; set; } = 5;
}
