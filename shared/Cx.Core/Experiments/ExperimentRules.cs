using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Events;
using Cx.Core.Flags;

namespace Cx.Core.Experiments;

/// <summary>The checks of an experiment document at save; every problem is a <see cref="FieldError"/> with its JSON Pointer.</summary>
public static class ExperimentRules
{
    public const int MaxVariations = 10;
    public const int MaxGuardrails = 10;
    public const int DefaultWindowHours = 168;

    public static void Validate(
        ExperimentDefinition e,
        ExperimentDefinition? current,
        IReadOnlySet<string>? serves,
        List<FieldError> errors
    )
    {
        if (!DefinitionRules.IsKey(e.Key))
        {
            errors.Add(
                new(
                    "/key",
                    "key",
                    "1-64 lower-case letters, digits or '-', starting with a letter and not ending with '-', such as checkout-test."
                )
            );
        }
        if (string.IsNullOrWhiteSpace(e.Name) || e.Name.Length > 200)
        {
            errors.Add(new("/name", "required", "A name of 1-200 characters."));
        }
        ValidateVariations(e, serves, errors);
        if (e.PrimaryMetric is null)
        {
            errors.Add(new("/primaryMetric", "required", "The metric that decides the experiment."));
        }
        else
        {
            ValidateMetric(e.PrimaryMetric, "/primaryMetric", errors);
            if (e.PrimaryMetric.ToleratedHarm is not null)
            {
                errors.Add(
                    new(
                        "/primaryMetric/toleratedHarm",
                        "not-allowed",
                        "A tolerated harm belongs to a guardrail; the primary metric must improve."
                    )
                );
            }
        }
        if (e.Guardrails.Count > MaxGuardrails)
        {
            errors.Add(new("/guardrails", "max-items", $"At most {MaxGuardrails} guardrails."));
        }
        var metricKeys = new HashSet<string>(StringComparer.Ordinal);
        if (e.PrimaryMetric is { } primary)
        {
            metricKeys.Add(primary.Key);
        }
        for (var i = 0; i < e.Guardrails.Count; i++)
        {
            var at = "/guardrails/" + i;
            ValidateMetric(e.Guardrails[i], at, errors);
            if (!metricKeys.Add(e.Guardrails[i].Key))
            {
                errors.Add(new(at + "/key", "duplicate", $"The metric key '{e.Guardrails[i].Key}' is used twice."));
            }
        }
        ValidateDates(e, errors);
        ValidateStatus(e, current, errors);
    }

    private static void ValidateVariations(ExperimentDefinition e, IReadOnlySet<string>? serves, List<FieldError> errors)
    {
        if (e.Variations.Count is < 2 or > MaxVariations)
        {
            errors.Add(new("/variations", "count", $"A control and 1-{MaxVariations - 1} variants: 2-{MaxVariations} variations."));
        }
        var keys = new HashSet<string>(StringComparer.Ordinal);
        long sum = 0;
        var weightsValid = true;
        for (var i = 0; i < e.Variations.Count; i++)
        {
            var v = e.Variations[i];
            var at = "/variations/" + i;
            if (!DefinitionRules.IsKey(v.Key))
            {
                errors.Add(
                    new(at + "/key", "key", "1-64 lower-case letters, digits or '-', starting with a letter, such as control or one-page.")
                );
            }
            else if (!keys.Add(v.Key))
            {
                errors.Add(new(at + "/key", "duplicate", $"The variation key '{v.Key}' is used twice."));
            }
            if (v.Weight is < 0 or > FlagBuckets.Buckets)
            {
                errors.Add(new(at + "/weight", "range", "A weight in basis points: 0-10000."));
                weightsValid = false;
            }
            sum += v.Weight;
            if (string.IsNullOrEmpty(v.Serves))
            {
                errors.Add(new(at + "/serves", "required", "The flag variation or placement variant this arm serves."));
            }
            else if (serves is not null && !serves.Contains(v.Serves))
            {
                errors.Add(new(at + "/serves", "unknown-variation", $"The target has no variation or variant '{v.Serves}'."));
            }
        }
        if (weightsValid && e.Variations.Count > 0 && sum != FlagBuckets.Buckets)
        {
            errors.Add(new("/variations", "sum", $"The weights sum to {sum}; they must sum to 10000 (basis points)."));
        }
        if (string.IsNullOrEmpty(e.Control))
        {
            errors.Add(new("/control", "required", "The key of the control variation."));
        }
        else if (!keys.Contains(e.Control))
        {
            errors.Add(new("/control", "unknown-variation", $"No variation '{e.Control}'."));
        }
    }

