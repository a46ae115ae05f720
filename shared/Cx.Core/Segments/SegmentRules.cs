using System.Text.Json;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Rules;

namespace Cx.Core.Segments;

/// <summary>
/// What a segment document must satisfy before it is saved: key, name, description, and criteria
/// that parse against the current customer schema (<see cref="RuleParser"/>) and respect the two
/// rules that keep segmentation free of loops (see <see cref="CheckSegmentRestrictions"/>). Every
/// problem is reported with its JSON Pointer; nothing is written when there is one.
/// </summary>
public static class SegmentRules
{
    public const int MaxNameLength = 100;

    public const int MaxDescriptionLength = 1000;

    /// <summary>Keys that would read like another route under <c>/api/v1/segments</c>.</summary>
    public static IReadOnlySet<string> ReservedKeys { get; } = new HashSet<string>(StringComparer.Ordinal) { "preview" };

    /// <summary>Event types Cx emits for membership changes; segment rules may not read them.</summary>
    public const string SystemEventPrefix = "segment.";

    /// <summary>Validates a whole segment document; returns its parsed criteria.</summary>
    public static Condition Validate(SegmentDefinition segment, ContentSchema schema)
    {
        var errors = new List<FieldError>();
        if (!DefinitionRules.IsKey(segment.Key))
        {
            errors.Add(
                new(
                    "/key",
                    "key",
                    "1-64 lower-case letters, digits or '-', starting with a letter and not ending with '-', such as big-spenders."
                )
            );
        }
        else if (ReservedKeys.Contains(segment.Key))
        {
            errors.Add(new("/key", "reserved", $"'{segment.Key}' is reserved; choose another key."));
        }
        if (string.IsNullOrWhiteSpace(segment.Name) || segment.Name.Length > MaxNameLength)
        {
            errors.Add(new("/name", "name", $"A name is 1-{MaxNameLength} characters."));
        }
        if (segment.Description is { Length: > MaxDescriptionLength })
        {
            errors.Add(new("/description", "max-length", $"Must be at most {MaxDescriptionLength} characters."));
        }
        Condition? condition = null;
        if (segment.Criteria is null)
        {
            errors.Add(
                new(
                    "/criteria",
                    "required",
                    "criteria is the segment's rule, such as {\"field\":\"loyaltyTier\",\"op\":\"eq\",\"value\":\"gold\"}."
                )
            );
        }
        else
        {
            try
            {
                condition = ParseCriteria(segment.Criteria.Parse(), schema, "/criteria");
            }
            catch (ValidationException ex)
            {
                errors.AddRange(ex.Errors);
            }
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, $"The segment '{segment.Key}' is not valid.");
        }
        return condition!;
    }

    /// <summary>Parses criteria for segment use: the shared rule language plus the segment restrictions.</summary>
    public static Condition ParseCriteria(JsonElement criteria, ContentSchema schema, string basePointer)
    {
        var condition = RuleParser.Parse(criteria, schema, basePointer);
        var errors = new List<FieldError>();
        CheckSegmentRestrictions(criteria, basePointer, errors);
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, "The rule is not valid for a segment.");
        }
        return condition;
    }

    /// <summary>
    /// Two things a segment rule may not read, because the segmentation hook writes them: the
    /// profile's <c>segmentMembership</c> (membership of other segments would make the outcome
    /// depend on evaluation order and re-trigger the hook on its own writes) and Cx's own
    /// <c>segment.entered</c> / <c>segment.exited</c> events (a rule reacting to membership events
    /// could enter and leave forever). Called on criteria that already parsed, so the shape is known.
    /// </summary>
    public static void CheckSegmentRestrictions(JsonElement node, string pointer, List<FieldError> errors)
    {
        if (node.ValueKind != JsonValueKind.Object)
        {
            return;
        }
        foreach (var group in (string[])["all", "any"])
        {
            if (node.TryGetProperty(group, out var children) && children.ValueKind == JsonValueKind.Array)
            {
                var i = 0;
                foreach (var child in children.EnumerateArray())
                {
                    CheckSegmentRestrictions(child, JsonPointer.Append(JsonPointer.Append(pointer, group), i++), errors);
                }
            }
        }
        if (node.TryGetProperty("not", out var inner))
        {
            CheckSegmentRestrictions(inner, JsonPointer.Append(pointer, "not"), errors);
        }
        if (
            node.TryGetProperty("field", out var field)
            && field.ValueKind == JsonValueKind.String
            && FieldPath.TryParse(field.GetString(), out var path)
            && path.Segments[0] == "segmentMembership"
        )
        {
            errors.Add(
                new(
                    JsonPointer.Append(pointer, "field"),
                    "not-allowed",
                    "Segment rules cannot read segmentMembership: combine the other segment's conditions instead."
                )
            );
        }
        if (
            node.TryGetProperty("behavior", out var behavior)
            && behavior.ValueKind == JsonValueKind.Object
            && behavior.TryGetProperty("event", out var eventType)
            && eventType.ValueKind == JsonValueKind.String
            && eventType.GetString()!.StartsWith(SystemEventPrefix, StringComparison.Ordinal)
        )
        {
            errors.Add(
                new(
                    JsonPointer.Append(JsonPointer.Append(pointer, "behavior"), "event"),
                    "not-allowed",
                    "Segment rules cannot read Cx's own segment.entered / segment.exited events."
                )
            );
        }
    }
}
