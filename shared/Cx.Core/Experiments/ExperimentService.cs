using System.Text.Json;
using Cx.Core.Audit;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Events;
using Cx.Core.Flags;
using Cx.Core.Personalization;
using Microsoft.Extensions.Options;

namespace Cx.Core.Experiments;

/// <summary>
/// The arm a unit is assigned to, its bucket, the exposure event that records it, whether that event
/// was appended, and whether the time was inside the experiment's start and planned end.
/// </summary>
public sealed record ExperimentAssignment(
    ExperimentDefinition Experiment,
    ExperimentVariation Variation,
    int Bucket,
    string ExposureEventId,
    bool Exposed = false,
    bool InWindow = true
);

/// <summary>
/// Experiments as the API offers them: documents that staff create, change and delete (validated
/// at save with JSON Pointers, audited), and the deterministic assignment of a unit to an arm of a
/// running experiment, which also appends the unit's <c>experiment.exposure</c> event (one per
/// unit and experiment: the event id names the experiment and the processor drops repeats).
/// </summary>
public sealed class ExperimentService(
    ExperimentRegistry registry,
    FlagRegistry flags,
    PlacementRegistry placements,
    IEventStream stream,
    AuditLog audit,
    TimeProvider time,
    IOptions<ExperimentOptions> options
)
{
    public const string Saved = "experiment.saved";
    public const string Deleted = "experiment.deleted";

    public ValueTask<(IReadOnlyList<StoredDocument> Items, Keyset? Next)> ListAsync(
        int limit,
        Keyset? after,
        CancellationToken cancellationToken
    ) => registry.ListAsync(limit, after, cancellationToken);

    public async Task<DefinitionRecord<ExperimentDefinition>> GetAsync(string key, CancellationToken cancellationToken) =>
        await registry.ReadCurrentAsync(key, cancellationToken) ?? throw new NotFoundException("Experiment", key);

    public async Task<DefinitionRecord<ExperimentDefinition>> CreateAsync(
        ExperimentDefinition experiment,
        CancellationToken cancellationToken
    )
    {
        // The outcome fields are the significance run's to write, never a client's.
        experiment = experiment with
        {
            Winner = null,
            Promoted = null,
            ArchivedVariations = [],
            Analysis = null,
        };
        await ValidateAsync(experiment, null, cancellationToken);
        var snapshot = await registry.GetAllAsync(cancellationToken);
        if (snapshot.Experiments.ContainsKey(experiment.Key))
        {
            throw new ConflictException("exists", $"The experiment '{experiment.Key}' exists; replace it with PUT.");
        }
        if (snapshot.Experiments.Count >= options.Value.MaxExperiments)
        {
            throw new ConflictException("limit", $"At most {options.Value.MaxExperiments} experiments (Cx:Experiments:MaxExperiments).");
        }
        var (record, _) = await registry.SaveAsync(experiment, null, null, cancellationToken);
        await audit.RecordAsync(
            Saved,
            ExperimentDocuments.Experiment,
            experiment.Key,
            details: new { outcome = "created", status = Status(experiment.Status) },
            cancellationToken: cancellationToken
        );
        return record;
    }

    /// <summary>Replaces an experiment under If-Match; an unchanged document writes nothing.</summary>
    public async Task<DefinitionRecord<ExperimentDefinition>> ReplaceAsync(
        string key,
        ExperimentDefinition experiment,
        string? ifMatch,
        CancellationToken cancellationToken
    )
    {
        if (experiment.Key != key)
        {
            throw new ValidationException(
                new FieldError("/key", "key-mismatch", $"The key in the body must equal the key in the URL ('{key}').")
            );
        }
        var current = await registry.ReadCurrentAsync(key, cancellationToken) ?? throw new NotFoundException("Experiment", key);
        // The outcome fields the significance run wrote are kept whatever the body says.
        experiment = experiment with
        {
            Winner = current.Definition.Winner,
            Promoted = current.Definition.Promoted,
            ArchivedVariations = current.Definition.ArchivedVariations,
            Analysis = current.Definition.Analysis,
        };
        await ValidateAsync(experiment, current.Definition, cancellationToken);
        var (record, written) = await registry.SaveAsync(experiment, current, ifMatch, cancellationToken);
        if (written)
        {
            await audit.RecordAsync(
                Saved,
                ExperimentDocuments.Experiment,
                key,
                details: new
                {
                    outcome = "changed",
                    from = Status(current.Definition.Status),
                    status = Status(experiment.Status),
                },
                cancellationToken: cancellationToken
            );
        }
        return record;
    }

    /// <summary>Deletes a draft; an experiment that ever ran is kept (end it instead): 409.</summary>
    public async Task DeleteAsync(string key, string? ifMatch, CancellationToken cancellationToken)
    {
        var current = await registry.ReadCurrentAsync(key, cancellationToken) ?? throw new NotFoundException("Experiment", key);
        if (current.Definition.Status != ExperimentStatus.Draft)
        {
            throw new ConflictException(
                "experiment-started",
                $"The experiment '{key}' is {Status(current.Definition.Status)}: only drafts are deleted; set its status to ended to stop it."
            );
        }
        await registry.DeleteAsync(current, ifMatch, cancellationToken);
        await audit.RecordAsync(Deleted, ExperimentDocuments.Experiment, key, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Assigns <paramref name="unitId"/> to an arm of the running experiment <paramref name="key"/>
    /// and, when <paramref name="expose"/>, appends its exposure event.
    /// </summary>
    public async Task<ExperimentAssignment> AssignAsync(string key, string unitId, bool expose, CancellationToken cancellationToken)
    {
        var snapshot = await registry.GetAllAsync(cancellationToken);
        if (!snapshot.Experiments.TryGetValue(key, out var record))
        {
            throw new NotFoundException("Experiment", key);
        }
        var experiment = record.Definition;
        if (experiment.Status != ExperimentStatus.Running)
        {
            throw new ConflictException(
                "experiment-not-running",
                $"The experiment '{key}' is {Status(experiment.Status)}: only a running experiment assigns units."
            );
        }
        var bucket = Bucket(key, unitId);
        var variation = experiment.Variations[Pick(experiment, bucket)];
        if (experiment is { Promoted: true, Winner: { } winner })
        {
            // A promoted winner serves every unit.
            variation = experiment.Variations.First(v => v.Key == winner);
        }
        var eventId = ExperimentDocuments.ExposureEventId(key);
        var now = time.GetUtcNow();
        if (!InWindow(experiment, now))
        {
            // Before the start or from the planned end on, every unit gets the control and no exposure is recorded.
            return new ExperimentAssignment(
                experiment,
                experiment.Variations.First(v => v.Key == experiment.Control),
                bucket,
                eventId,
                false,
                false
            );
        }
        if (expose)
        {
            var properties = JsonSerializer.SerializeToUtf8Bytes(
                new Dictionary<string, object>
                {
                    ["experiment"] = key,
                    ["variation"] = variation.Key,
                    ["serves"] = variation.Serves,
                    ["bucket"] = bucket,
                },
                CxJson.SerializerOptions
            );
            await stream.AppendAsync(
                [
                    new TrackedEvent
                    {
                        Id = eventId,
                        Type = ExperimentDocuments.ExposureEvent,
                        CustomerId = experiment.Unit == ExperimentUnit.Customer ? unitId : null,
                        AnonymousId = experiment.Unit == ExperimentUnit.Anonymous ? unitId : null,
                        Timestamp = now,
                        ReceivedAt = now,
                        Custom = true,
                        Properties = properties,
                    },
                ],
                cancellationToken
            );
        }
        return new ExperimentAssignment(experiment, variation, bucket, eventId, expose);
    }

    /// <summary>Whether <paramref name="now"/> is within [start, plannedEnd) of the experiment (a missing or unreadable bound does not limit).</summary>
    public static bool InWindow(ExperimentDefinition experiment, DateTimeOffset now) =>
        !(experiment.Start is { } start && Instants.TryParse(start, out var from) && now < from)
        && !(experiment.PlannedEnd is { } end && Instants.TryParse(end, out var until) && now >= until);

    /// <summary>
    /// The bucket (0-9,999) of a unit in an experiment: the flags' algorithm (<see cref="FlagBuckets"/>) over
    /// <c>"experiment:" + key + ":" + unitId</c>, so an experiment and a flag of the same key bucket independently.
    /// </summary>
    public static int Bucket(string experimentKey, string unitId) => FlagBuckets.Bucket("experiment:" + experimentKey, unitId);

    /// <summary>The index of the arm a bucket falls in: the buckets are cut in the order of the variations by their weights.</summary>
    public static int Pick(ExperimentDefinition experiment, int bucket)
    {
        Span<int> weights = stackalloc int[experiment.Variations.Count];
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = experiment.Variations[i].Weight;
        }
        var index = FlagBuckets.Pick(bucket, FlagBuckets.Buckets, weights);
        return index >= 0 ? index : weights.Length - 1;
    }

    public static string Status(ExperimentStatus status) => status.ToString().ToLowerInvariant();

    private async Task ValidateAsync(ExperimentDefinition experiment, ExperimentDefinition? current, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        var serves = await ServesAsync(experiment.Target, errors, cancellationToken);
        ExperimentRules.Validate(experiment, current, serves, errors);
        if (errors.Count > 0)
        {
            throw new ValidationException(errors);
        }
    }

    /// <summary>The keys the target can serve (flag variations, placement variants); null when the target is invalid (errors added).</summary>
    private async Task<IReadOnlySet<string>?> ServesAsync(
        ExperimentTarget? target,
        List<FieldError> errors,
        CancellationToken cancellationToken
    )
    {
        if (target is null)
        {
            errors.Add(
                new("/target", "required", "Name the flag or the placement the experiment tests: {\"flag\": key} or {\"placement\": key}.")
            );
            return null;
        }
        if ((target.Flag is null) == (target.Placement is null))
        {
            errors.Add(new("/target", "one-of", "Exactly one of flag and placement."));
            return null;
        }
        if (target.Flag is { } flagKey)
        {
            if (!(await flags.GetAllAsync(cancellationToken)).Flags.TryGetValue(flagKey, out var flag))
            {
                errors.Add(new("/target/flag", "unknown-flag", $"No flag '{flagKey}'."));
                return null;
            }
            var keys = new HashSet<string>(flag.Definition.Variations.Select(v => v.Key), StringComparer.Ordinal);
            keys.UnionWith(flag.Definition.Published?.Flag.Variations.Select(v => v.Key) ?? []);
            return keys;
        }
        if (!(await placements.GetAllAsync(cancellationToken)).Placements.TryGetValue(target.Placement!, out var placement))
        {
            errors.Add(new("/target/placement", "unknown-placement", $"No placement '{target.Placement}'."));
            return null;
        }
        return new HashSet<string>(placement.Definition.Variants.Select(v => v.Key), StringComparer.Ordinal);
    }
}