    private static void ValidateMetric(ExperimentMetric metric, string at, List<FieldError> errors)
    {
        if (!DefinitionRules.IsKey(metric.Key))
        {
            errors.Add(new(at + "/key", "key", "1-64 lower-case letters, digits or '-', such as purchase-rate."));
        }
        if (!EventTypeRegistry.IsEventTypeKey(metric.Event))
        {
            errors.Add(new(at + "/event", "event-type", "An event type: a lower-case letter, then up to 63 of a-z 0-9 _ . -"));
        }
        if (metric.Kind == ExperimentMetricKind.Conversion)
        {
            if (metric.Property is not null)
            {
                errors.Add(new(at + "/property", "not-allowed", "A conversion counts events; sum and mean read a property."));
            }
        }
        else if (string.IsNullOrWhiteSpace(metric.Property) || metric.Property.Length > 128)
        {
            errors.Add(new(at + "/property", "required", "The numeric event property to sum or average (1-128 characters)."));
        }
        if (metric.WindowHours is < 1 or > 8760)
        {
            errors.Add(new(at + "/windowHours", "range", "1-8760 hours after exposure."));
        }
        if (metric.ToleratedHarm is { } harm && !(harm >= 0 && harm < 1))
        {
            errors.Add(
                new(at + "/toleratedHarm", "range", "The harm tolerated relative to the control's mean: 0 to below 1 (0.02 = 2 %).")
            );
        }
    }

    private static void ValidateDates(ExperimentDefinition e, List<FieldError> errors)
    {
        DateTimeOffset start = default;
        DateTimeOffset end = default;
        var startOk = e.Start is not null && Instants.TryParse(e.Start, out start);
        var endOk = e.PlannedEnd is not null && Instants.TryParse(e.PlannedEnd, out end);
        if (!startOk)
        {
            errors.Add(new("/start", "instant", "The start: an ISO 8601 instant such as 2026-12-01T00:00:00Z."));
        }
        if (!endOk)
        {
            errors.Add(new("/plannedEnd", "instant", "The planned end: an ISO 8601 instant such as 2026-12-31T00:00:00Z."));
        }
        if (startOk && endOk && end <= start)
        {
            errors.Add(new("/plannedEnd", "after-start", "The planned end must be after the start."));
        }
    }

    /// <summary>Status moves forward (draft → running ⇄ paused → ended); once started, what a unit is assigned cannot change.</summary>
    private static void ValidateStatus(ExperimentDefinition e, ExperimentDefinition? current, List<FieldError> errors)
    {
        var from = current?.Status;
        var allowed = (from, e.Status) switch
        {
            (null, ExperimentStatus.Draft or ExperimentStatus.Running) => true,
            (null, _) => false,
            var (f, t) when f == t => true,
            (ExperimentStatus.Draft, _) => true,
            (ExperimentStatus.Running, ExperimentStatus.Paused or ExperimentStatus.Ended) => true,
            (ExperimentStatus.Paused, ExperimentStatus.Running or ExperimentStatus.Ended) => true,
            _ => false,
        };
        if (!allowed)
        {
            errors.Add(
                new(
                    "/status",
                    "transition",
                    from is null
                        ? "A new experiment is draft or running."
                        : $"An experiment goes draft → running ⇄ paused → ended; not {ExperimentService.Status(from.Value)} → {ExperimentService.Status(e.Status)}."
                )
            );
        }
        if (current is null || current.Status == ExperimentStatus.Draft)
        {
            return;
        }
        // Started: the arms, their weights, the unit and the target are what assignment hashes; they stay.
        if (e.Target != current.Target)
        {
            errors.Add(new("/target", "locked", "The target of a started experiment cannot change."));
        }
        if (e.Unit != current.Unit)
        {
            errors.Add(new("/unit", "locked", "The unit of a started experiment cannot change."));
        }
        if (e.Control != current.Control)
        {
            errors.Add(new("/control", "locked", "The control of a started experiment cannot change."));
        }
        if (!e.Variations.Equals(current.Variations))
        {
            errors.Add(new("/variations", "locked", "The variations and weights of a started experiment cannot change: units would move."));
        }
    }
}
