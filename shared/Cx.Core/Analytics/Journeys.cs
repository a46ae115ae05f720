using System.Text.Json.Serialization;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Events;
using Microsoft.Extensions.Logging;

namespace Cx.Core.Analytics;

/// <summary>The stages of a customer journey, in order.</summary>
public enum JourneyStage
{
    Awareness,
    Consideration,
    Action,
}

/// <summary>Which event types put a subject in each stage. An event type belongs to one stage at most.</summary>
public sealed record JourneyStages
{
    public EquatableArray<string> Awareness { get; init; }

    public EquatableArray<string> Consideration { get; init; }

    public EquatableArray<string> Action { get; init; }

    public EquatableArray<string> this[JourneyStage stage] =>
        stage switch
        {
            JourneyStage.Awareness => Awareness,
            JourneyStage.Consideration => Consideration,
            JourneyStage.Action => Action,
            _ => throw new ArgumentOutOfRangeException(nameof(stage)),
        };
}

/// <summary>
/// A journey: a definition document (<c>type = journey</c>, in the definitions container like
/// event types) mapping event types to the stages Awareness, Consideration and Action. Its report
/// is a funnel whose steps are the stages (a step is satisfied by any of the stage's event types),
/// with <see cref="ConversionWindow"/> as the window. Immutable; compares by value, so an
/// unchanged save is a no-op.
/// </summary>
public sealed record JourneyDefinition
{
    /// <summary><c>[a-z][a-z0-9-]{0,47}</c>, not ending with '-': short enough for report ids <c>{key}-{yyyy-MM-dd}</c>.</summary>
    public required string Key { get; init; }

    public required string DisplayName { get; init; }

    public string? Description { get; init; }

    public JourneyStages Stages { get; init; } = new();

    /// <summary>An ISO 8601 duration (days, hours, minutes, seconds; at most 90 days), stored in canonical form.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string ConversionWindow { get; init; } = "P30D";

    /// <summary>Increments with every change; reports record the version they were computed with.</summary>
    public int Version { get; init; } = 1;

    [JsonIgnore]
    public TimeSpan Window => IsoDuration.Parse(ConversionWindow);

    /// <summary>The journey as a funnel query over [from, to).</summary>
    public FunnelQuery ToFunnel(DateTimeOffset from, DateTimeOffset to) =>
        new([.. Enum.GetValues<JourneyStage>().Select(s => new FunnelStep(Stages[s]))], Window, from, to);
}

/// <summary>One stage of a journey report: who reached it, and who of them did not reach the next stage.</summary>
public sealed record JourneyStageReport(
    JourneyStage Stage,
    IReadOnlyList<string> EventTypes,
    long Reached,
    long? DroppedOff,
    double? DropOffRate
);

/// <summary>A journey's report over [From, To), computed at <see cref="ComputedAt"/>.</summary>
public sealed record JourneyReport(
    string Journey,
    int JourneyVersion,
    DateTimeOffset From,
    DateTimeOffset To,
    string ConversionWindow,
    DateTimeOffset ComputedAt,
    IReadOnlyList<JourneyStageReport> Stages
)
{
    public static JourneyReport Of(JourneyDefinition journey, FunnelResult funnel, DateTimeOffset computedAt)
    {
        var stages = Enum.GetValues<JourneyStage>();
        var reports = new List<JourneyStageReport>(stages.Length);
        for (var i = 0; i < stages.Length; i++)
        {
            var reached = funnel.Steps[i].Count;
            long? droppedOff = i + 1 < stages.Length ? reached - funnel.Steps[i + 1].Count : null;
            reports.Add(
                new JourneyStageReport(
                    stages[i],
                    [.. journey.Stages[stages[i]]],
                    reached,
                    droppedOff,
                    droppedOff is { } lost ? FunnelResult.Rate(lost, reached) : null
                )
            );
        }
        return new JourneyReport(
            journey.Key,
            journey.Version,
            funnel.Query.From,
            funnel.Query.To,
            journey.ConversionWindow,
            computedAt,
            reports
        );
    }
}

