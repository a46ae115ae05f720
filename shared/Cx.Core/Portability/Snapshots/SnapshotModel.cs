namespace Cx.Core.Portability.Snapshots;

/// <summary>One column of a snapshotted table: its name and the Parquet kind it is stored as.</summary>
/// <param name="Kind"><c>integer</c> (INT64), <c>real</c> (DOUBLE), <c>text</c> (UTF-8 string) or <c>blob</c> (BYTE_ARRAY).</param>
public sealed record SnapshotColumn(string Name, string Kind);

/// <summary>
/// A table of the store as the snapshot holds it: the database it lives in, its DDL (and that of its
/// indexes), the SHA-256 fingerprint of that DDL (the schema version a restore checks), and its columns.
/// RowIdColumn is true when the row id is kept as the extra column <c>_rowid</c>.
/// </summary>
public sealed record SnapshotTable(
    string Database,
    string Name,
    string Sql,
    IReadOnlyList<string> Indexes,
    string Fingerprint,
    IReadOnlyList<SnapshotColumn> Columns,
    bool RowIdColumn
)
{
    /// <summary>The AUTOINCREMENT counter when the snapshot was planned (a restore sets it back), else null.</summary>
    public long? Sequence { get; init; }

    /// <summary>The primary-key columns a table without row id is read in; empty for rowid tables (read by row id).</summary>
    public IReadOnlyList<string> OrderBy { get; init; } = [];
}

/// <summary>
/// One file of a snapshot: a range of a table's rows. Rowid tables are cut by row id
/// (<see cref="From"/> to <see cref="To"/>, inclusive, fixed when the snapshot is planned); tables
/// without row id are cut by position in primary-key order (<see cref="Offset"/>, <see cref="Limit"/>).
/// </summary>
public sealed record SnapshotPart(string Database, string Table, int Index, long? From, long? To, long? Offset, long? Limit)
{
    /// <summary>The file's name inside the snapshot's folder.</summary>
    public string FileName => $"{Database}/{Table}/part-{Index:D5}.parquet";

    /// <summary>Cosmos DB: the feed range the part reads (<c>FeedRange.ToJsonString</c>); null for SQLite.</summary>
    public string? Range { get; init; }
}

/// <summary>What a snapshot will write: its id, when it started, the tables and the parts.</summary>
public sealed record SnapshotPlan(
    string SnapshotId,
    DateTimeOffset StartedAt,
    string Store,
    IReadOnlyList<SnapshotTable> Tables,
    IReadOnlyList<SnapshotPart> Parts
);

/// <summary>A written file of a snapshot: its name, rows, bytes and SHA-256 (lowercase hex).</summary>
public sealed record SnapshotFile(string Name, string Database, string Table, long Rows, long Bytes, string Sha256);

/// <summary>
/// The manifest, written last: a snapshot without one is incomplete. It lists every table (with its
/// DDL fingerprint) and every file (rows, bytes, SHA-256); a restore checks each file against it.
/// </summary>
public sealed record SnapshotManifest(
    int FormatVersion,
    string SnapshotId,
    string Store,
    DateTimeOffset StartedAt,
    DateTimeOffset CompletedAt,
    long Rows,
    long Bytes,
    IReadOnlyList<SnapshotTable> Tables,
    IReadOnlyList<SnapshotFile> Files
)
{
    public const int CurrentFormat = 1;

    public const string FileName = "manifest.json";
}

/// <summary>The input of one snapshot run (the orchestration's input).</summary>
public sealed record SnapshotRequest(string SnapshotId);

/// <summary>The input of the part activity.</summary>
public sealed record SnapshotPartRequest(string SnapshotId, SnapshotTable Table, SnapshotPart Part);

/// <summary>The input of the manifest activity.</summary>
public sealed record SnapshotManifestRequest(SnapshotPlan Plan, IReadOnlyList<SnapshotFile> Files);

/// <summary>What the retention step deleted.</summary>
public sealed record SnapshotRetentionResult(IReadOnlyList<string> Deleted, IReadOnlyList<string> Kept);

/// <summary>The outcome of one run, as the orchestration returns it.</summary>
public sealed record SnapshotRunResult(string SnapshotId, long Rows, long Bytes, int Files, IReadOnlyList<string> Deleted);

/// <summary>The state of the singleton snapshot orchestration, as the admin endpoint shows it.</summary>
public sealed record SnapshotRunState(
    string InstanceId,
    string Status,
    string? SnapshotId,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastUpdatedAt,
    SnapshotRunResult? Result,
    string? Error
);

/// <summary>Starts and reads the singleton snapshot run (the host's Durable client).</summary>
public interface ISnapshotRuns
{
    /// <summary>Starts a run writing <paramref name="snapshotId"/>; null when one is pending or running.</summary>
    Task<SnapshotRunState?> StartAsync(string snapshotId, CancellationToken cancellationToken);

    /// <summary>The current or last run the backend knows, or null.</summary>
    Task<SnapshotRunState?> GetAsync(CancellationToken cancellationToken);
}

/// <summary>
/// The store side of snapshots (ADR 0444): describes the tables and cuts them into parts, and writes
/// one part's rows as Parquet. Embedded: the SQLite files (documents, event log, analytics).
/// </summary>
public interface ISnapshotSource
{
    /// <summary>The store's name in the manifest (<c>sqlite</c>).</summary>
    string Store { get; }

    /// <summary>The tables a snapshot holds and the parts each is cut into (at most <paramref name="partRows"/> rows each).</summary>
    Task<(IReadOnlyList<SnapshotTable> Tables, IReadOnlyList<SnapshotPart> Parts)> PlanAsync(
        int partRows,
        CancellationToken cancellationToken
    );

    /// <summary>Writes the part's rows as one Parquet file to <paramref name="output"/>; returns the row count.</summary>
    Task<long> WritePartAsync(SnapshotTable table, SnapshotPart part, Stream output, CancellationToken cancellationToken);
}

/// <summary>The input of the plan activity: the snapshot id and the orchestration's start time.</summary>
public sealed record SnapshotPlanRequest(string SnapshotId, DateTimeOffset StartedAt);

/// <summary>A refused restore: <see cref="Code"/> says why (store-not-empty, snapshot-corrupt, no-manifest, ...); nothing was written.</summary>
public sealed class SnapshotRestoreException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
