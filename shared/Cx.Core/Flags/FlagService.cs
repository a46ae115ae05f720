using System.Text.Json;
using Cx.Core.Audit;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Identity;
using Cx.Core.Profiles;
using Cx.Core.Segments;

namespace Cx.Core.Flags;

/// <summary>One evaluated flag: the compiled flag, the result, and the served variation's key and value (null on error).</summary>
public sealed record FlagEvaluation(CompiledFlag Flag, FlagResult Result)
{
    public string Key => Flag.Key;

    public FlagVariation? Variation => Result.Variation >= 0 ? Flag.Definition.Variations[Result.Variation] : null;
}

/// <summary>
/// Feature flags as the API offers them: drafts that editors save (validated, audited), publishing a
/// draft as the next release (history kept, audited), and evaluation of releases for a unit: the
/// context's attributes are the facts rules read, the unit's segments come from its stored profile,
/// and a unit placed by a rollout has that placement stored so it keeps its variation.
/// </summary>
public sealed class FlagService(
    FlagRegistry registry,
    FlagCatalog catalog,
    SegmentRegistry segments,
    ContentTypeRegistry content,
    EntryService entries,
    IDocumentStore store,
    AuditLog audit,
    TimeProvider time,
    Microsoft.Extensions.Options.IOptions<FlagOptions> options
)
{
    public const string Saved = "flag.saved";
    public const string Published = "flag.published";
    public const string Deleted = "flag.deleted";

    /// <summary>The attribute of the evaluation context that names the unit (OpenFeature's targeting key).</summary>
    public const string TargetingKey = "targetingKey";

    public ValueTask<(IReadOnlyList<StoredDocument> Items, Keyset? Next)> ListAsync(
        int limit,
        Keyset? after,
        CancellationToken cancellationToken
    ) => registry.ListAsync(limit, after, cancellationToken);

    public async Task<DefinitionRecord<FlagDefinition>> GetAsync(string key, CancellationToken cancellationToken) =>
        await registry.ReadCurrentAsync(key, cancellationToken) ?? throw new NotFoundException("Flag", key);

    public ValueTask<DocumentPage> ListVersionsAsync(string key, int limit, Keyset? after, CancellationToken cancellationToken) =>
        registry.ListVersionsAsync(key, limit, after, cancellationToken);

    public async Task<DefinitionRecord<FlagDefinition>> CreateAsync(FlagDefinition flag, CancellationToken cancellationToken)
    {
        flag = flag with { Published = null };
        await ValidateAsync(flag, cancellationToken);
        if ((await registry.GetAllAsync(cancellationToken)).Flags.Count >= options.Value.MaxFlags)
        {
            throw new ConflictException("limit", $"At most {options.Value.MaxFlags} flags (Cx:Flags:MaxFlags); delete one first.");
        }
        var (record, _) = await registry.SaveDraftAsync(flag, null, null, cancellationToken);
        await audit.RecordAsync(
            Saved,
            FlagDocuments.Flag,
            flag.Key,
            details: new { outcome = "created" },
            cancellationToken: cancellationToken
        );
        return record;
    }

    /// <summary>Replaces the draft (the release stays until the next publish); an unchanged draft writes nothing.</summary>
    public async Task<DefinitionRecord<FlagDefinition>> ReplaceAsync(
        string key,
        FlagDefinition flag,
        string? ifMatch,
        CancellationToken cancellationToken
    )
    {
        if (flag.Key != key)
        {
            throw new ValidationException(
                new FieldError("/key", "key-mismatch", $"The key in the body must equal the key in the URL ('{key}').")
            );
        }
        var current = await registry.ReadCurrentAsync(key, cancellationToken) ?? throw new NotFoundException("Flag", key);
        flag = flag with { Published = current.Definition.Published };
        await ValidateAsync(flag, cancellationToken);
        var (record, written) = await registry.SaveDraftAsync(flag, current, ifMatch, cancellationToken);
        if (written)
        {
            await audit.RecordAsync(
                Saved,
                FlagDocuments.Flag,
                key,
                details: new { outcome = "changed" },
                cancellationToken: cancellationToken
            );
        }
        return record;
    }

    /// <summary>
    /// Publishes the draft as the next release (validated again: segments and other flags may have
    /// changed since it was saved; prerequisites are checked for cycles among the releases too).
    /// Publishing a draft equal to the current release writes nothing.
    /// </summary>
    public async Task<DefinitionRecord<FlagDefinition>> PublishAsync(string key, string? ifMatch, CancellationToken cancellationToken)
    {
        var current = await registry.ReadCurrentAsync(key, cancellationToken) ?? throw new NotFoundException("Flag", key);
        if (ifMatch is not null && ifMatch != "*" && ifMatch != current.Document.ETag)
        {
            throw new ETagMismatchException(current.Document.Key);
        }
        var draft = current.Definition with { Published = null };
        if (current.Definition.Published is { } live && live.Flag == draft)
        {
            return current;
        }
        await ValidateAsync(draft, cancellationToken, releasesOnly: true);
        var release = new FlagRelease
        {
            FlagKey = key,
            Version = (current.Definition.Published?.Version ?? 0) + 1,
            PublishedAt = Instants.Format(time.GetUtcNow()),
            PublishedBy = CurrentActor.Get().Describe(),
            Flag = draft,
        };
        var published = await registry.PublishAsync(current, release, ifMatch, cancellationToken);
        await audit.RecordAsync(
            Published,
            FlagDocuments.Flag,
            key,
            details: new { version = release.Version },
            cancellationToken: cancellationToken
        );
        return published;
    }

    /// <summary>Deletes a flag that no other flag names as a prerequisite (409 otherwise).</summary>
    public async Task DeleteAsync(string key, string? ifMatch, CancellationToken cancellationToken)
    {
        var current = await registry.ReadCurrentAsync(key, cancellationToken) ?? throw new NotFoundException("Flag", key);
        var snapshot = await registry.GetAllAsync(cancellationToken);
        var dependents = snapshot
            .Flags.Values.Where(r =>
                r.Definition.Key != key
                && (
                    r.Definition.Prerequisites.Any(p => p.Flag == key)
                    || (r.Definition.Published?.Flag.Prerequisites.Any(p => p.Flag == key) ?? false)
                )
            )
            .Select(r => r.Definition.Key)
            .ToList();
        if (dependents.Count > 0)
        {
            throw new ConflictException(
                "flag-in-use",
                $"The flag '{key}' is a prerequisite of {string.Join(", ", dependents)}; remove it there first."
            );
        }
        await registry.DeleteAsync(current, ifMatch, cancellationToken);
        await audit.RecordAsync(Deleted, FlagDocuments.Flag, key, cancellationToken: cancellationToken);
    }

    /// <summary>Evaluates one published flag for a context (404 when the flag has no release).</summary>
    public async Task<FlagEvaluation> EvaluateAsync(
        string key,
        JsonElement context,
        string contextPointer,
        CancellationToken cancellationToken
    )
    {
        var set = await catalog.GetAsync(cancellationToken);
        var index = set.IndexOf(key);
        if (index < 0)
        {
            throw new NotFoundException("Flag", key);
        }
        var results = await EvaluateAsync(set, [index], context, contextPointer, cancellationToken);
        return results[0];
    }

    /// <summary>Evaluates every published flag for a context, in key order.</summary>
    public async Task<(FlagSet Set, IReadOnlyList<FlagEvaluation> Results)> EvaluateAllAsync(
        JsonElement context,
        string contextPointer,
        CancellationToken cancellationToken
    )
    {
        var set = await catalog.GetAsync(cancellationToken);
        return (set, await EvaluateAsync(set, [.. Enumerable.Range(0, set.Flags.Length)], context, contextPointer, cancellationToken));
    }

    /// <summary>The unit id of a context: its <c>targetingKey</c> (400 when it is not 1-64 letters, digits, '-' or '_').</summary>
    public static string? ReadUnit(JsonElement context, string contextPointer)
    {
        if (context.ValueKind != JsonValueKind.Object)
        {
            throw new ValidationException(new FieldError(contextPointer, "type", "The evaluation context is a JSON object."));
        }
        if (!context.TryGetProperty(TargetingKey, out var unit) || unit.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return unit.ValueKind == JsonValueKind.String && Ids.IsValidClientId(unit.GetString())
            ? unit.GetString()
            : throw new ValidationException(
                new FieldError(
                    JsonPointer.Append(contextPointer, TargetingKey),
                    "targeting-key",
                    "targetingKey is the unit id (a customer or anonymous id): 1-64 letters, digits, '-' or '_'."
                )
            );
    }

    private async Task<IReadOnlyList<FlagEvaluation>> EvaluateAsync(
        FlagSet set,
        int[] indexes,
        JsonElement context,
        string contextPointer,
        CancellationToken cancellationToken
    )
    {
        var unit = ReadUnit(context, contextPointer);
        var facts = set.Slots.Load(context, unit ?? "");
        IReadOnlySet<string>? memberOf = null;
        ExposureView? exposures = null;
        string? exposureETag = null;
        if (unit is not null)
        {
            // Every flag (the bulk evaluation): the set knows; a few flags: ask each.
            var all = indexes.Length == set.Flags.Length;
            if (all ? set.AnyReadsSegments : indexes.Any(i => ReachesSegments(set, i)))
            {
                memberOf = await ReadSegmentsAsync(unit, cancellationToken);
            }
            if (all ? set.AnyRollout : indexes.Any(i => set.Flags[i].HasRollout))
            {
                var (stored, etag) = await registry.ReadExposuresAsync(unit, cancellationToken);
                exposures = new ExposureView(set, stored);
                exposureETag = etag;
            }
        }
        var switches = await ReadSwitchesAsync(set, indexes, cancellationToken);
        var evaluationContext = new FlagContext(unit, facts, memberOf, time.GetUtcNow().ToUnixTimeMilliseconds(), exposures, switches);
        var results = new FlagEvaluation[indexes.Length];
        var placements = new List<(string Flag, string Variation, int Version)>();
        for (var i = 0; i < indexes.Length; i++)
        {
            var flag = set.Flags[indexes[i]];
            var result = FlagEvaluator.Evaluate(set, indexes[i], evaluationContext);
            if (result.NewExposure)
            {
                placements.Add((flag.Key, flag.Definition.Variations[result.Variation].Key, flag.Release.Version));
            }
            results[i] = new FlagEvaluation(flag, result);
        }
        if (placements.Count > 0)
        {
            // One write stores every first placement of this request; a placement another request
            // stored first wins, so the flags it concerns are evaluated again with what is stored.
            var stored = await registry.RecordExposuresAsync(unit!, placements, exposureETag, cancellationToken);
            var view = new ExposureView(set, stored);
            var again = new FlagContext(unit, facts, memberOf, evaluationContext.NowMs, view, switches);
            for (var i = 0; i < indexes.Length; i++)
            {
                if (results[i].Result.NewExposure && stored.GetValueOrDefault(results[i].Key) != results[i].Variation?.Key)
                {
                    results[i] = new FlagEvaluation(set.Flags[indexes[i]], FlagEvaluator.Evaluate(set, indexes[i], again));
                }
            }
        }
        return results;
    }

    /// <summary>
    /// The <c>flag_active</c> switches of the flags evaluated and their prerequisites, read from their
    /// entries now (each entry once); a missing entry or a value that is not <c>true</c> is off.
    /// </summary>
    private async Task<SwitchView?> ReadSwitchesAsync(FlagSet set, int[] indexes, CancellationToken cancellationToken)
    {
        if (!set.AnyContentSwitch)
        {
            return null; // no flag of the set has a switch, so neither has any prerequisite: nothing to read
        }
        var reached = new HashSet<int>();
        var pending = new Stack<int>(indexes);
        while (pending.TryPop(out var index))
        {
            if (index >= 0 && reached.Add(index))
            {
                foreach (var (prerequisite, _) in set.Flags[index].Prerequisites)
                {
                    pending.Push(prerequisite);
                }
            }
        }
        var off = new bool[set.Flags.Length];
        var any = false;
        var documents = new Dictionary<(string, string?), JsonElement?>();
        foreach (var index in reached)
        {
            if (set.Flags[index].Definition.ContentSwitch is not { } contentSwitch)
            {
                continue;
            }
            any = true;
            var key = (contentSwitch.ContentType, contentSwitch.Entry);
            if (!documents.TryGetValue(key, out var entry))
            {
                documents[key] = entry = await ReadEntryAsync(contentSwitch, cancellationToken);
            }
            off[index] = !IsOn(entry, contentSwitch.Path);
        }
        return any ? new SwitchView(off) : null;
    }

    private async Task<JsonElement?> ReadEntryAsync(FlagContentSwitch contentSwitch, CancellationToken cancellationToken)
    {
        try
        {
            var document = contentSwitch.Entry is null
                ? await entries.GetSingleAsync(contentSwitch.ContentType, cancellationToken)
                : await entries.GetAsync(contentSwitch.ContentType, contentSwitch.Entry, cancellationToken);
            using var json = JsonDocument.Parse(document.Json);
            return json.RootElement.Clone();
        }
        catch (NotFoundException)
        {
            return null; // The entry (or its type) is gone: the switch is off.
        }
    }

    private static bool IsOn(JsonElement? entry, string path)
    {
        if (entry is not { } current || FlagRules.SwitchSegments(path) is not { } segments)
        {
            return false;
        }
        foreach (var segment in segments)
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(segment, out current))
            {
                return false;
            }
        }
        return current.ValueKind == JsonValueKind.True;
    }

    private sealed class SwitchView(bool[] off) : IFlagSwitches
    {
        public bool IsOff(int flagIndex) => off[flagIndex];
    }

    private static bool ReachesSegments(FlagSet set, int index)
    {
        var flag = set.Flags[index];
        return flag.ReadsSegments || flag.Prerequisites.Any(p => p.Flag >= 0 && p.Flag != index && set.Flags[p.Flag].ReadsSegments);
    }

    private async Task<IReadOnlySet<string>> ReadSegmentsAsync(string unit, CancellationToken cancellationToken)
    {
        var profile = await store.ReadAsync(Containers.Customers, new DocumentKey(unit, unit), cancellationToken);
        if (profile is null || profile.Type != CustomerProfile.TypeKey)
        {
            return new HashSet<string>();
        }
        using var json = JsonDocument.Parse(profile.Json);
        return SegmentProfiles.ReadMembership(json.RootElement).Keys.ToHashSet(StringComparer.Ordinal);
    }

    private async Task ValidateAsync(FlagDefinition flag, CancellationToken cancellationToken, bool releasesOnly = false)
    {
        var schema = await content.GetSchemaAsync(CustomerProfile.TypeKey, cancellationToken);
        var flags = await registry.GetAllAsync(cancellationToken);
        var segmentSet = await segments.GetAllAsync(cancellationToken);
        ContentSchema? switchSchema = null;
        if (flag.ContentSwitch is { ContentType: var switchType } && DefinitionRules.IsKey(switchType))
        {
            try
            {
                switchSchema = await content.GetSchemaAsync(switchType, cancellationToken);
            }
            catch (NotFoundException)
            {
                // Reported by the rules as an unknown content type.
            }
        }
        FlagRules.Validate(flag, schema, new Lookup(flags, segmentSet, flag.Key, releasesOnly, switchSchema));
    }

    /// <summary>Other flags as validation sees them: drafts when saving; releases (and this draft) when publishing.</summary>
    private sealed class Lookup(FlagSnapshot flags, SegmentSnapshot segments, string self, bool releases, ContentSchema? switchSchema)
        : FlagRules.ILookup
    {
        private FlagDefinition? Find(string key) =>
            key == self || !flags.Flags.TryGetValue(key, out var record) ? null
            : releases ? record.Definition.Published?.Flag
            : record.Definition;

        public IReadOnlyList<string>? VariationsOf(string flagKey) => Find(flagKey)?.Variations.Select(v => v.Key).ToList();

        public IEnumerable<string> PrerequisitesOf(string flagKey) => Find(flagKey)?.Prerequisites.Select(p => p.Flag) ?? [];

        public bool SegmentExists(string segmentKey) => segments.Segments.ContainsKey(segmentKey);

        public ContentSchema? ContentTypeSchema(string typeKey) => switchSchema?.Key == typeKey ? switchSchema : null;
    }

    private sealed class ExposureView(FlagSet set, IReadOnlyDictionary<string, string> stored) : IFlagExposureView
    {
        public int Find(int flagIndex)
        {
            var flag = set.Flags[flagIndex];
            if (!stored.TryGetValue(flag.Key, out var variation))
            {
                return -1;
            }
            for (var i = 0; i < flag.Definition.Variations.Count; i++)
            {
                if (flag.Definition.Variations[i].Key == variation)
                {
                    return i;
                }
            }
            return -1;
        }
    }
}
