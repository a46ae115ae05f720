using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Events;
using Cx.Core.Profiles;

namespace Cx.Core.Segments;

/// <summary>
/// Derives everything else from a profile's <c>segmentMembership</c> (the one place membership is
/// decided, see <see cref="MembershipWriter"/>): the membership documents of the
/// <c>memberships</c> container (partitioned by segment, so member lists are indexed queries) and
/// the <c>segment.entered</c> / <c>segment.exited</c> events on the event stream.
/// <list type="bullet">
/// <item>With the before state of a change (the SQLite feed), the events are the difference
/// between before and after: exactly the transitions that write made, whenever it is delivered.
/// The documents are then brought in line with the profile as it is now, so replaying an old
/// change never turns them back.</item>
/// <item>Without it (the Cosmos DB feed delivers the latest version only), the documents are the
/// previous state: the events are the difference between them and the version delivered, and the
/// documents follow that version.</item>
/// </list>
/// Events go first, with the transition's deterministic id, then the documents: a crash in between
/// repeats the event, which the event processor drops as a duplicate. Delivering the same change
/// again changes nothing.
/// </summary>
public sealed class MembershipProjector(IDocumentStore store, IEventStream stream, TimeProvider time)
{
    /// <summary>
    /// Projects changes of customer profiles, in feed order: the events of all of them are appended
    /// in one go, then the membership documents are written. Returns the number of membership
    /// documents written or deleted.
    /// </summary>
    public async Task<int> ProjectAsync(
        IReadOnlyList<ChangeRecord> changes,
        IReadOnlyCollection<string> knownSegments,
        CancellationToken cancellationToken
    )
    {
        var events = new List<TrackedEvent>();
        // (segment, customer) -> the document it should have (null: none). Later changes win.
        var operations = new Dictionary<(string Segment, string Customer), MembershipEntry?>();
        foreach (var change in changes)
        {
            await PlanAsync(change, knownSegments, events, operations, cancellationToken);
        }
        if (events.Count > 0)
        {
            await stream.AppendAsync(events, cancellationToken);
            SegmentMetrics.EventsAppended.Add(events.Count);
        }
        foreach (var ((segment, customer), entry) in operations)
        {
            if (entry is not null)
            {
                await store.UpsertAsync(Containers.Memberships, MemberDocument(customer, entry), cancellationToken);
                continue;
            }
            try
            {
                await store.DeleteAsync(Containers.Memberships, new DocumentKey(segment, customer), null, cancellationToken);
            }
            catch (DocumentNotFoundException)
            {
                // Deleted by an earlier delivery.
            }
        }
        return operations.Count;
    }

    private async Task PlanAsync(
        ChangeRecord change,
        IReadOnlyCollection<string> knownSegments,
        List<TrackedEvent> events,
        Dictionary<(string Segment, string Customer), MembershipEntry?> operations,
        CancellationToken cancellationToken
    )
    {
        using var before = change.Before is { } b ? JsonDocument.Parse(b) : null;
        using var after = change.After is { } a ? JsonDocument.Parse(a) : null;
        var beforeEntries = before is null ? null : SegmentProfiles.ReadMembership(before.RootElement);
        var afterEntries = after is null ? [] : SegmentProfiles.ReadMembership(after.RootElement);
        var customerId = change.Id;
        var now = time.GetUtcNow();
        Dictionary<string, MembershipEntry> target;
        Dictionary<string, MembershipEntry>? documents = null;

        if (beforeEntries is not null)
        {
            if (after is null)
            {
                if (beforeEntries.Count == 0)
                {
                    return; // Deleted while in no segment.
                }
            }
            else
            {
                if (SameMembership(beforeEntries, afterEntries))
                {
                    return;
                }
                Transitions(customerId, beforeEntries, afterEntries, after.RootElement, now, events);
            }
            target = await CurrentAsync(customerId, cancellationToken);
        }
        else if (after is null)
        {
            target = []; // Deleted (a store without before states): every document goes, no events.
        }
        else if (afterEntries.Count == 0 && !SegmentProfiles.HasSystemInteractions(after.RootElement))
        {
            // Never in a segment (a creation, or a profile segmentation has not touched): nothing to
            // project. Without this, replaying a creation after newer changes were projected would
            // read as everyone leaving.
            return;
        }
        else
        {
            // No before state: the documents are what was projected last.
            documents = await DocumentsAsync(customerId, knownSegments.Concat(afterEntries.Keys), operations, cancellationToken);
            Transitions(customerId, documents, afterEntries, after.RootElement, now, events);
            target = afterEntries;
        }

        documents ??= await DocumentsAsync(
            customerId,
            knownSegments.Concat(target.Keys).Concat(beforeEntries?.Keys ?? Enumerable.Empty<string>()),
            operations,
            cancellationToken
        );
        foreach (var (key, entry) in target)
        {
            if (!documents.TryGetValue(key, out var existing) || existing != entry)
            {
                operations[(key, customerId)] = entry;
            }
        }
        foreach (var key in documents.Keys.Where(k => !target.ContainsKey(k)))
        {
            operations[(key, customerId)] = null;
        }
    }

    public static DocumentWrite MemberDocument(string customerId, MembershipEntry entry)
    {
        var body = new JsonObject
        {
            ["id"] = customerId,
            ["type"] = SegmentDocuments.Member,
            ["schemaVersion"] = 1,
            ["segment"] = entry.Segment,
            ["customerId"] = customerId,
            ["since"] = Instants.Format(entry.Since),
            ["ruleVersion"] = entry.RuleVersion,
        };
        return new DocumentWrite(
            customerId,
            entry.Segment,
            SegmentDocuments.Member,
            JsonSerializer.SerializeToUtf8Bytes(body, CxJson.SerializerOptions)
        );
    }

