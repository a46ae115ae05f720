using System.Text.Json;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Rules;

namespace Cx.Core.Webhooks;

/// <summary>
/// What narrows a subscription beyond its event types: <see cref="Changed"/> (an update is
/// delivered only when one of these fields changed) and <see cref="Condition"/> (a rule of the
/// shared rule engine that the document must meet). Both must pass.
/// </summary>
public sealed record WebhookFilter
{
    /// <summary>
    /// Field paths (<c>status</c>, <c>preferences.language</c>): an <c>updated</c> event is delivered
    /// only when at least one of them differs between the document before and after the change.
    /// Created and deleted events pass. Empty: every update passes.
    /// </summary>
    public EquatableArray<string> Changed { get; init; }

    /// <summary>
    /// A rule (<c>{field, op, value}</c>, <c>{all}</c>, <c>{any}</c>, <c>{not}</c>; no behaviour
    /// conditions) over the document after the change (before it, for a delete). Needs event
    /// types that name one document type, whose schema the rule is checked against.
    /// </summary>
    public JsonLiteral? Condition { get; init; }
}

/// <summary>A subscription's filter ready to run: the changed paths and the compiled condition.</summary>
public sealed class CompiledWebhookFilter(IReadOnlyList<FieldPath> changed, CompiledRule? rule, RuleSlots? slots)
{
    public const int MaxChanged = 20;

    /// <summary>Whether the change passes. A change without an earlier body passes the changed-field test (it cannot be told).</summary>
    public bool Passes(string eventType, ChangeRecord change, DateTimeOffset now)
    {
        if (changed.Count > 0 && eventType.EndsWith(".updated", StringComparison.Ordinal) && change.Before is { } before)
        {
            if (change.After is not { } after || !AnyChanged(before, after))
            {
                return false;
            }
        }
        if (rule is not null)
        {
            var body = change.After ?? change.Before;
            if (body is null)
            {
                return false;
            }
            using var document = JsonDocument.Parse(body.Value);
            return rule(slots!.Load(document.RootElement, change.Id), now.ToUnixTimeMilliseconds());
        }
        return true;
    }

    private bool AnyChanged(ReadOnlyMemory<byte> before, ReadOnlyMemory<byte> after)
    {
        using var old = JsonDocument.Parse(before);
        using var @new = JsonDocument.Parse(after);
        foreach (var path in changed)
        {
            var a = Find(old.RootElement, path);
            var b = Find(@new.RootElement, path);
            if (a is null != b is null || (a is { } x && b is { } y && !JsonElement.DeepEquals(x, y)))
            {
                return true;
            }
        }
        return false;
    }

    private static JsonElement? Find(JsonElement root, FieldPath path)
    {
        var current = root;
        foreach (var segment in path.Segments)
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(segment, out current))
            {
                return null;
            }
        }
        return current.ValueKind == JsonValueKind.Null ? null : current;
    }

    /// <summary>
    /// Every problem of <paramref name="filter"/> with its JSON Pointer under <c>/filter</c>; the
    /// compiled filter when there is none. <paramref name="schemaOf"/> gives the schema of the one
    /// document type the event types name (null when they name several, or a type that does not exist).
    /// </summary>
    public static CompiledWebhookFilter? Compile(WebhookFilter filter, string? documentType, ContentSchema? schema, List<FieldError> errors)
    {
        var before = errors.Count;
        if (filter.Changed.Count > MaxChanged)
        {
            errors.Add(new("/filter/changed", "max-items", $"At most {MaxChanged} field paths."));
        }
        var paths = new List<FieldPath>();
        for (var i = 0; i < filter.Changed.Count; i++)
        {
            var at = $"/filter/changed/{i}";
            if (!FieldPath.TryParse(filter.Changed[i], out var path))
            {
                errors.Add(new(at, "field", "A field path such as status or preferences.language."));
                continue;
            }
            if (schema is not null && SchemaPaths.Resolve(schema, path) is null)
            {
                errors.Add(new(at, "unknown-field", $"'{path}' is not a field of '{documentType}'."));
                continue;
            }
            paths.Add(path);
        }
        CompiledRule? rule = null;
        RuleSlots? slots = null;
        if (filter.Condition is { } condition)
        {
            if (documentType is null)
            {
                errors.Add(
                    new(
                        "/filter/condition",
                        "one-document-type",
                        "A condition needs event types that all name one document type (such as support-ticket.updated), not '*'."
                    )
                );
            }
            else if (schema is null)
            {
                errors.Add(
                    new("/filter/condition", "unknown-type", $"There is no content type '{documentType}' to check the rule against.")
                );
            }
            else
            {
                try
                {
                    var parsed = RuleParser.Parse(condition.Parse(), schema, "/filter/condition");
                    if (HasBehavior(parsed))
                    {
                        errors.Add(
                            new(
                                "/filter/condition",
                                "behavior",
                                "Webhook conditions test the document's fields; behaviour conditions are not allowed."
                            )
                        );
                    }
                    else
                    {
                        slots = new RuleSlots(schema);
                        slots.Register(parsed);
                        rule = RuleCompiler.Compile(parsed, slots);
                    }
                }
                catch (ValidationException ex)
                {
                    errors.AddRange(ex.Errors);
                }
            }
        }
        return errors.Count > before ? null : new CompiledWebhookFilter(paths, rule, slots);
    }

    /// <summary>The one document type every pattern names, or null (<c>*</c>, or several types).</summary>
    public static string? DocumentTypeOf(IEnumerable<string> eventTypes)
    {
        string? type = null;
        foreach (var pattern in eventTypes)
        {
            var dot = pattern.LastIndexOf('.');
            if (dot <= 0)
            {
                return null;
            }
            var name = pattern[..dot];
            if (type is not null && type != name)
            {
                return null;
            }
            type = name;
        }
        return type;
    }

    private static bool HasBehavior(Condition condition) =>
        condition switch
        {
            BehaviorCondition => true,
            AllOf all => all.Conditions.Any(HasBehavior),
            AnyOf any => any.Conditions.Any(HasBehavior),
            Not not => HasBehavior(not.Condition),
            _ => false,
        };
}
