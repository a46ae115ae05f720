using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Rules;

namespace Cx.Core.Segments;

/// <summary>One entry of a profile's <c>segmentMembership</c>: the segment, since when, admitted by which rule version.</summary>
public sealed record MembershipEntry(string Segment, DateTimeOffset Since, int RuleVersion);

/// <summary>The membership event types and the identities of membership transitions.</summary>
public static class SegmentEvents
{
    public const string Entered = "segment.entered";

    public const string Exited = "segment.exited";

    /// <summary>
    /// The id of a transition, used as the event's <c>eventId</c> (its idempotency key) and kept in
    /// the interaction's data: the segment, the start of the membership stint (Unix ms) and the
    /// direction. Recomputing it after a crash gives the same id, so a redelivered transition is
    /// dropped as a duplicate by the event processor.
    /// </summary>
    public static string TransitionId(string segment, DateTimeOffset since, bool entered) =>
        string.Create(CultureInfo.InvariantCulture, $"seg:{segment}:{since.ToUnixTimeMilliseconds()}:{(entered ? "in" : "out")}");

    public static bool IsSystemKind(string? kind) => kind is Entered or Exited;
}

/// <summary>
/// Reading and comparing customer profiles as segmentation sees them. The parts Cx writes itself
/// (<c>segmentMembership</c>, its <c>segment.entered</c>/<c>segment.exited</c> interactions, the
/// <c>updatedAt</c> stamp) are kept apart from the client-owned rest, so the hook can tell its own
/// writes from real changes and rules never see their own effects.
/// </summary>
public static class SegmentProfiles
{
    public const string MembershipField = "segmentMembership";

    public const string InteractionsField = "interactionHistory";

    public static Dictionary<string, MembershipEntry> ReadMembership(JsonElement profile)
    {
        var entries = new Dictionary<string, MembershipEntry>(StringComparer.Ordinal);
        if (
            profile.ValueKind != JsonValueKind.Object
            || !profile.TryGetProperty(MembershipField, out var list)
            || list.ValueKind != JsonValueKind.Array
        )
        {
            return entries;
        }
        foreach (var item in list.EnumerateArray())
        {
            if (
                item.ValueKind == JsonValueKind.Object
                && item.TryGetProperty("segment", out var segment)
                && segment.ValueKind == JsonValueKind.String
                && item.TryGetProperty("since", out var since)
                && since.ValueKind == JsonValueKind.String
                && Instants.TryParse(since.GetString()!, out var sinceAt)
            )
            {
                var version = item.TryGetProperty("ruleVersion", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : 1;
                entries[segment.GetString()!] = new MembershipEntry(segment.GetString()!, sinceAt, version);
            }
        }
        return entries;
    }

    /// <summary>The facts of a profile for a slot table; Cx's own interactions are left out when the rules read interactions.</summary>
    public static ProfileFacts LoadFacts(RuleSlots slots, JsonElement profile, string customerId, bool readsInteractions)
    {
        if (readsInteractions && HasSystemInteractions(profile))
        {
            var node = JsonNode.Parse(profile.GetRawText())!.AsObject();
            var history = node[InteractionsField]!.AsArray();
            for (var i = history.Count - 1; i >= 0; i--)
            {
                if (IsSystemInteraction(history[i]))
                {
                    history.RemoveAt(i);
                }
            }
            using var filtered = JsonDocument.Parse(node.ToJsonString());
            return slots.Load(filtered.RootElement, customerId);
        }
        return slots.Load(profile, customerId);
    }

    /// <summary>Whether the interaction history holds entries segmentation wrote.</summary>
    public static bool HasSystemInteractions(JsonElement profile)
    {
        if (!profile.TryGetProperty(InteractionsField, out var history) || history.ValueKind != JsonValueKind.Array)
        {
            return false;
        }
        foreach (var item in history.EnumerateArray())
        {
            if (
                item.ValueKind == JsonValueKind.Object
                && item.TryGetProperty("kind", out var kind)
                && kind.ValueKind == JsonValueKind.String
                && SegmentEvents.IsSystemKind(kind.GetString())
            )
            {
                return true;
            }
        }
        return false;
    }

    private static bool IsSystemInteraction(JsonNode? item) =>
        item is JsonObject obj
        && obj["kind"] is JsonValue kind
        && kind.GetValueKind() == JsonValueKind.String
        && SegmentEvents.IsSystemKind(kind.GetValue<string>());

    /// <summary>
    /// True when a profile write changed nothing a client owns: only <c>segmentMembership</c>,
    /// <c>updatedAt</c>/<c>schemaVersion</c> and the interaction history by Cx's own entries (the
    /// client entries that remain are the newest ones of before, in order: appending Cx's entries
    /// may drop the oldest from the bounded history). This is how the segmentation hook recognises
    /// its own writes and stays out of a loop.
    /// </summary>
    public static bool IsSystemOnlyChange(ReadOnlySpan<byte> before, ReadOnlySpan<byte> after)
    {
        var b = JsonNode.Parse(before) as JsonObject;
        var a = JsonNode.Parse(after) as JsonObject;
        if (b is null || a is null)
        {
            return false;
        }
        var beforeHistory = ClientInteractions(b);
        var afterHistory = ClientInteractions(a);
        foreach (var name in (string[])[MembershipField, InteractionsField, "updatedAt", "schemaVersion"])
        {
            b.Remove(name);
            a.Remove(name);
        }
        if (!JsonNode.DeepEquals(a, b))
        {
            return false;
        }
        // The client entries after must be the newest client entries of before, in the same order.
        if (afterHistory.Count > beforeHistory.Count)
        {
            return false;
        }
        var offset = beforeHistory.Count - afterHistory.Count;
        for (var i = 0; i < afterHistory.Count; i++)
        {
            if (!JsonNode.DeepEquals(afterHistory[i], beforeHistory[offset + i]))
            {
                return false;
            }
        }
        return true;
    }

    private static List<JsonNode?> ClientInteractions(JsonObject profile) =>
        profile[InteractionsField] is JsonArray history ? [.. history.Where(i => !IsSystemInteraction(i))] : [];
}
