using System.ComponentModel.DataAnnotations;

namespace Cx.Embedded.Sqlite;

/// <summary>Settings of the embedded SQLite store, bound from <c>Cx:Storage:Sqlite</c>.</summary>
public sealed class SqliteOptions
{
    public const string Section = "Cx:Storage:Sqlite";

    /// <summary>The database file; its folder is created on start. Relative paths resolve against the working directory.</summary>
    [Required]
    public string Path { get; set; } = ".data/cx.db";

    /// <summary>Reader connections kept open for reuse (each caches its prepared statements).</summary>
    [Range(1, 256)]
    public int MaxPooledReaders { get; set; } = 16;

    /// <summary>Page cache per connection, in MiB.</summary>
    [Range(1, 4096)]
    public int CacheSizeMb { get; set; } = 32;

    /// <summary>How long a statement waits for a lock before failing, in milliseconds.</summary>
    [Range(100, 600_000)]
    public int BusyTimeoutMs { get; set; } = 10_000;

    /// <summary>Changes older than this are pruned from the change log once every consumer has passed them.</summary>
    [Range(1, 24 * 365)]
    public int ChangeRetentionHours { get; set; } = 72;
}