/// <summary>
/// Journey definitions: CRUD with ETags and versions over the definitions container (partition
/// <c>journey</c>). No cache: journeys are read by staff and by the daily report timer, never on
/// a hot path, so every read is current (a snapshot is every journey read from the store).
/// </summary>
public sealed partial class JourneyRegistry(
    IDocumentStore store,
    FunnelService funnels,
    TimeProvider time,
    ILogger<JourneyRegistry> logger,
    Audit.AuditLog? audit = null
) : DefinitionTypeRegistry<JourneyDefinition, IReadOnlyList<DefinitionRecord<JourneyDefinition>>>(store, time, cache: null, Document)
{
    public const string Document = "journey";

    public const int MaxKeyLength = 48;

    public const int MaxEventTypesPerStage = 20;

    public async ValueTask<DefinitionRecord<JourneyDefinition>> GetAsync(string key, CancellationToken cancellationToken)
    {
        if (!IsJourneyKey(key))
        {
            throw new NotFoundException("Journey", key);
        }
        return await ReadAsync<JourneyDefinition>(Document, key, cancellationToken) ?? throw new NotFoundException("Journey", key);
    }

    /// <summary>Every journey, in key order (the report timer's input).</summary>
    public async IAsyncEnumerable<JourneyDefinition> AllAsync(
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken
    )
    {
        foreach (var record in await GetSnapshotAsync(cancellationToken))
        {
            yield return record.Definition;
        }
    }

    protected override async Task<IReadOnlyList<DefinitionRecord<JourneyDefinition>>> LoadAsync(CancellationToken cancellationToken) =>
        await LoadAllAsync<JourneyDefinition>(Document, cancellationToken);

    public async Task DeleteAsync(string key, string? ifMatch, CancellationToken cancellationToken)
    {
        var current = await GetAsync(key, cancellationToken);
        await DeleteDocumentAsync(current.Document, ifMatch, cancellationToken);
        LogDeleted(logger, key);
        if (audit is not null)
        {
            await audit.RecordAsync(Audit.AuditActions.JourneyDeleted, Document, key, cancellationToken: cancellationToken);
        }
    }

    /// <summary>The journey's report over [from, to), as of now.</summary>
    public async Task<JourneyReport> ReportAsync(
        JourneyDefinition journey,
        DateTimeOffset from,
        DateTimeOffset to,
        CancellationToken cancellationToken
    )
    {
        var computedAt = Time.GetUtcNow();
        var funnel = await funnels.RunAsync(journey.ToFunnel(from, to), cancellationToken);
        return JourneyReport.Of(journey, funnel, computedAt);
    }

    protected override async Task<DefinitionRecord<JourneyDefinition>> SaveAsync(
        JourneyDefinition journey,
        string? ifMatch,
        bool create,
        CancellationToken cancellationToken
    )
    {
        journey = Validate(journey);
        var current = create ? null : await GetAsync(journey.Key, cancellationToken);
        journey = journey with { Version = current?.Definition.Version ?? 1 };
        var (saved, written) = await WriteAsync(
            Document,
            journey.Key,
            journey,
            current,
            ifMatch,
            j => j with { Version = j.Version + 1 },
            cancellationToken
        );
        if (!written)
        {
            return saved;
        }
        LogSaved(logger, saved.Definition.Key, saved.Definition.Version);
        if (audit is not null)
        {
            await audit.RecordAsync(
                Audit.AuditActions.JourneySaved,
                Document,
                saved.Definition.Key,
                details: new { created = create, version = saved.Definition.Version },
                cancellationToken: cancellationToken
            );
        }
        return saved;
    }

    protected override string KeyOf(JourneyDefinition definition) => definition.Key;

    /// <summary>Journey keys: a lower-case letter, then up to 47 lower-case letters, digits or '-', not ending with '-'.</summary>
    public static bool IsJourneyKey(string? key) => key is { Length: <= MaxKeyLength } && DefinitionRules.IsKey(key);

    /// <summary>Checks a journey and returns it with its window in canonical form; every problem has its pointer.</summary>
    public static JourneyDefinition Validate(JourneyDefinition journey)
    {
        var errors = new List<FieldError>();
        if (!IsJourneyKey(journey.Key))
        {
            errors.Add(
                new("/key", "key", $"1-{MaxKeyLength} lower-case letters, digits or '-', starting with a letter, not ending with '-'.")
            );
        }
        if (string.IsNullOrWhiteSpace(journey.DisplayName) || journey.DisplayName.Length > 100)
        {
            errors.Add(new("/displayName", "display-name", "Must be 1-100 characters."));
        }
        if (journey.Description is { Length: > 1000 })
        {
            errors.Add(new("/description", "max-length", "Must be at most 1000 characters."));
        }
        var seen = new Dictionary<string, JourneyStage>(StringComparer.Ordinal);
        foreach (var stage in Enum.GetValues<JourneyStage>())
        {
            var pointer = "/stages/" + Name(stage);
            var types = journey.Stages[stage];
            if (types.Count == 0)
            {
                errors.Add(new(pointer, "min-items", $"The {Name(stage)} stage needs at least one event type."));
            }
            else if (types.Count > MaxEventTypesPerStage)
            {
                errors.Add(new(pointer, "max-items", $"A stage has at most {MaxEventTypesPerStage} event types."));
            }
            for (var i = 0; i < types.Count; i++)
            {
                if (!EventTypeRegistry.IsEventTypeKey(types[i]))
                {
                    errors.Add(new($"{pointer}/{i}", "event-type", "An event type: [a-z][a-z0-9_.-]{0,63}."));
                }
                else if (seen.TryGetValue(types[i], out var other))
                {
                    errors.Add(
                        new(
                            $"{pointer}/{i}",
                            "duplicate",
                            $"'{types[i]}' is already in the {Name(other)} stage; an event maps to one stage."
                        )
                    );
                }
                else
                {
                    seen[types[i]] = stage;
                }
            }
        }
        var window = journey.ConversionWindow;
        if (!IsoDuration.TryParse(window, out var parsed) || parsed > FunnelQuery.MaxWindow)
        {
            errors.Add(
                new(
                    "/conversionWindow",
                    "duration",
                    "An ISO 8601 duration of at most 90 days (days, hours, minutes, seconds), such as P7D or PT12H."
                )
            );
        }
        else
        {
            window = IsoDuration.Format(parsed);
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, $"The journey '{journey.Key}' is not valid.");
        }
        return journey with { ConversionWindow = window };
    }

    /// <summary>The stage as the API spells it (<c>awareness</c>, ...).</summary>
    public static string Name(JourneyStage stage) => stage.ToString().ToLowerInvariant();

    [LoggerMessage(EventId = 1600, Level = LogLevel.Information, Message = "Journey {Key} saved (version {Version})")]
    private static partial void LogSaved(ILogger logger, string key, int version);

    [LoggerMessage(EventId = 1601, Level = LogLevel.Information, Message = "Journey {Key} deleted")]
    private static partial void LogDeleted(ILogger logger, string key);
}
