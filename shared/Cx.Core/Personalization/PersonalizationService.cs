using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Events;
using Cx.Core.Profiles;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cx.Core.Personalization;

/// <summary>Who a decision is for and in which context.</summary>
public sealed record DecisionRequest
{
    public required IReadOnlyList<string> Placements { get; init; }

    /// <summary>The customer (a customer token's own id, or the explicit id of a server-to-server call).</summary>
    public string? CustomerId { get; init; }

    /// <summary>An anonymous visitor: the default audience (no profile), hashed by this id.</summary>
    public string? AnonymousId { get; init; }

    public RequestContext Context { get; init; } = RequestContext.Empty;

    /// <summary>The visitor's IANA time zone when the profile has none (for <c>request.localHour</c>).</summary>
    public string? TimeZone { get; init; }

    /// <summary>A preview: no exposures, nothing stored, not logged.</summary>
    public bool Preview { get; init; }

    /// <summary>A preview's hypothetical profile (instead of, or over, the stored one).</summary>
    public JsonObject? Profile { get; init; }

    /// <summary>A preview's hypothetical segment keys (instead of the profile's membership).</summary>
    public IReadOnlyList<string>? Segments { get; init; }
}

/// <summary>One placement's answer with its entry (null when nothing is served).</summary>
public sealed record PlacementAnswer(Decision Decision, StoredDocument? Entry, string ContentType);

/// <summary>The answer of a decision request.</summary>
public sealed record DecisionResult(
    string DecisionId,
    string? CustomerId,
    string? AnonymousId,
    IReadOnlyList<string> Segments,
    IReadOnlyList<PlacementAnswer> Placements,
    DateTimeOffset At
);

