using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Profiles;

namespace Cx.Core.Segments;

/// <summary>Whether a customer belongs in a segment according to its rule version.</summary>
public readonly record struct MembershipDecision(string Segment, string Name, int RuleVersion, bool Member);

/// <summary>A customer entering or leaving a segment.</summary>
public sealed record MembershipTransition(string Segment, bool Entered, int RuleVersion, DateTimeOffset Since, DateTimeOffset At)
{
    /// <summary>The transition's idempotency key (see <see cref="SegmentEvents.TransitionId"/>).</summary>
    public string Id => SegmentEvents.TransitionId(Segment, Since, Entered);
}

/// <summary>What one membership write did to a profile.</summary>
public sealed record MembershipChange(string CustomerId, IReadOnlyList<MembershipTransition> Transitions, StoredDocument Profile);

/// <summary>
/// The one writer of a profile's <c>segmentMembership</c>: applies decisions to the version of
/// the profile they were made on, appends a <c>segment.entered</c> / <c>segment.exited</c>
/// interaction per transition, and writes through the entry service as the system (validation,
/// bounded history, unique values kept) with <c>If-Match</c> on that version. A concurrent change
/// makes it throw <see cref="ETagMismatchException"/>: the caller evaluates again on fresh data.
/// Membership documents and events are derived from this write by the hook (<see cref="MembershipProjector"/>).
/// </summary>
public sealed class MembershipWriter(EntryService entries, TimeProvider time)
{
    /// <summary>Null when the decisions match the profile already (nothing is written).</summary>
    public async Task<MembershipChange?> ApplyAsync(
        StoredDocument profile,
        JsonElement root,
        IReadOnlyList<MembershipDecision> decisions,
        CancellationToken cancellationToken
    )
    {
        var current = SegmentProfiles.ReadMembership(root);
        var now = DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());
        var transitions = new List<MembershipTransition>();
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var decision in decisions)
        {
            names[decision.Segment] = decision.Name;
            var isMember = current.TryGetValue(decision.Segment, out var entry);
            if (decision.Member && !isMember)
            {
                transitions.Add(new(decision.Segment, Entered: true, decision.RuleVersion, now, now));
            }
            else if (!decision.Member && isMember)
            {
                transitions.Add(new(decision.Segment, Entered: false, decision.RuleVersion, entry!.Since, now));
            }
        }
        if (transitions.Count == 0)
        {
            return null;
        }

        var exited = transitions.Where(t => !t.Entered).Select(t => t.Segment).ToHashSet(StringComparer.Ordinal);
        var membership = new JsonArray();
        if (root.TryGetProperty(SegmentProfiles.MembershipField, out var existing) && existing.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in existing.EnumerateArray())
            {
                var segment = item.TryGetProperty("segment", out var s) ? s.GetString() : null;
                if (segment is null || !exited.Contains(segment))
                {
                    membership.Add(JsonNode.Parse(item.GetRawText()));
                }
            }
        }
        var history = new JsonArray();
        if (root.TryGetProperty(SegmentProfiles.InteractionsField, out var interactions) && interactions.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in interactions.EnumerateArray())
            {
                history.Add(JsonNode.Parse(item.GetRawText()));
            }
        }
        var at = Instants.Format(now);
        foreach (var transition in transitions)
        {
            if (transition.Entered)
            {
                membership.Add(
                    new JsonObject
                    {
                        ["segment"] = transition.Segment,
                        ["since"] = at,
                        ["ruleVersion"] = transition.RuleVersion,
                    }
                );
            }
            history.Add(Interaction(transition, names[transition.Segment], at));
        }
        // Re-read as JSON: the validator reads values the way a request body holds them (a number
        // node built from an int would not read as the long an integer field expects).
        var patch = JsonNode
            .Parse(
                new JsonObject
                {
                    [SegmentProfiles.MembershipField] = membership,
                    [SegmentProfiles.InteractionsField] = history,
                }.ToJsonString()
            )!
            .AsObject();
        var written = await entries.PatchAsync(
            CustomerProfile.TypeKey,
            profile.Id,
            patch,
            profile.ETag,
            cancellationToken,
            WriteActor.System
        );
        foreach (var transition in transitions)
        {
            SegmentMetrics.Transitions.Add(1, new KeyValuePair<string, object?>("direction", transition.Entered ? "entered" : "exited"));
        }
        return new MembershipChange(profile.Id, transitions, written);
    }

    private static JsonObject Interaction(MembershipTransition transition, string name, string at)
    {
        var version = transition.RuleVersion.ToString(CultureInfo.InvariantCulture);
        var summary = transition.Entered
            ? $"Entered segment '{name}' (rule version {version})"
            : $"Left segment '{name}' (rule version {version})";
        return new JsonObject
        {
            ["at"] = at,
            ["kind"] = transition.Entered ? SegmentEvents.Entered : SegmentEvents.Exited,
            ["channel"] = "cx",
            ["summary"] = summary.Length <= 255 ? summary : summary[..255],
            ["data"] = new JsonObject
            {
                ["segment"] = transition.Segment,
                ["ruleVersion"] = transition.RuleVersion,
                ["since"] = Instants.Format(transition.Since),
                ["eventId"] = transition.Id,
            },
        };
    }
}
