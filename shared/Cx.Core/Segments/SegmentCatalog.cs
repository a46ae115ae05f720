using System.Collections.Frozen;
using Cx.Core.Analytics;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Profiles;
using Cx.Core.Rules;
using Microsoft.Extensions.Logging;

namespace Cx.Core.Segments;

/// <summary>
/// A segment's rule compiled once per rule version into a delegate over the catalog's shared slot
/// table, with what it reads: the behaviour slots to fetch, the event types that can change it,
/// whether profile fields or time matter.
/// </summary>
public sealed class CompiledSegment
{
    internal CompiledSegment(SegmentDefinition definition, Condition condition, CompiledRule rule, RuleSlots slots)
    {
        Definition = definition;
        Condition = condition;
        Rule = rule;
        var reads = new Reads();
        reads.Visit(condition, slots);
        BehaviorSlots = [.. reads.Behaviors.Order()];
        EventTypes = reads.EventTypes.ToFrozenSet(StringComparer.Ordinal);
        ReadsFields = reads.Fields;
        TimeDependent = reads.Time;
    }

    public SegmentDefinition Definition { get; }

    public string Key => Definition.Key;

    public int Version => Definition.Version;

    public Condition Condition { get; }

    public CompiledRule Rule { get; }

    /// <summary>The behaviour slots of the catalog's table this rule reads.</summary>
    public int[] BehaviorSlots { get; }

    /// <summary>Event types whose aggregates the rule reads: a batch of these may change membership.</summary>
    public IReadOnlySet<string> EventTypes { get; }

    public bool ReadsBehavior => BehaviorSlots.Length > 0;

    /// <summary>Reads profile fields: a profile change may change membership.</summary>
    public bool ReadsFields { get; }

    /// <summary>Depends on "now" (rolling windows, relative dates): time alone may change membership.</summary>
    public bool TimeDependent { get; }

    private sealed class Reads
    {
        public HashSet<int> Behaviors { get; } = [];

        public HashSet<string> EventTypes { get; } = new(StringComparer.Ordinal);

        public bool Fields { get; private set; }

        public bool Time { get; private set; }

        public void Visit(Condition condition, RuleSlots slots)
        {
            switch (condition)
            {
                case AllOf all:
                    foreach (var child in all.Conditions)
                    {
                        Visit(child, slots);
                    }
                    break;
                case AnyOf any:
                    foreach (var child in any.Conditions)
                    {
                        Visit(child, slots);
                    }
                    break;
                case Not not:
                    Visit(not.Condition, slots);
                    break;
                case Comparison or RegexMatch:
                    Fields = true;
                    break;
                case RelativeDateComparison:
                    Fields = true;
                    Time = true;
                    break;
                case BehaviorCondition behavior:
                    Behaviors.Add(slots.Behavior(behavior.Key));
                    EventTypes.Add(behavior.EventType);
                    Time |= behavior.Window is not null || behavior.When is not null;
                    break;
            }
        }
    }
}

/// <summary>
/// Every segment compiled against one customer schema: one slot table shared by all rules (a
/// profile's fields are read once for all of them), the active segments, and every known key
/// (paused and archived included) for the membership projection.
/// </summary>
public sealed class SegmentSet
{
    internal SegmentSet(
        ContentSchema schema,
        RuleSlots slots,
        IReadOnlyList<CompiledSegment> active,
        FrozenDictionary<string, SegmentDefinition> all,
        string fingerprint
    )
    {
        Schema = schema;
        Slots = slots;
        Active = active;
        ActiveByKey = active.ToFrozenDictionary(s => s.Key, StringComparer.Ordinal);
        All = all;
        Fingerprint = fingerprint;
        ReadsInteractions = slots.Fields.Any(f => f.Path.Segments[0] == "interactionHistory");
    }

    public ContentSchema Schema { get; }

    /// <summary>The shared slot table. Complete once built: never register into it afterwards.</summary>
    public RuleSlots Slots { get; }

    public IReadOnlyList<CompiledSegment> Active { get; }

    public FrozenDictionary<string, CompiledSegment> ActiveByKey { get; }

    /// <summary>Every segment document by key, whatever its status.</summary>
    public FrozenDictionary<string, SegmentDefinition> All { get; }

    public string Fingerprint { get; }

    /// <summary>Some active rule reads the profile's interaction history (its system entries are then filtered out).</summary>
    public bool ReadsInteractions { get; }

