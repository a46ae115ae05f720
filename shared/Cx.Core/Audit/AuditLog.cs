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
/// the API offers no way to change or delete them.
/// </summary>
public sealed partial class AuditLog(IDocumentStore store, TimeProvider time, ILogger<AuditLog> logger)
{
    public const string EntryType = "audit";

    private static readonly FieldPath[] IndexedFields =
    [
        FieldPath.Parse("at"),
        FieldPath.Parse("action"),
        FieldPath.Parse("outcome"),
        FieldPath.Parse("actor"),
        FieldPath.Parse("targetType"),
        FieldPath.Parse("targetId"),
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
        var id = Ids.New(time);
        var entry = new JsonObject
        {
            ["id"] = id,
            ["type"] = EntryType,
            ["at"] = EntryValidator.FormatInstant(now),
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
            await store.CreateAsync(
                Containers.Audit,
                new DocumentWrite(
                    id,
                    now.ToString("yyyy-MM", CultureInfo.InvariantCulture),
                    EntryType,
                    JsonSerializer.SerializeToUtf8Bytes(entry, CxJson.SerializerOptions)
                ),
                cancellationToken
            );
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
                if (EntryValidator.TryParseInstant(filter.Value, out var instant))
                {
                    conditions.Add(
                        new Comparison(
                            FieldPath.Parse("at"),
                            Enum.Parse<ComparisonOperator>(filter.Operator, true),
                            ScalarValue.From(EntryValidator.FormatInstant(instant))
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

    [LoggerMessage(EventId = 1500, Level = LogLevel.Error, Message = "Could not write the audit entry {Action} on {TargetType} {TargetId}")]
    private static partial void LogAuditFailed(ILogger logger, Exception exception, string action, string targetType, string? targetId);
}