/// <summary>
/// The decision service: reads the placement catalog, the customer's profile (segments, stage,
/// language, time zone) and holdout assignments, decides every asked placement with the pure
/// <see cref="DecisionEngine"/>, reads the chosen entries (a variant whose entry is missing or no
/// longer valid for its type is never served), stores new holdout draws, appends exposure events
/// (once per customer, placement, variant and day, by event id) and samples the decision log.
/// </summary>
public sealed partial class PersonalizationService(
    PlacementRegistry placements,
    ContentTypeRegistry contentTypes,
    IDocumentStore store,
    IEventStream stream,
    DecisionLog log,
    PersonalizationCache cache,
    TimeProvider time,
    IOptions<PersonalizationOptions> options,
    ILogger<PersonalizationService> logger
) : IDisposable
{
    public const string ExposureEvent = "personalization.exposure";

    private readonly SemaphoreSlim _catalogLock = new(1, 1);
    private PlacementCatalog? _catalog;
    private readonly BoundedCache<bool> _exposed = new(100_000, time);

    private long _catalogLoadedAt;
    private int _subscribed;

    /// <summary>
    /// The compiled catalog: with the cache on, kept until the placements tag expires (a placement or
    /// the customer schema changed) or <see cref="PersonalizationOptions.CacheSeconds"/> pass; with it
    /// off, recompiled whenever the registry's placements or the customer schema differ.
    /// </summary>
    public async ValueTask<PlacementCatalog> GetCatalogAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _subscribed, 1) == 0)
        {
            cache.Invalidated += OnInvalidated;
        }
        if (
            cache.Enabled
            && _catalog is { } fresh
            && time.GetElapsedTime(Interlocked.Read(ref _catalogLoadedAt)) < TimeSpan.FromSeconds(options.Value.CacheSeconds)
        )
        {
            return fresh;
        }
        var snapshot = await placements.GetAllAsync(cancellationToken);
        var customer = await contentTypes.GetContentTypeAsync(CustomerProfile.TypeKey, cancellationToken);
        var fingerprint = snapshot.Fingerprint + "#" + customer.Document.ETag;
        if (_catalog is { } current && current.Fingerprint == fingerprint)
        {
            Interlocked.Exchange(ref _catalogLoadedAt, time.GetTimestamp());
            return current;
        }
        await _catalogLock.WaitAsync(cancellationToken);
        try
        {
            if (_catalog is { } again && again.Fingerprint == fingerprint)
            {
                return again;
            }
            var schema = DecisionSchema.For(await contentTypes.GetSchemaAsync(CustomerProfile.TypeKey, cancellationToken));
            var compiled = PlacementCatalog.Compile(
                schema,
                snapshot.Placements.Values.Select(r => (r.Definition, r.Document.ETag)),
                fingerprint
            );
            _catalog = compiled;
            Interlocked.Exchange(ref _catalogLoadedAt, time.GetTimestamp());
            return compiled;
        }
        finally
        {
            _catalogLock.Release();
        }
    }

    private void OnInvalidated(IReadOnlyCollection<string> tags)
    {
        if (tags.Contains(PersonalizationTags.Placements) || tags.Contains("*"))
        {
            _catalog = null;
            placements.Invalidate();
            contentTypes.Invalidate();
        }
    }

    /// <summary>
    /// A customer's segment keys and the holdout assignment of every placement with a control group
    /// (stored, else the draw a decision would make now), for the edge token; 404 when the customer
    /// does not exist. An anonymous visitor has no segments and only draws.
    /// </summary>
    public async Task<(IReadOnlyList<string> Segments, IReadOnlyDictionary<string, bool> Holdouts)> GetAudienceAsync(
        string? customerId,
        string? subject,
        CancellationToken cancellationToken
    )
    {
        var catalog = await GetCatalogAsync(cancellationToken);
        var segments = new SortedSet<string>(StringComparer.Ordinal);
        IReadOnlyDictionary<string, bool> stored = new Dictionary<string, bool>(StringComparer.Ordinal);
        if (customerId is not null)
        {
            var profile = await ReadProfileAsync(customerId, cancellationToken);
            if (profile.Length == 0)
            {
                throw new NotFoundException("Customer", customerId);
            }
            using var document = JsonDocument.Parse(profile);
            if (
                document.RootElement.TryGetProperty("segmentMembership", out var memberships)
                && memberships.ValueKind == JsonValueKind.Array
            )
            {
                foreach (var membership in memberships.EnumerateArray())
                {
                    if (Text(membership, "segment") is { } key)
                    {
                        segments.Add(key);
                    }
                }
            }
            stored = ReadHoldouts(await ReadHoldoutBytesAsync(customerId, cancellationToken));
        }
        var holdouts = new SortedDictionary<string, bool>(StringComparer.Ordinal);
        foreach (var placement in catalog.Placements)
        {
            if (placement.Definition.Holdout is { } holdout)
            {
                holdouts[placement.Definition.Key] = stored.TryGetValue(placement.Definition.Key, out var held)
                    ? held
                    : DecisionEngine.Unit(subject, placement.Definition.Key, "holdout") * 100 < holdout.Percent;
            }
        }
        return ([.. segments], holdouts);
    }

    private ValueTask<byte[]> ReadProfileAsync(string customerId, CancellationToken cancellationToken) =>
        cache.GetOrCreateAsync(
            "profile:" + customerId,
            (store, customerId),
            static async (state, ct) =>
            {
                var document = await state.store.ReadAsync(Containers.Customers, new DocumentKey(state.customerId, state.customerId), ct);
                return document is null || document.Type != CustomerProfile.TypeKey ? [] : document.Json.ToArray();
            },
            [PersonalizationTags.Customer(customerId)],
            cancellationToken
        );

    private ValueTask<byte[]> ReadHoldoutBytesAsync(string customerId, CancellationToken cancellationToken) =>
        cache.GetOrCreateAsync(
            "holdouts:" + customerId,
            (store, customerId),
            static async (state, ct) =>
                (
                    await state.store.ReadAsync(
                        Containers.Customers,
                        new DocumentKey(state.customerId, PersonalizationDocuments.AssignmentsId(state.customerId)),
                        ct
                    )
                )?.Json.ToArray() ?? [],
            [PersonalizationTags.Customer(customerId)],
            cancellationToken
        );

    public async Task<DecisionResult> DecideAsync(DecisionRequest request, CancellationToken cancellationToken)
    {
        var catalog = await GetCatalogAsync(cancellationToken);
        var asked = Resolve(catalog, request.Placements);
        var now = time.GetUtcNow();
        JsonElement? profile = null;
        string? stage = null;
        string? language = null;
        var timeZone = request.TimeZone;
        var segments = new HashSet<string>(StringComparer.Ordinal);
        IReadOnlyDictionary<string, bool> holdouts = new Dictionary<string, bool>(StringComparer.Ordinal);
        JsonDocument? profileDocument = null;
        try
        {
            if (request.CustomerId is { } customerId)
            {
                var stored = await ReadProfileAsync(customerId, cancellationToken);
                if (stored.Length == 0)
                {
                    if (request.Profile is null)
                    {
                        throw new NotFoundException("Customer", customerId);
                    }
                }
                else
                {
                    profileDocument = JsonDocument.Parse(stored);
                }
                holdouts = ReadHoldouts(await ReadHoldoutBytesAsync(customerId, cancellationToken));
            }
            if (request.Profile is { } hypothetical)
            {
                var merged = profileDocument is null
                    ? new JsonObject()
                    : JsonNode.Parse(profileDocument.RootElement.GetRawText())!.AsObject();
                foreach (var (name, value) in hypothetical)
                {
                    merged[name] = value?.DeepClone();
                }
                profileDocument?.Dispose();
                profileDocument = JsonDocument.Parse(merged.ToJsonString());
            }
            if (profileDocument is not null)
            {
                var root = profileDocument.RootElement;
                profile = root;
                stage = Text(root, "lifecycleStage");
                if (root.TryGetProperty("preferences", out var preferences) && preferences.ValueKind == JsonValueKind.Object)
                {
                    language = Text(preferences, "language");
                    timeZone = Text(preferences, "timeZone") ?? timeZone;
                }
                if (root.TryGetProperty("segmentMembership", out var memberships) && memberships.ValueKind == JsonValueKind.Array)
                {
                    foreach (var membership in memberships.EnumerateArray())
                    {
                        if (Text(membership, "segment") is { } key)
                        {
                            segments.Add(key);
                        }
                    }
                }
            }
            if (request.Segments is { } overridden)
            {
                segments = new HashSet<string>(overridden, StringComparer.Ordinal);
            }
            var context = request.Context.LocalHour is null ? request.Context.WithLocalTime(now, timeZone) : request.Context;
            var subject =
                request.CustomerId is { } c ? SubjectKeys.Customer(c)
                : request.AnonymousId is { } a ? SubjectKeys.Anonymous(a)
                : null;
            var entries = await ReadEntriesAsync(asked, cancellationToken);
            var input = new DecisionInput
            {
                Subject = subject,
                Segments = segments,
                LifecycleStage = stage,
                PreferredLanguage = language,
                Request = context,
                Facts = catalog.LoadFacts(profile, context, subject ?? "anonymous"),
                NowMs = now.ToUnixTimeMilliseconds(),
                Holdouts = holdouts,
                CanStoreHoldout = request.CustomerId is not null && !request.Preview,
                Unavailable = entries.Unavailable,
            };
            var answers = new List<PlacementAnswer>(asked.Count);
            foreach (var placement in asked)
            {
                var decision = DecisionEngine.Decide(placement, input);
                answers.Add(
                    new PlacementAnswer(
                        decision,
                        decision.Variant is { } v ? entries.Documents.GetValueOrDefault((placement.Definition.ContentType, v.Entry)) : null,
                        placement.Definition.ContentType
                    )
                );
            }
            var result = new DecisionResult(
                Ids.New(time),
                request.CustomerId,
                request.AnonymousId,
                [.. segments.Order(StringComparer.Ordinal)],
                answers,
                now
            );
            if (!request.Preview)
            {
                await StoreHoldoutsAsync(request.CustomerId, answers, cancellationToken);
                await AppendExposuresAsync(result, subject, cancellationToken);
                await log.SampleAsync(result, cancellationToken);
            }
            return result;
        }
        finally
        {
            profileDocument?.Dispose();
        }
    }

    private List<CompiledPlacement> Resolve(PlacementCatalog catalog, IReadOnlyList<string> keys)
    {
        var errors = new List<FieldError>();
        var asked = new List<CompiledPlacement>();
        if (keys.Count == 0)
        {
            errors.Add(
                new("placements", "required", "Name one or more placements: placements=homepage.hero,homepage.banner.", ErrorLocation.Query)
            );
        }
        else if (keys.Count > options.Value.MaxPlacementsPerRequest)
        {
            errors.Add(
                new(
                    "placements",
                    "max-items",
                    $"At most {options.Value.MaxPlacementsPerRequest} placements per request.",
                    ErrorLocation.Query
                )
            );
        }
        foreach (var key in keys.Distinct(StringComparer.Ordinal))
        {
            if (catalog.Find(key) is { } placement)
            {
                asked.Add(placement);
            }
            else
            {
                errors.Add(new("placements", "unknown-placement", $"'{key}' is not a placement.", ErrorLocation.Query));
            }
        }
        return errors.Count > 0 ? throw new ValidationException(errors, "The placements are not valid.") : asked;
    }

    private sealed record Entries(Dictionary<(string Type, string Id), StoredDocument> Documents, HashSet<string> Unavailable);

    /// <summary>
    /// Every candidate entry of the asked placements, each from the cache or one point read; an entry
    /// that is missing or fails its type's current validation is unavailable (its variants are skipped).
    /// Cached with its validity: the value is <c>{etag}\n{json}</c>, or empty when unavailable.
    /// </summary>
    private async Task<Entries> ReadEntriesAsync(List<CompiledPlacement> asked, CancellationToken cancellationToken)
    {
        var documents = new Dictionary<(string, string), StoredDocument>();
        var unavailable = new HashSet<string>(StringComparer.Ordinal);
        foreach (var group in asked.GroupBy(p => p.Definition.ContentType, StringComparer.Ordinal))
        {
            var type = group.Key;
            foreach (var id in group.SelectMany(p => p.Definition.Variants.Select(v => v.Entry)).Distinct(StringComparer.Ordinal))
            {
                var cached = await cache.GetOrCreateAsync(
                    "entry:" + type + "/" + id,
                    (this, type, id),
                    static (state, ct) => state.Item1.LoadEntryAsync(state.type, state.id, ct),
                    [PersonalizationTags.Entry(type, id), PersonalizationTags.ContentType(type)],
                    cancellationToken
                );
                var newline = Array.IndexOf(cached, (byte)'\n');
                if (newline <= 0)
                {
                    unavailable.Add(EntryKey(type, id));
                    continue;
                }
                var etag = System.Text.Encoding.UTF8.GetString(cached, 0, newline);
                documents[(type, id)] = new StoredDocument(id, type, type, etag, cached.AsMemory(newline + 1));
            }
        }
        return new Entries(documents, unavailable);
    }

    private async ValueTask<byte[]> LoadEntryAsync(string type, string id, CancellationToken cancellationToken)
    {
        ContentSchema schema;
        try
        {
            schema = await contentTypes.GetSchemaAsync(type, cancellationToken);
        }
        catch (NotFoundException)
        {
            // The content type was deleted after the placement was saved: nothing of it can be served.
            return [];
        }
        var document = await store.ReadAsync(schema.Container, schema.KeyFor(id), cancellationToken);
        if (document is null || document.Type != type || !IsValid(schema, document))
        {
            return [];
        }
        var etag = System.Text.Encoding.UTF8.GetBytes(document.ETag);
        var value = new byte[etag.Length + 1 + document.Json.Length];
        etag.CopyTo(value, 0);
        value[etag.Length] = (byte)'\n';
        document.Json.Span.CopyTo(value.AsSpan(etag.Length + 1));
        return value;
    }

    internal static string EntryKey(string type, string id) => type + "/" + id;

    private bool IsValid(ContentSchema schema, StoredDocument document)
    {
        try
        {
            EntryValidator.Validate(schema, JsonNode.Parse(document.Json.Span)!.AsObject(), null, WriteActor.System);
            return true;
        }
        catch (ValidationException ex)
        {
            LogInvalidEntry(logger, schema.Key, document.Id, ex.Errors.Count);
            return false;
        }
    }

    private static Dictionary<string, bool> ReadHoldouts(byte[] stored)
    {
        var holdouts = new Dictionary<string, bool>(StringComparer.Ordinal);
        if (stored.Length == 0)
        {
            return holdouts;
        }
        using var json = JsonDocument.Parse(stored);
        if (json.RootElement.TryGetProperty("holdouts", out var map) && map.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in map.EnumerateObject())
            {
                if (
                    property.Value.TryGetProperty("control", out var control)
                    && control.ValueKind is JsonValueKind.True or JsonValueKind.False
                )
                {
                    holdouts[property.Name] = control.GetBoolean();
                }
            }
        }
        return holdouts;
    }

    /// <summary>
    /// Stores the holdout draws made now. The first stored draw wins: a concurrent decision that
    /// drew too finds it on re-read (a create that loses gets 409, a replace that loses gets 412).
    /// </summary>
    private async Task StoreHoldoutsAsync(string? customerId, List<PlacementAnswer> answers, CancellationToken cancellationToken)
    {
        if (customerId is null || !answers.Any(a => a.Decision.NewHoldout))
        {
            return;
        }
        var key = new DocumentKey(customerId, PersonalizationDocuments.AssignmentsId(customerId));
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var current = await store.ReadAsync(Containers.Customers, key, cancellationToken);
            var root = current is null ? new JsonObject() : JsonNode.Parse(current.Json.Span)!.AsObject();
            var map = root["holdouts"] as JsonObject ?? [];
            var changed = false;
            foreach (var answer in answers.Where(a => a.Decision.NewHoldout))
            {
                if (!map.ContainsKey(answer.Decision.PlacementKey))
                {
                    map[answer.Decision.PlacementKey] = new JsonObject
                    {
                        ["control"] = answer.Decision.HeldOut == true,
                        ["since"] = Instants.Format(time.GetUtcNow()),
                    };
                    changed = true;
                }
            }
            if (!changed)
            {
                return;
            }
            root["id"] = key.Id;
            root["type"] = PersonalizationDocuments.Assignments;
            root["customerId"] = customerId;
            root["holdouts"] = map;
            var write = new DocumentWrite(
                key.Id,
                key.PartitionKey,
                PersonalizationDocuments.Assignments,
                System.Text.Encoding.UTF8.GetBytes(root.ToJsonString())
            );
            try
            {
                if (current is null)
                {
                    await store.CreateAsync(Containers.Customers, write, cancellationToken);
                }
                else
                {
                    await store.ReplaceAsync(Containers.Customers, write, current.ETag, cancellationToken);
                }
                // This instance sees its own draw at once; the others when the hook expires the tag.
                await cache.InvalidateAsync([PersonalizationTags.Customer(customerId)], cancellationToken);
                return;
            }
            catch (Exception ex) when (ex is DocumentExistsException or ETagMismatchException)
            {
                // Another decision stored first: read its draws and add only what is still missing.
            }
        }
    }

    /// <summary>
    /// One <c>personalization.exposure</c> event per subject, placement, variant and UTC day: the
    /// event id names all four, so the event processor drops repeats (subject, id) across instances;
    /// this instance also remembers what it appended today and does not append it again.
    /// </summary>
    private async Task AppendExposuresAsync(DecisionResult result, string? subject, CancellationToken cancellationToken)
    {
        if (subject is null)
        {
            return;
        }
        var day = result.At.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var events = new List<TrackedEvent>();
        foreach (var answer in result.Placements)
        {
            if (answer.Decision.Variant is not { } variant || answer.Entry is null)
            {
                continue;
            }
            var id = $"exposure:{answer.Decision.PlacementKey}:{variant.Key}:{day}";
            var remembered = subject + "\n" + id;
            if (_exposed.TryGet(remembered, out _))
            {
                continue;
            }
            var properties = JsonSerializer.SerializeToUtf8Bytes(
                new ExposureProperties(
                    answer.Decision.PlacementKey,
                    variant.Key,
                    variant.Entry,
                    result.DecisionId,
                    Reason(answer.Decision.Reason),
                    answer.Decision.HeldOut == true
                ),
                PersonalizationJsonContext.Default.ExposureProperties
            );
            events.Add(
                new TrackedEvent
                {
                    Id = id,
                    Type = ExposureEvent,
                    CustomerId = result.CustomerId,
                    AnonymousId = result.CustomerId is null ? result.AnonymousId : null,
                    Timestamp = result.At,
                    ReceivedAt = result.At,
                    Custom = true,
                    Properties = properties,
                }
            );
        }
        if (events.Count == 0)
        {
            return;
        }
        await stream.AppendAsync(events, cancellationToken);
        foreach (var e in events)
        {
            _exposed.Set(subject + "\n" + e.Id, true, result.At.AddDays(1));
        }
    }

    public static string Reason(DecisionReason reason) =>
        reason switch
        {
            DecisionReason.Matched => "matched",
            DecisionReason.Fallback => "fallback",
            DecisionReason.Holdout => "holdout",
            _ => "none",
        };

    public static string Strategy(PlacementStrategy strategy) =>
        strategy switch
        {
            PlacementStrategy.Score => "score",
            PlacementStrategy.Weighted => "weighted",
            _ => "firstMatch",
        };

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    public void Dispose()
    {
        cache.Invalidated -= OnInvalidated;
        _catalogLock.Dispose();
        _exposed.Dispose();
    }

    [LoggerMessage(
        EventId = 2410,
        Level = LogLevel.Warning,
        Message = "Entry {ContentType}/{Id} fails its type's validation ({Errors} errors): its variants are not served"
    )]
    private static partial void LogInvalidEntry(ILogger logger, string contentType, string id, int errors);
}

/// <summary>The properties of a <c>personalization.exposure</c> event.</summary>
public sealed record ExposureProperties(string Placement, string Variant, string Entry, string DecisionId, string Reason, bool Holdout);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[System.Text.Json.Serialization.JsonSerializable(typeof(ExposureProperties))]
internal sealed partial class PersonalizationJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
