using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Events;

namespace Cx.Core.Segments;

/// <summary>
/// Derives everything else from a profile's <c>segmentMembership</c> (the one place membership is
/// decided, see <see cref="MembershipWriter"/>): the membership documents of the
/// <c>memberships</c> container (partitioned by segment, so member lists are indexed queries) and
/// the <c>segment.entered</c> / <c>segment.exited</c> events on the event stream. Its state is the
/// membership documents themselves: a transition is a difference between the profile version it
/// is given and those documents. Events go first, with the transition's deterministic id, then the
/// documents; a crash in between repeats the event, which the event processor drops as a duplicate.
/// Running it again on the same profile version changes nothing.
/// </summary>
public sealed class MembershipProjector(IDocumentStore store, IEventStream stream, TimeProvider time)
{
    /// <summary>
    /// Brings the membership documents of <paramref name="customerId"/> in line with
    /// <paramref name="profile"/> (null: the customer was deleted, so every document goes and no
    /// event is sent). <paramref name="knownSegments"/> are the segments whose documents may exist.
    /// Returns the number of transitions found.
    /// </summary>
    public async Task<int> ProjectAsync(
        string customerId,
        JsonElement? profile,
        IEnumerable<string> knownSegments,
        CancellationToken cancellationToken
    )
    {
        var desired = profile is { } p ? SegmentProfiles.ReadMembership(p) : [];
        var keys = knownSegments.Concat(desired.Keys).Distinct(StringComparer.Ordinal).ToList();
        if (keys.Count == 0)
        {
            return 0;
        }
        var stored = await store.ReadManyAsync(
            Containers.Memberships,
            [.. keys.Select(k => new DocumentKey(k, customerId))],
            cancellationToken
        );
        var documents = new Dictionary<string, MembershipEntry>(StringComparer.Ordinal);
        foreach (var document in stored.Where(d => d.Type == SegmentDocuments.Member))
        {
            using var json = JsonDocument.Parse(document.Json);
            var root = json.RootElement;
            if (EntryValidator.TryParseInstant(root.GetProperty("since").GetString()!, out var since))
            {
                documents[document.PartitionKey] = new MembershipEntry(
                    document.PartitionKey,
                    since,
                    root.GetProperty("ruleVersion").GetInt32()
                );
            }
        }

        var now = time.GetUtcNow();
        var events = new List<TrackedEvent>();
        var upserts = new List<MembershipEntry>();
        var deletes = new List<string>();
        foreach (var key in keys)
        {
            desired.TryGetValue(key, out var wanted);
            documents.TryGetValue(key, out var existing);
            if (wanted is not null && existing is not null && wanted.Since == existing.Since)
            {
                continue;
            }
            if (existing is not null)
            {
                // Left (or left and came back: a newer stint replaces the older one).
                if (profile is { } left)
                {
                    events.Add(ExitEvent(customerId, existing, left, now));
                }
                if (wanted is null)
                {
                    deletes.Add(key);
                }
            }
            if (wanted is not null)
            {
                events.Add(Event(customerId, SegmentEvents.Entered, wanted.Segment, wanted.RuleVersion, wanted.Since, wanted.Since, now));
                upserts.Add(wanted);
            }
        }
        if (events.Count > 0)
        {
            await stream.AppendAsync(events, cancellationToken);
            SegmentMetrics.EventsAppended.Add(events.Count);
        }
        foreach (var entry in upserts)
        {
            await store.UpsertAsync(Containers.Memberships, MemberDocument(customerId, entry), cancellationToken);
        }
        foreach (var key in deletes)
        {
            try
            {
                await store.DeleteAsync(Containers.Memberships, new DocumentKey(key, customerId), null, cancellationToken);
            }
            catch (DocumentNotFoundException)
            {
                // Deleted by an earlier delivery of the same change.
            }
        }
        return upserts.Count + deletes.Count;
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
            ["since"] = EntryValidator.FormatInstant(entry.Since),
            ["ruleVersion"] = entry.RuleVersion,
        };
        return new DocumentWrite(
            customerId,
            entry.Segment,
            SegmentDocuments.Member,
            JsonSerializer.SerializeToUtf8Bytes(body, CxJson.SerializerOptions)
        );
    }

    /// <summary>The exit of a stint: when and under which rule version, from the profile's own interaction when it still has it.</summary>
    private static TrackedEvent ExitEvent(string customerId, MembershipEntry stint, JsonElement profile, DateTimeOffset now)
    {
        var id = SegmentEvents.TransitionId(stint.Segment, stint.Since, entered: false);
        var at =
            profile.TryGetProperty("updatedAt", out var updated) && EntryValidator.TryParseInstant(updated.GetString() ?? "", out var u)
                ? u
                : now;
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
                    if (item.TryGetProperty("at", out var when) && EntryValidator.TryParseInstant(when.GetString() ?? "", out var w))
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