    /// <summary>The active segments that read at least one of <paramref name="eventTypes"/> (every behavioural one when empty).</summary>
    public IReadOnlyList<CompiledSegment> ReadingEvents(IReadOnlyCollection<string> eventTypes) =>
        [.. Active.Where(s => s.ReadsBehavior && (eventTypes.Count == 0 || eventTypes.Any(s.EventTypes.Contains)))];
}

/// <summary>
/// The compiled segments of this instance, rebuilt when a segment document or the customer
/// schema changes (both are cached with bounded staleness by their registries). A segment whose
/// rule no longer parses against the schema (a custom field was removed) is left out and logged,
/// so one broken rule cannot stop segmentation.
/// </summary>
public sealed partial class SegmentCatalog(SegmentRegistry registry, ContentTypeRegistry content, ILogger<SegmentCatalog> logger)
    : IDisposable
{
    private readonly FingerprintedValue<SegmentSet> _current = new();

    public async ValueTask<SegmentSet> GetAsync(CancellationToken cancellationToken)
    {
        var snapshot = await registry.GetAllAsync(cancellationToken);
        var schema = await content.GetSchemaAsync(CustomerProfile.TypeKey, cancellationToken);
        return await _current.GetAsync(
            schema.VersionFingerprint + "#" + snapshot.Fingerprint,
            (catalog: this, snapshot, schema),
            static (state, fingerprint) => state.catalog.Build(state.snapshot, state.schema, fingerprint),
            cancellationToken
        );
    }

    public void Dispose() => _current.Dispose();

    /// <summary>Compiles one segment on its own slot table (previews, dry runs, explanations).</summary>
    public static (CompiledRule Rule, RuleSlots Slots) CompileAlone(Condition condition, ContentSchema schema)
    {
        var slots = new RuleSlots(schema);
        var rule = RuleCompiler.Compile(condition, slots);
        return (rule, slots);
    }

    private SegmentSet Build(SegmentSnapshot snapshot, ContentSchema schema, string fingerprint)
    {
        var slots = new RuleSlots(schema);
        var active = new List<CompiledSegment>();
        foreach (var (key, record) in snapshot.Segments.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            if (record.Definition.Status != SegmentStatus.Active || record.Definition.Criteria is null)
            {
                continue;
            }
            try
            {
                var condition = SegmentRules.ParseCriteria(record.Definition.Criteria.Parse(), schema, "/criteria");
                active.Add(new CompiledSegment(record.Definition, condition, RuleCompiler.Compile(condition, slots), slots));
            }
            catch (Common.ValidationException ex)
            {
                LogBroken(logger, key, string.Join("; ", ex.Errors.Select(e => $"{e.Path}: {e.Detail}")));
            }
        }
        return new SegmentSet(
            schema,
            slots,
            active,
            snapshot.Segments.ToFrozenDictionary(s => s.Key, s => s.Value.Definition, StringComparer.Ordinal),
            fingerprint
        );
    }

    /// <summary>Maps a behaviour slot of a rule to the query the behaviour store answers.</summary>
    public static BehaviorQuery ToQuery(BehaviorKey key) =>
        new(
            key.EventType,
            key.Aggregate switch
            {
                BehaviorFunction.Count => BehaviorAggregate.Count,
                BehaviorFunction.Sum => BehaviorAggregate.Sum,
                BehaviorFunction.Min => BehaviorAggregate.Min,
                BehaviorFunction.Max => BehaviorAggregate.Max,
                BehaviorFunction.Avg => BehaviorAggregate.Avg,
                BehaviorFunction.Distinct => BehaviorAggregate.Distinct,
                BehaviorFunction.First => BehaviorAggregate.First,
                _ => BehaviorAggregate.Last,
            },
            key.Property,
            key.Window
        );

    /// <summary>The value a rule compares: a number, the time of the first/last event in Unix ms, NaN when there is none.</summary>
    public static double ToFact(BehaviorResult result) =>
        result.Aggregate is BehaviorAggregate.First or BehaviorAggregate.Last
            ? result.At is { } at
                ? at.ToUnixTimeMilliseconds()
                : double.NaN
            : result.Number is { } number
                ? (double)number
                : double.NaN;

    [LoggerMessage(
        EventId = 2101,
        Level = LogLevel.Error,
        Message = "Segment {Key} is left out of evaluation: its rule no longer fits the customer schema ({Problems})"
    )]
    private static partial void LogBroken(ILogger logger, string key, string problems);
}