    private static bool SameMembership(Dictionary<string, MembershipEntry> left, Dictionary<string, MembershipEntry> right) =>
        left.Count == right.Count && left.All(e => right.TryGetValue(e.Key, out var other) && other == e.Value);

    private async Task<Dictionary<string, MembershipEntry>> CurrentAsync(string customerId, CancellationToken cancellationToken)
    {
        var current = await store.ReadAsync(Containers.Customers, new DocumentKey(customerId, customerId), cancellationToken);
        if (current is null || current.Type != CustomerProfile.TypeKey)
        {
            return [];
        }
        using var json = JsonDocument.Parse(current.Json);
        return SegmentProfiles.ReadMembership(json.RootElement);
    }

    /// <summary>The membership documents of a customer, as stored and then as the planned operations leave them.</summary>
    private async Task<Dictionary<string, MembershipEntry>> DocumentsAsync(
        string customerId,
        IEnumerable<string> segments,
        Dictionary<(string Segment, string Customer), MembershipEntry?> planned,
        CancellationToken cancellationToken
    )
    {
        var documents = await StoredDocumentsAsync(customerId, segments, cancellationToken);
        foreach (var ((segment, customer), entry) in planned)
        {
            if (customer != customerId)
            {
                continue;
            }
            if (entry is null)
            {
                documents.Remove(segment);
            }
            else
            {
                documents[segment] = entry;
            }
        }
        return documents;
    }

    private async Task<Dictionary<string, MembershipEntry>> StoredDocumentsAsync(
        string customerId,
        IEnumerable<string> segments,
        CancellationToken cancellationToken
    )
    {
        var keys = segments.Distinct(StringComparer.Ordinal).Select(k => new DocumentKey(k, customerId)).ToList();
        var documents = new Dictionary<string, MembershipEntry>(StringComparer.Ordinal);
        if (keys.Count == 0)
        {
            return documents;
        }
        foreach (var document in await store.ReadManyAsync(Containers.Memberships, keys, cancellationToken))
        {
            if (document.Type != SegmentDocuments.Member)
            {
                continue;
            }
            using var json = JsonDocument.Parse(document.Json);
            var root = json.RootElement;
            if (Instants.TryParse(root.GetProperty("since").GetString()!, out var since))
            {
                documents[document.PartitionKey] = new MembershipEntry(
                    document.PartitionKey,
                    since,
                    root.GetProperty("ruleVersion").GetInt32()
                );
            }
        }
        return documents;
    }

    /// <summary>The events of going from <paramref name="from"/> to <paramref name="to"/> (a changed stint is an exit and an entry).</summary>
    private static void Transitions(
        string customerId,
        Dictionary<string, MembershipEntry> from,
        Dictionary<string, MembershipEntry> to,
        JsonElement profile,
        DateTimeOffset now,
        List<TrackedEvent> events
    )
    {
        foreach (var (key, old) in from)
        {
            if (!to.TryGetValue(key, out var current) || current.Since != old.Since)
            {
                events.Add(ExitEvent(customerId, old, profile, now));
            }
        }
        foreach (var (key, entry) in to)
        {
            if (!from.TryGetValue(key, out var old) || old.Since != entry.Since)
            {
                events.Add(Event(customerId, SegmentEvents.Entered, entry.Segment, entry.RuleVersion, entry.Since, entry.Since, now));
            }
        }
    }

    /// <summary>The exit of a stint: when and under which rule version, from the profile's own interaction when it still has it.</summary>
    private static TrackedEvent ExitEvent(string customerId, MembershipEntry stint, JsonElement profile, DateTimeOffset now)
    {
        var id = SegmentEvents.TransitionId(stint.Segment, stint.Since, entered: false);
        var at = profile.TryGetProperty("updatedAt", out var updated) && Instants.TryParse(updated.GetString() ?? "", out var u) ? u : now;
        var version = stint.RuleVersion;
        if (profile.TryGetProperty(SegmentProfiles.InteractionsField, out var history) && history.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in history.EnumerateArray())
            {
                if (
                    item.TryGetProperty("data", out var data)
                    && data.ValueKind == JsonValueKind.Object
                    && data.TryGetProperty("eventId", out var eventId)
                    && eventId.ValueKind == JsonValueKind.String
                    && eventId.GetString() == id
                )
                {
                    if (item.TryGetProperty("at", out var when) && Instants.TryParse(when.GetString() ?? "", out var w))
                    {
                        at = w;
                    }
                    if (data.TryGetProperty("ruleVersion", out var v) && v.ValueKind == JsonValueKind.Number)
                    {
                        version = v.GetInt32();
                    }
                    break;
                }
            }
        }
        return Event(customerId, SegmentEvents.Exited, stint.Segment, version, stint.Since, at, now);
    }

    private static TrackedEvent Event(
        string customerId,
        string type,
        string segment,
        int ruleVersion,
        DateTimeOffset since,
        DateTimeOffset at,
        DateTimeOffset now
    )
    {
        var properties = new JsonObject { ["segment"] = segment, ["ruleVersion"] = ruleVersion };
        return new TrackedEvent
        {
            Id = SegmentEvents.TransitionId(segment, since, type == SegmentEvents.Entered),
            Type = type,
            CustomerId = customerId,
            Timestamp = at > now ? now : at,
            ReceivedAt = now,
            Properties = JsonSerializer.SerializeToUtf8Bytes(properties, CxJson.SerializerOptions),
        };
    }
}
