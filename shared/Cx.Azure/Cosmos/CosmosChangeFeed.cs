using System.Globalization;
using System.Text.Json;
using Cx.Core.Documents;
using Microsoft.Extensions.Logging;

namespace Cx.Azure.Cosmos;

/// <summary>
/// The change feed of the Cosmos DB store: the SDK's pull model in latest-version mode over every
/// feed range of every product container, positions in the <c>leases</c> container. Ordering,
/// deletes, late commits and fairness: ADR 0018.
/// </summary>
public sealed partial class CosmosChangeFeed : IChangeFeed
{
    private const int MaxAttempts = 5;
    private readonly IChangeFeedSource _source;
    private readonly IChangeFeedLeases _leases;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    internal CosmosChangeFeed(IChangeFeedSource source, IChangeFeedLeases leases, TimeProvider time, ILogger<CosmosChangeFeed> logger)
    {
        _source = source;
        _leases = leases;
        _time = time;
        _logger = logger;
    }

    public async ValueTask<ChangeBatch> ReadAsync(string consumer, int maxItems, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxItems, 1);
        var lease = await _leases.ReadAsync(consumer, cancellationToken);
        // Cursors of a container the product no longer has are dropped with the next commit.
        var cursors = lease?.Cursors.Where(c => Containers.IsKnown(c.Container)).ToList() ?? [];
        foreach (var container in Containers.All)
        {
            // A new consumer, or a container added since the lease was written: from the beginning.
            if (!cursors.Exists(c => c.Container == container))
            {
                foreach (var range in await _source.GetRangesAsync(container, cancellationToken))
                {
                    cursors.Add(new FeedCursor(container, range, Token: null));
                }
            }
        }
        var count = cursors.Count;
        var start = count == 0 ? 0 : (int)((uint)(lease?.Start ?? 0) % (uint)count);
        var next = start;
        var changes = new List<ChangeRecord>();
        for (var k = 0; k < count; k++)
        {
            var index = (start + k) % count;
            var (full, took) = await DrainAsync(cursors, index, changes, maxItems, cancellationToken);
            if (full)
            {
                next = took ? (index + 1) % count : index;
                break;
            }
        }
        var checkpoint = new FeedCheckpoint(consumer, lease?.Version ?? 0, next, cursors);
        return new ChangeBatch(changes, Encode(checkpoint));
    }

    public async ValueTask CommitAsync(string consumer, string checkpoint, CancellationToken cancellationToken)
    {
        var target = Decode(checkpoint);
        if (!string.Equals(target.Consumer, consumer, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The checkpoint belongs to consumer '{target.Consumer}', not '{consumer}'.", nameof(checkpoint));
        }
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var lease = await _leases.ReadAsync(consumer, cancellationToken);
            var version = lease?.Version ?? 0;
            if (version != target.Base)
            {
                // Read from an older lease than the one now stored: applying it could rewind.
                LogStaleCommit(_logger, consumer, target.Base, version);
                return;
            }
            var updated = new ConsumerLease("", "", consumer, version + 1, target.Start, target.Cursors);
            if (await _leases.TryWriteAsync(updated, lease?.ETag, cancellationToken))
            {
                return;
            }
            LogCommitRaced(_logger, consumer, attempt);
        }
        throw new InvalidOperationException(
            $"The checkpoint of consumer '{consumer}' kept changing; gave up after {MaxAttempts} attempts."
        );
    }

    /// <summary>Cosmos DB expires change-feed history itself; nothing to prune.</summary>
    public ValueTask<int> PruneAsync(CancellationToken cancellationToken) => ValueTask.FromResult(0);

    /// <summary>Reads one cursor's pages into <paramref name="changes"/> until it is caught up or the batch is full.</summary>
    private async Task<(bool Full, bool Took)> DrainAsync(
        List<FeedCursor> cursors,
        int index,
        List<ChangeRecord> changes,
        int maxItems,
        CancellationToken cancellationToken
    )
    {
        var took = false;
        while (true)
        {
            var remaining = maxItems - changes.Count;
            if (remaining <= 0)
            {
                return (true, took);
            }
            var cursor = cursors[index];
            var page = await _source.ReadAsync(cursor.Container, cursor.Range, cursor.Token, remaining, cancellationToken);
            if (page.Items.Count > remaining && changes.Count > 0)
            {
                return (true, took);
            }
            foreach (var item in page.Items)
            {
                changes.Add(ToRecord(cursor.Container, index, item));
            }
            cursors[index] = cursor with { Token = page.Token };
            took |= page.Items.Count > 0;
            if (page.CaughtUp || page.Items.Count == 0)
            {
                return (false, took);
            }
        }
    }

    private ChangeRecord ToRecord(string container, int range, JsonElement element)
    {
        var item = CosmosItems.Read(element);
        var position =
            element.TryGetProperty("_lsn", out var lsn) && lsn.ValueKind == JsonValueKind.Number
                ? lsn.GetInt64().ToString(CultureInfo.InvariantCulture)
                : item.ETag;
        var committedAt =
            element.TryGetProperty("_ts", out var ts) && ts.ValueKind == JsonValueKind.Number
                ? DateTimeOffset.FromUnixTimeSeconds(ts.GetInt64())
                : _time.GetUtcNow();
        var deleted = item.Deleted;
        return new ChangeRecord(
            string.Create(CultureInfo.InvariantCulture, $"{container}:{range}:{position}"),
            container,
            item.Id,
            item.PartitionKey,
            item.Type,
            deleted ? ChangeKind.Delete : ChangeKind.Upsert,
            item.ETag,
            committedAt,
            Before: null,
            // Typed as nullable memory: a null byte[] would convert to an empty body, not to null.
            After: deleted ? null : (ReadOnlyMemory<byte>?)CosmosItems.ProductJson(element)
        );
    }

    private static string Encode(FeedCheckpoint checkpoint) =>
        Convert
            .ToBase64String(JsonSerializer.SerializeToUtf8Bytes(checkpoint, CosmosJsonContext.Default.FeedCheckpoint))
            .TrimEnd('=')
            .Replace('+', '-')
            .Replace('/', '_');

    private static FeedCheckpoint Decode(string checkpoint)
    {
        try
        {
            var base64 = checkpoint.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=');
            return JsonSerializer.Deserialize(Convert.FromBase64String(base64), CosmosJsonContext.Default.FeedCheckpoint)
                ?? throw new FormatException("Empty checkpoint.");
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            throw new ArgumentException($"'{checkpoint}' is not a checkpoint of this feed.", nameof(checkpoint), e);
        }
    }

    [LoggerMessage(
        EventId = 3040,
        Level = LogLevel.Information,
        Message = "Ignored a stale change-feed commit of {Consumer}: read at version {Base}, stored version is {Version}"
    )]
    private static partial void LogStaleCommit(ILogger logger, string consumer, long @base, long version);

    [LoggerMessage(
        EventId = 3041,
        Level = LogLevel.Debug,
        Message = "Checkpoint of {Consumer} changed while committing; retrying (attempt {Attempt})"
    )]
    private static partial void LogCommitRaced(ILogger logger, string consumer, int attempt);
}
