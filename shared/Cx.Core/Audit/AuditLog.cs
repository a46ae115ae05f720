using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Identity;
using Cx.Core.Rules;
using Microsoft.Extensions.Logging;

namespace Cx.Core.Audit;

/// <summary>Where a request came from, for the audit log (set by the HTTP layer).</summary>
public static class RequestOrigin
{
    private static readonly AsyncLocal<string?> Ip = new();

    public static string? ClientIp => Ip.Value;

    public static IDisposable Use(string? clientIp)
    {
        var previous = Ip.Value;
        Ip.Value = clientIp;
        return new Scope(previous);
    }

    private sealed class Scope(string? previous) : IDisposable
    {
        public void Dispose() => Ip.Value = previous;
    }
}

/// <summary>Audited actions: stable names, <c>resource.verb</c>.</summary>
public static class AuditActions
{
    public const string SignIn = "auth.sign-in";
    public const string SignInFailed = "auth.sign-in-failed";
    public const string TokenRefreshed = "auth.token-refreshed";
    public const string RefreshReuse = "auth.refresh-reuse-detected";
    public const string SignOut = "auth.sign-out";
    public const string SignOutEverywhere = "auth.sign-out-everywhere";
    public const string AccountCreated = "account.created";
    public const string AccountChanged = "account.changed";
    public const string AccountDeleted = "account.deleted";
    public const string ApiKeyCreated = "api-key.created";
    public const string ApiKeyRevoked = "api-key.revoked";
    public const string ContentTypeSaved = "content-type.saved";
    public const string ContentTypeDeleted = "content-type.deleted";
    public const string ComponentSaved = "component.saved";
    public const string ComponentDeleted = "component.deleted";
    public const string ClaimsMappingSaved = "claims-mapping.saved";
    public const string ClaimsMappingDeleted = "claims-mapping.deleted";
    public const string CustomerDeleted = "customer.deleted";
    public const string EventTypeSaved = "event-type.saved";
    public const string EventTypeDeleted = "event-type.deleted";
    public const string EventTypeSettingsSaved = "event-type-settings.saved";
    public const string JourneySaved = "journey.saved";
    public const string JourneyDeleted = "journey.deleted";
    public const string SegmentSaved = "segment.saved";
    public const string SegmentDeleted = "segment.deleted";
    public const string SegmentRecomputeRequested = "segment.recompute-requested";
    public const string DeadLetterReplayed = "dead-letter.replayed";
    public const string DeadLetterDiscarded = "dead-letter.discarded";
}

/// <summary>
/// The append-only audit log: who did what to which document, when, from where, and whether it
/// worked. Entries live in the audit container (partitioned by month) and are only ever created;
/// the API offers no way to change or delete them, and each month's entries form a hash chain
/// (<see cref="AuditChain"/>), so a change below the API is detected by <see cref="VerifyAsync"/>.
/// </summary>
public sealed partial class AuditLog(IDocumentStore store, TimeProvider time, ILogger<AuditLog> logger) : IDisposable
{
    public const string EntryType = "audit";

    /// <summary>The partition key format: the month of the entry, UTC.</summary>
    public const string PartitionFormat = "yyyy-MM";

    private readonly AuditChain _chain = new(store, logger);

    private static readonly FieldPath[] IndexedFields =
    [
        FieldPath.Parse("at"),
        FieldPath.Parse("action"),
        FieldPath.Parse("outcome"),
        FieldPath.Parse("actor"),
        FieldPath.Parse("targetType"),
        FieldPath.Parse("targetId"),
        FieldPath.Parse("seq"),
    ];

    public static IReadOnlyList<string> FilterableFields { get; } = ["action", "outcome", "actor", "targetType", "targetId"];

    public ValueTask InitializeAsync(CancellationToken cancellationToken) =>
        store.EnsureIndexesAsync(Containers.Audit, EntryType, IndexedFields, cancellationToken);

    /// <summary>Records an action by the current actor. Failing to audit is logged, never silent.</summary>
    public async Task RecordAsync(
        string action,
        string targetType,
        string? targetId,
        bool success = true,
        object? details = null,
        CancellationToken cancellationToken = default
    )
    {
        var actor = CurrentActor.Get();
        await RecordAsync(actor.Describe(), actor.DisplayName, action, targetType, targetId, success, details, cancellationToken);
    }

