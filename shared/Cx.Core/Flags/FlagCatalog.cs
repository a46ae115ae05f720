using System.Collections.Frozen;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Profiles;
using Cx.Core.Rules;
using Microsoft.Extensions.Logging;

namespace Cx.Core.Flags;

/// <summary>
/// The published flags of this instance compiled into a <see cref="FlagSet"/>, rebuilt when a flag
/// document or the customer schema changes (both cached with bounded staleness by their
/// registries). Only releases are compiled: drafts never reach evaluation. A rule whose criteria no
/// longer parse against the schema (a field was removed) never matches and is logged.
/// </summary>
public sealed partial class FlagCatalog(FlagRegistry registry, ContentTypeRegistry content, ILogger<FlagCatalog> logger) : IDisposable
{
    private readonly FingerprintedValue<FlagSet> _current = new();

    /// <summary>The set last returned with the snapshot and schema it came from: the same two objects need no fingerprint.</summary>
    private volatile Compiled? _last;

    private sealed record Compiled(FlagSnapshot Snapshot, ContentSchema Schema, FlagSet Set);

    public async ValueTask<FlagSet> GetAsync(CancellationToken cancellationToken)
    {
        var snapshot = await registry.GetAllAsync(cancellationToken);
        var schema = await content.GetSchemaAsync(CustomerProfile.TypeKey, cancellationToken);
        if (_last is { } last && ReferenceEquals(last.Snapshot, snapshot) && ReferenceEquals(last.Schema, schema))
        {
            return last.Set;
        }
        var set = await _current.GetAsync(
            schema.VersionFingerprint + "#" + snapshot.Fingerprint,
            (snapshot, schema, logger),
            static (state, fingerprint) =>
                Build(
                    state.snapshot.Flags.Values.Select(r => r.Definition.Published).OfType<FlagRelease>(),
                    state.schema,
                    fingerprint,
                    state.logger
                ),
            cancellationToken
        );
        _last = new Compiled(snapshot, schema, set);
        return set;
    }

    public void Dispose() => _current.Dispose();

    /// <summary>Compiles releases on one slot table (published here; tests and benchmarks build sets directly).</summary>
    public static FlagSet Build(IEnumerable<FlagRelease> releases, ContentSchema schema, string fingerprint, ILogger? logger = null)
    {
        var ordered = releases.OrderBy(r => r.FlagKey, StringComparer.Ordinal).ToArray();
        var index = ordered.Select((r, i) => (r.FlagKey, i)).ToFrozenDictionary(p => p.FlagKey, p => p.i, StringComparer.Ordinal);
        var slots = new RuleSlots(schema);
        var compiled = new CompiledFlag[ordered.Length];
        for (var i = 0; i < ordered.Length; i++)
        {
            compiled[i] = Compile(ordered[i], ordered, index, slots, schema, logger);
        }
        return new FlagSet(compiled, index, slots, fingerprint);
    }

    private static CompiledFlag Compile(
        FlagRelease release,
        FlagRelease[] ordered,
        FrozenDictionary<string, int> index,
        RuleSlots slots,
        ContentSchema schema,
        ILogger? logger
    )
    {
        var flag = release.Flag;
        var variations = flag.Variations.Select(v => v.Key).ToList();
        var prerequisites = new List<(int, int)>();
        foreach (var prerequisite in flag.Prerequisites)
        {
            // A prerequisite that is not published, or whose release lacks the variation, can never pass (-2 matches nothing).
            var target = index.GetValueOrDefault(prerequisite.Flag, -1);
            var variation = target < 0 ? -2 : IndexOfVariation(ordered[target].Flag, prerequisite.Variation);
            prerequisites.Add((target, variation < 0 ? -2 : variation));
        }
        var rules = new CompiledFlagRule[flag.Rules.Count];
        for (var i = 0; i < rules.Length; i++)
        {
            var rule = flag.Rules[i];
            CompiledRule? criteria = null;
            if (rule.Criteria is not null)
            {
                try
                {
                    criteria = RuleCompiler.Compile(FlagRules.ParseCriteria(rule.Criteria.Parse(), schema, "/criteria"), slots);
                }
                catch (ValidationException ex)
                {
                    if (logger is not null)
                    {
                        LogBroken(logger, flag.Key, i, string.Join("; ", ex.Errors.Select(e => $"{e.Path}: {e.Detail}")));
                    }
                    criteria = static (_, _) => false;
                }
            }
            rules[i] = new CompiledFlagRule(criteria, [.. rule.Segments], CompileServe(rule.Serve!, variations));
        }
        return new CompiledFlag(
            release,
            flag.Enabled,
            Math.Max(0, variations.IndexOf(flag.OffVariation)),
            [.. prerequisites],
            rules,
            flag.Fallthrough is null ? null : CompileServe(flag.Fallthrough, variations)
        );
    }

    private static int IndexOfVariation(FlagDefinition flag, string key)
    {
        for (var i = 0; i < flag.Variations.Count; i++)
        {
            if (flag.Variations[i].Key == key)
            {
                return i;
            }
        }
        return -1;
    }

    private static CompiledServe CompileServe(FlagServe serve, List<string> variations) =>
        serve.Rollout is { } rollout
            ? new CompiledServe(
                -1,
                rollout.Coverage,
                [.. rollout.Weights.Select(w => w.Weight)],
                [.. rollout.Weights.Select(w => variations.IndexOf(w.Variation))]
            )
            : new CompiledServe(variations.IndexOf(serve.Variation!), 0, [], []);

    [LoggerMessage(
        EventId = 2401,
        Level = LogLevel.Error,
        Message = "Rule {Rule} of flag {Key} never matches: its criteria no longer fit the customer schema ({Problems})"
    )]
    private static partial void LogBroken(ILogger logger, string key, int rule, string problems);
}
