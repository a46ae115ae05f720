using Cx.Core.Audit;
using Microsoft.Extensions.Options;

namespace Cx.Core.Experiments;

/// <summary>
/// The work of the significance orchestration's activities: which experiments to analyze, the
/// per-arm aggregation of exposures and metrics with the statistics of <see cref="ExperimentStatistics"/>,
/// and the idempotent, audited write of a decision into the experiment document.
/// </summary>
public sealed class ExperimentSignificance(
    ExperimentRegistry registry,
    IExperimentEventReader reader,
    AuditLog audit,
    TimeProvider time,
    IOptions<ExperimentOptions> options
)
{
    public const string Decided = "experiment.decided";

    /// <summary>Running experiments without a winner, by key.</summary>
    public async Task<string[]> ListRunningAsync(CancellationToken cancellationToken)
    {
        var snapshot = await registry.GetAllAsync(cancellationToken);
        return
        [
            .. snapshot
                .Experiments.Values.Where(r => r.Definition.Status == ExperimentStatus.Running && r.Definition.Winner is null)
                .Select(r => r.Definition.Key)
                .Order(StringComparer.Ordinal),
        ];
    }

    /// <summary>Aggregates the exposures and metrics of an experiment per arm and computes its analysis (writes nothing).</summary>
    public async Task<ExperimentAnalysis> AnalyzeAsync(string runId, string key, CancellationToken cancellationToken)
    {
        var record = await registry.ReadCurrentAsync(key, cancellationToken) ?? throw new Common.NotFoundException("Experiment", key);
        var experiment = record.Definition;
        var customerUnit = experiment.Unit == ExperimentUnit.Customer;
        var prefix = customerUnit ? "c:" : "a:";
        // Identify merges anonymous history into a customer: the links touching this experiment's units.
        var links = new List<UnitLink>();
        await reader.ScanLinksAsync(key, links.Add, cancellationToken);
        var customerOf = new Dictionary<int, UnitLink>();
        foreach (var link in links)
        {
            customerOf[link.AnonymousSubjectId] = link;
        }
        var units = new Dictionary<int, int>();
        var arms = new List<int>();
        var exposedAt = new List<long>();
        await reader.ScanExposuresAsync(
            key,
            row =>
            {
                var subjectId = row.SubjectId;
                var subject = row.Subject;
                if (customerUnit && customerOf.TryGetValue(subjectId, out var link))
                {
                    // An exposure sent under an anonymous id that joined a customer is the customer's.
                    (subjectId, subject) = (link.CustomerSubjectId, link.CustomerSubject);
                }
                if (!subject.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return;
                }
                if (units.TryGetValue(subjectId, out var known))
                {
                    exposedAt[known] = Math.Min(exposedAt[known], row.TimestampMs); // the first exposure starts the window
                    return;
                }
                units[subjectId] = arms.Count;
                arms.Add(ExperimentService.Pick(experiment, ExperimentService.Bucket(key, subject[prefix.Length..])));
                exposedAt.Add(row.TimestampMs);
            },
            cancellationToken
        );
        AttributeLinkedSubjects(customerUnit, links, units, exposedAt);
        var declared = new List<(ExperimentMetric Metric, string Role)>();
        if (experiment.PrimaryMetric is { } primary)
        {
            declared.Add((primary, "primary"));
        }
        declared.AddRange(experiment.Guardrails.Select(g => (g, "guardrail")));
        var samples = new MetricSample[declared.Count][];
        // One scan per event type for every metric that reads it.
        foreach (var group in declared.Select((d, i) => (d.Metric, Index: i)).GroupBy(x => x.Metric.Event, StringComparer.Ordinal))
        {
            var aggregated = await AggregateAsync(experiment, [.. group.Select(x => x.Metric)], units, arms, exposedAt, cancellationToken);
            var k = 0;
            foreach (var (_, index) in group)
            {
                samples[index] = aggregated[k++];
            }
        }
        var metrics = declared.Select((d, i) => (d.Metric, d.Role, samples[i])).ToList();
        return Analyze(experiment, runId, time.GetUtcNow(), metrics, options.Value);
    }

    /// <summary>
    /// Maps the other side of each identity link onto the unit, so its events count for the unit once:
    /// for customer units, the customer's anonymous ids; for anonymous units, the customer an exposed
    /// anonymous id joined (when several of the customer's anonymous ids were exposed, the first exposed
    /// one takes the customer's events, so none is counted twice).
    /// </summary>
    private static void AttributeLinkedSubjects(bool customerUnit, List<UnitLink> links, Dictionary<int, int> units, List<long> exposedAt)
    {
        var linked = new List<(int SubjectId, int Unit)>();
        foreach (var link in links)
        {
            if (customerUnit)
            {
                if (units.TryGetValue(link.CustomerSubjectId, out var unit) && !units.ContainsKey(link.AnonymousSubjectId))
                {
                    linked.Add((link.AnonymousSubjectId, unit));
                }
            }
            else if (units.TryGetValue(link.AnonymousSubjectId, out var unit) && !units.ContainsKey(link.CustomerSubjectId))
            {
                linked.Add((link.CustomerSubjectId, unit));
            }
        }
        foreach (var (subjectId, unit) in linked)
        {
            if (!units.TryGetValue(subjectId, out var other) || (other != unit && exposedAt[unit] < exposedAt[other]))
            {
                units[subjectId] = unit;
            }
        }
    }

    /// <summary>
    /// The decision from per-arm samples (pure): SRM over the exposed units, per metric CUPED then each
    /// treatment against the control, Benjamini-Hochberg over every (metric, treatment) always-valid
    /// p-value, then the winner rule (docs/experiments.md, "Significance").
    /// </summary>
    public static ExperimentAnalysis Analyze(
        ExperimentDefinition experiment,
        string runId,
        DateTimeOffset now,
        IReadOnlyList<(ExperimentMetric Metric, string Role, MetricSample[] Samples)> metrics,
        ExperimentOptions settings
    )
    {
        var variations = experiment.Variations;
        var control = Math.Max(0, variations.Items.IndexOf(variations.FirstOrDefault(v => v.Key == experiment.Control)!));
        var counts = metrics.Count > 0 ? metrics[0].Samples.Select(s => s.Units).ToArray() : new long[variations.Count];
        var srm = ExperimentStatistics.SampleRatio(counts, [.. variations.Select(v => (double)v.Weight)]);
        var sampleRatio = new SampleRatioResult
        {
            ChiSquare = srm.ChiSquare,
            DegreesOfFreedom = srm.DegreesOfFreedom,
            PValue = srm.PValue,
            Mismatch = srm.Mismatch,
            Arms =
            [
                .. variations.Select(
                    (v, i) =>
                        new ArmUnits
                        {
                            Variation = v.Key,
                            Units = counts[i],
                            Weight = v.Weight,
                        }
                ),
            ],
        };
        var comparisons = new List<(int Metric, int Arm, Comparison Comparison)>();
        var thetas = new double[metrics.Count];
        var moments = new Moments[metrics.Count][];
        for (var m = 0; m < metrics.Count; m++)
        {
            var conversion = metrics[m].Metric.Kind == ExperimentMetricKind.Conversion;
            var (theta, adjusted) = ExperimentStatistics.Cuped(metrics[m].Samples);
            if (theta == 0)
            {
                adjusted = [.. metrics[m].Samples.Select(s => s.ToMoments(conversion))];
            }
            thetas[m] = theta;
            moments[m] = adjusted;
            for (var a = 0; a < variations.Count; a++)
            {
                if (a != control)
                {
                    comparisons.Add(
                        (m, a, ExperimentStatistics.Compare(adjusted[control], adjusted[a], conversion, settings.Alpha, settings.Mixing))
                    );
                }
            }
        }
        // A guardrail with a tolerated harm enters the family with its test against the margin.
        var margins = comparisons
            .Select(c =>
                metrics[c.Metric].Role == "guardrail" && metrics[c.Metric].Metric.ToleratedHarm is { } tolerance
                    ? ExperimentStatistics.Margin(
                        moments[c.Metric][control],
                        moments[c.Metric][c.Arm],
                        metrics[c.Metric].Metric.Kind == ExperimentMetricKind.Conversion,
                        metrics[c.Metric].Metric.Direction == ExperimentMetricDirection.Decrease,
                        tolerance,
                        settings.Alpha,
                        settings.Mixing
                    )
                    : null
            )
            .ToArray();
        var adjustedP = ExperimentStatistics.BenjaminiHochberg([
            .. comparisons.Select((c, i) => margins[i]?.SequentialPValue ?? c.Comparison.SequentialPValue),
        ]);
        bool Significant(int index) => adjustedP[index] < settings.Alpha;
        double Gain((int Metric, int Arm, Comparison Comparison) c) =>
            metrics[c.Metric].Metric.Direction == ExperimentMetricDirection.Decrease ? -c.Comparison.Effect : c.Comparison.Effect;
        // Harmed: significantly against the metric's direction, past the margin when it tolerates harm.
        bool Harmed(int index) => Significant(index) && (margins[index] is { } m ? m.Beyond : Gain(comparisons[index]) < 0);

        var results = new MetricResult[metrics.Count];
        for (var m = 0; m < metrics.Count; m++)
        {
            var armResults = new ArmResult[variations.Count];
            for (var a = 0; a < variations.Count; a++)
            {
                var index = comparisons.FindIndex(c => c.Metric == m && c.Arm == a);
                var c = index >= 0 ? comparisons[index].Comparison : null;
                armResults[a] = new ArmResult
                {
                    Variation = variations[a].Key,
                    Units = moments[m][a].Units,
                    Mean = moments[m][a].Mean,
                    Effect = Finite(c?.Effect),
                    RelativeEffect = Finite(c?.RelativeEffect),
                    Lower = Finite(c?.Lower),
                    Upper = Finite(c?.Upper),
                    SequentialLower = Finite(c?.SequentialLower),
                    SequentialUpper = Finite(c?.SequentialUpper),
                    PValue = Finite(c?.PValue),
                    SequentialPValue = Finite(c?.SequentialPValue),
                    AdjustedPValue = index >= 0 ? adjustedP[index] : null,
                    Significant = index >= 0 && Significant(index),
                    Margin = index >= 0 ? margins[index]?.Boundary : null,
                    MarginPValue = index >= 0 ? margins[index]?.PValue : null,
                    MarginSequentialPValue = index >= 0 ? margins[index]?.SequentialPValue : null,
                    Harmed = index >= 0 && metrics[m].Role == "guardrail" ? Harmed(index) : null,
                };
            }
            results[m] = new MetricResult
            {
                Metric = metrics[m].Metric.Key,
                Role = metrics[m].Role,
                Kind = metrics[m].Metric.Kind.ToString().ToLowerInvariant(),
                Direction = metrics[m].Metric.Direction.ToString().ToLowerInvariant(),
                Theta = thetas[m],
                Arms = armResults,
            };
        }

        string decision;
        string? winner = null;
        if (counts.Any(n => n < settings.MinUnitsPerArm))
        {
            decision = ExperimentDecisions.TooFewUnits;
        }
        else if (srm.Mismatch)
        {
            decision = ExperimentDecisions.SampleRatioMismatch;
        }
        else
        {
            // Gains are effects signed by each metric's direction (a decrease metric improves when it falls).
            // A treatment wins when it significantly improves the primary metric (the largest such gain
            // among several); the control wins when every treatment is significantly worse than it. A
            // guardrail is harmed when the winning treatment moves it significantly against its direction
            // (beyond its tolerated harm when it declares one: a non-inferiority test against the margin).
            var primary = comparisons.Select((c, i) => (c, i)).Where(x => x.c.Metric == 0).ToList();
            var better = primary.Where(x => Significant(x.i) && Gain(x.c) > 0).OrderByDescending(x => Gain(x.c)).ToList();
            int? winning =
                better.Count > 0 ? better[0].c.Arm
                : primary.Count > 0 && primary.All(x => Significant(x.i) && Gain(x.c) < 0) ? control
                : null;
            if (winning is not { } arm)
            {
                decision = ExperimentDecisions.NoDecision;
            }
            else if (arm != control && comparisons.Select((c, i) => (c, i)).Any(x => x.c.Metric > 0 && x.c.Arm == arm && Harmed(x.i)))
            {
                decision = ExperimentDecisions.GuardrailHarmed;
            }
            else
            {
                decision = ExperimentDecisions.Winner;
                winner = variations[arm].Key;
            }
        }
        return new ExperimentAnalysis
        {
            Experiment = experiment.Key,
            RunId = runId,
            ComputedAt = now,
            Decision = decision,
            Winner = winner,
            Losers = winner is null ? [] : [.. variations.Where(v => v.Key != winner).Select(v => v.Key)],
            Alpha = settings.Alpha,
            Mixing = settings.Mixing,
            SampleRatio = sampleRatio,
            Metrics = results,
        };
    }

    /// <summary>
    /// Writes a winning analysis into its experiment: winner, archived losers, the analysis, and the
    /// status (ended, or running with the winner promoted). Idempotent: a document that already holds
    /// this run's analysis, or any winner, or is no longer running is left as it is; the write is
    /// conditional on the ETag read, and audited (<c>experiment.decided</c> with the run id).
    /// </summary>
    public async Task<string> WriteAsync(ExperimentAnalysis analysis, CancellationToken cancellationToken)
    {
        if (analysis.Decision != ExperimentDecisions.Winner || analysis.Winner is null)
        {
            return "no-decision";
        }
        var current = await registry.ReadCurrentAsync(analysis.Experiment, cancellationToken);
        if (current is null)
        {
            return "experiment-gone";
        }
        var e = current.Definition;
        if (e.Analysis?.RunId == analysis.RunId)
        {
            return "already-written";
        }
        if (e.Winner is not null || e.Status != ExperimentStatus.Running)
        {
            return "already-decided";
        }
        var promote = options.Value.PromoteWinner;
        var decided = e with
        {
            Winner = analysis.Winner,
            Promoted = promote ? true : null,
            Status = promote ? ExperimentStatus.Running : ExperimentStatus.Ended,
            ArchivedVariations = [.. analysis.Losers],
            Analysis = analysis,
        };
        await registry.SaveAsync(decided, current, null, cancellationToken);
        await audit.RecordAsync(
            Decided,
            ExperimentDocuments.Experiment,
            e.Key,
            details: new
            {
                runId = analysis.RunId,
                winner = analysis.Winner,
                archived = analysis.Losers,
                promoted = promote,
                status = ExperimentService.Status(decided.Status),
            },
            cancellationToken: cancellationToken
        );
        return "written";
    }

    /// <summary>Per metric (all over the same event type) and arm, the samples of the exposed units: one scan of that type.</summary>
    private async Task<MetricSample[][]> AggregateAsync(
        ExperimentDefinition experiment,
        ExperimentMetric[] metrics,
        Dictionary<int, int> units,
        List<int> arms,
        List<long> exposedAt,
        CancellationToken cancellationToken
    )
    {
        var result = metrics.Select(_ => new MetricSample[experiment.Variations.Count]).ToArray();
        if (units.Count == 0)
        {
            return result;
        }
        var pre = TimeSpan.FromDays(options.Value.PrePeriodDays).Ticks / TimeSpan.TicksPerMillisecond;
        var windows = metrics
            .Select(m => TimeSpan.FromHours(m.WindowHours ?? ExperimentRules.DefaultWindowHours).Ticks / TimeSpan.TicksPerMillisecond)
            .ToArray();
        var properties = metrics
            .Where(m => m.Kind != ExperimentMetricKind.Conversion && m.Property is not null)
            .Select(m => m.Property!)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var propertyOf = metrics
            .Select(m => m.Kind == ExperimentMetricKind.Conversion || m.Property is null ? -1 : properties.IndexOf(m.Property))
            .ToArray();
        var ySum = metrics.Select(_ => new double[arms.Count]).ToArray();
        var yCount = metrics.Select(_ => new int[arms.Count]).ToArray();
        var xSum = metrics.Select(_ => new double[arms.Count]).ToArray();
        var xCount = metrics.Select(_ => new int[arms.Count]).ToArray();
        var from = exposedAt.Min() - pre;
        var to = exposedAt.Max() + windows.Max();
        await reader.ScanEventsAsync(
            metrics[0].Event,
            properties,
            from,
            to,
            (subjectId, timestampMs, values) =>
            {
                if (!units.TryGetValue(subjectId, out var u))
                {
                    return;
                }
                var at = exposedAt[u];
                for (var m = 0; m < metrics.Length; m++)
                {
                    double v;
                    if (propertyOf[m] < 0)
                    {
                        v = 1;
                    }
                    else if (values[propertyOf[m]] is { } number)
                    {
                        v = number;
                    }
                    else
                    {
                        continue;
                    }
                    if (timestampMs >= at && timestampMs <= at + windows[m])
                    {
                        ySum[m][u] += v;
                        yCount[m][u]++;
                    }
                    else if (timestampMs < at && timestampMs >= at - pre)
                    {
                        xSum[m][u] += v;
                        xCount[m][u]++;
                    }
                }
            },
            cancellationToken
        );
        for (var m = 0; m < metrics.Length; m++)
        {
            var samples = result[m];
            for (var u = 0; u < arms.Count; u++)
            {
                double y,
                    x;
                switch (metrics[m].Kind)
                {
                    case ExperimentMetricKind.Conversion:
                        y = yCount[m][u] > 0 ? 1 : 0;
                        x = xCount[m][u] > 0 ? 1 : 0;
                        break;
                    case ExperimentMetricKind.Mean:
                        y = yCount[m][u] > 0 ? ySum[m][u] / yCount[m][u] : 0;
                        x = xCount[m][u] > 0 ? xSum[m][u] / xCount[m][u] : 0;
                        break;
                    default:
                        y = ySum[m][u];
                        x = xSum[m][u];
                        break;
                }
                samples[arms[u]] = samples[arms[u]].Add(y, x);
            }
        }
        return result;
    }

    private static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;
}