    /// <summary>Records an action by a named actor (for example a failed sign-in for an e-mail address).</summary>
    public async Task RecordAsync(
        string actor,
        string? actorName,
        string action,
        string targetType,
        string? targetId,
        bool success,
        object? details,
        CancellationToken cancellationToken
    )
    {
        var now = time.GetUtcNow();
        var entry = new JsonObject
        {
            ["type"] = EntryType,
            ["at"] = Instants.Format(now),
            ["actor"] = actor,
            ["actorName"] = actorName,
            ["action"] = action,
            ["targetType"] = targetType,
            ["targetId"] = targetId,
            ["outcome"] = success ? "success" : "failure",
            ["clientIp"] = RequestOrigin.ClientIp,
            ["traceId"] = Activity.Current?.TraceId.ToString(),
            ["details"] = details is null ? null : JsonSerializer.SerializeToNode(details, CxJson.SerializerOptions),
        };
        foreach (var name in entry.Where(p => p.Value is null).Select(p => p.Key).ToList())
        {
            entry.Remove(name);
        }
        try
        {
            await _chain.AppendAsync(now.UtcDateTime.ToString(PartitionFormat, CultureInfo.InvariantCulture), entry, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogAuditFailed(logger, ex, action, targetType, targetId);
            throw;
        }
    }

    /// <summary>Newest first, filtered by equality on actor, action, outcome and target, and by time.</summary>
    public async Task<DocumentPage> QueryAsync(
        IReadOnlyList<RawFilter> filters,
        int limit,
        Keyset? after,
        CancellationToken cancellationToken
    )
    {
        var conditions = new List<Condition>();
        var errors = new List<FieldError>();
        foreach (var filter in filters)
        {
            if (filter.Field == "at" && filter.Operator is "gte" or "lt" or "gt" or "lte")
            {
                if (Instants.TryParse(filter.Value, out var instant))
                {
                    conditions.Add(
                        new Comparison(
                            FieldPath.Parse("at"),
                            Enum.Parse<ComparisonOperator>(filter.Operator, true),
                            ScalarValue.From(Instants.Format(instant))
                        )
                    );
                }
                else
                {
                    errors.Add(new(filter.Parameter, "value", "Not an ISO 8601 instant.", ErrorLocation.Query));
                }
            }
            else if (FilterableFields.Contains(filter.Field) && filter.Operator == "eq")
            {
                conditions.Add(new Comparison(FieldPath.Parse(filter.Field), ComparisonOperator.Eq, ScalarValue.From(filter.Value)));
            }
            else
            {
                errors.Add(
                    new(
                        filter.Parameter,
                        "not-filterable",
                        $"Filter on {string.Join(", ", FilterableFields)} (eq) or at (gt, gte, lt, lte).",
                        ErrorLocation.Query
                    )
                );
            }
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, "The audit query is not valid.");
        }
        return await store.QueryAsync(
            Containers.Audit,
            new DocumentQuery
            {
                Type = EntryType,
                Filter = conditions.Count == 0 ? null : new AllOf([.. conditions]),
                Sort = [new SortField(FieldPath.Parse("at"), Descending: true)],
                Limit = limit,
                After = after,
            },
            cancellationToken
        );
    }

    /// <summary>Checks the hash chain of one partition (a month, <c>yyyy-MM</c>) and names its first break.</summary>
    public Task<AuditVerification> VerifyAsync(string partition, CancellationToken cancellationToken)
    {
        if (!IsPartition(partition))
        {
            throw new ValidationException(
                new FieldError("partition", "pattern", "A month as yyyy-MM, such as 2026-12.", ErrorLocation.Query)
            );
        }
        return _chain.VerifyAsync(partition, cancellationToken);
    }

    /// <summary>Every month from the oldest that holds audit data through the current one, oldest first.</summary>
    public Task<IReadOnlyList<string>> PartitionsAsync(CancellationToken cancellationToken) =>
        _chain.PartitionsAsync(CurrentPartition, cancellationToken);

    /// <summary>The partition of the current month.</summary>
    public string CurrentPartition => time.GetUtcNow().UtcDateTime.ToString(PartitionFormat, CultureInfo.InvariantCulture);

    public static bool IsPartition(string text) =>
        text.Length == 7
        && DateTime.TryParseExact(text, PartitionFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var month)
        && month.Year >= 2000;

    public void Dispose() => _chain.Dispose();

    [LoggerMessage(EventId = 1500, Level = LogLevel.Error, Message = "Could not write the audit entry {Action} on {TargetType} {TargetId}")]
    private static partial void LogAuditFailed(ILogger logger, Exception exception, string action, string targetType, string? targetId);
}
