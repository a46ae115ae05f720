using System.Collections.Frozen;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Microsoft.Extensions.Options;

namespace Cx.Core.Inbound;

/// <summary>
/// The registry of inbound sources: definition documents (<c>inboundSource</c>) through the shared
/// definition machinery. The built-in <c>zendesk</c> and <c>intercom</c> documents are created at
/// start-up when missing (an admin may replace them, like any other). Saving checks every pointer,
/// field, value and name and reports each problem with its JSON Pointer.
/// </summary>
public sealed class InboundSourceRegistry(
    IDocumentStore store,
    TimeProvider time,
    IOptions<ContentOptions> cache,
    Audit.AuditLog? audit = null
) : DefinitionTypeRegistry<InboundSource, InboundSourceRegistry.Snapshot>(store, time, cache, Document)
{
    public const string Document = "inboundSource";

    public const int MaxFields = 20;

    public const int MaxValues = 50;

    /// <summary>The fields a mapping may fill, per target (everything else of a ticket is Cx's).</summary>
    public static IReadOnlyList<string> TicketFields { get; } = ["subject", "description", "status", "priority", "channel", "assignee"];

    public static IReadOnlyList<string> InteractionFields { get; } = ["kind", "direction", "summary", "body", "agent"];

    /// <summary>Creates the built-in sources that are missing.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        foreach (var source in InboundBuiltIns.All)
        {
            if (await EnsureBuiltInAsync(Document, source.Key, source, cancellationToken))
            {
                Invalidate();
            }
        }
    }

    public async ValueTask<InboundSource?> FindAsync(string key, CancellationToken cancellationToken) =>
        (await GetSnapshotAsync(cancellationToken)).ByKey.GetValueOrDefault(key)?.Definition;

    public async ValueTask<DefinitionRecord<InboundSource>> GetAsync(string key, CancellationToken cancellationToken) =>
        (await GetSnapshotAsync(cancellationToken)).ByKey.GetValueOrDefault(key) ?? throw new NotFoundException("Inbound source", key);

    public async Task DeleteAsync(string key, string? ifMatch, CancellationToken cancellationToken)
    {
        var current =
            (await ReloadAsync(cancellationToken)).ByKey.GetValueOrDefault(key) ?? throw new NotFoundException("Inbound source", key);
        await DeleteDocumentAsync(current.Document, ifMatch, cancellationToken);
        Invalidate();
        await RecordAsync("inbound-source.deleted", key, null, cancellationToken);
    }

    protected override string KeyOf(InboundSource definition) => definition.Key;

    protected override async Task<DefinitionRecord<InboundSource>> SaveAsync(
        InboundSource source,
        string? ifMatch,
        bool create,
        CancellationToken cancellationToken
    )
    {
        Validate(source);
        var current = (await ReloadAsync(cancellationToken)).ByKey.GetValueOrDefault(source.Key);
        if (!create && current is null)
        {
            throw new NotFoundException("Inbound source", source.Key);
        }
        if (!create)
        {
            source = source with { Version = current!.Definition.Version };
        }
        var (saved, written) = await WriteAsync(
            Document,
            source.Key,
            source,
            create ? null : current,
            ifMatch,
            s => s with { Version = s.Version + 1 },
            cancellationToken
        );
        if (written)
        {
            Invalidate();
            await RecordAsync(
                "inbound-source.saved",
                source.Key,
                new { created = create, version = saved.Definition.Version },
                cancellationToken
            );
        }
        return saved;
    }

    private async Task RecordAsync(string action, string key, object? details, CancellationToken cancellationToken)
    {
        if (audit is not null)
        {
            await audit.RecordAsync(action, Document, key, details: details, cancellationToken: cancellationToken);
        }
    }

    /// <summary>Every problem of a source, each with its JSON Pointer (400).</summary>
    public static void Validate(InboundSource source)
    {
        var errors = new List<FieldError>();
        if (!IsName(source.Key, 32, dashes: true, lowerOnly: true))
        {
            errors.Add(new("/key", "key", "Must be 1-32 of a-z, 0-9, '-', starting with a lower-case letter."));
        }
        if (source.Description is { Length: > 1000 })
        {
            errors.Add(new("/description", "max-length", "Must be at most 1000 characters."));
        }
        var signature = source.Signature;
        if (signature is null)
        {
            errors.Add(new("/signature", "required", "Say how deliveries are signed."));
        }
        else
        {
            if (!IsHeader(signature.Header))
            {
                errors.Add(
                    new("/signature/header", "header", "Must be an HTTP header name (letters, digits, '-'), at most 64 characters.")
                );
            }
            if (signature.Algorithm is not ("sha256" or "sha1" or "sha512"))
            {
                errors.Add(new("/signature/algorithm", "enum", "Must be sha256, sha1 or sha512."));
            }
            if (signature.Encoding is not ("hex" or "base64"))
            {
                errors.Add(new("/signature/encoding", "enum", "Must be hex or base64."));
            }
            if (signature.Prefix is { Length: > 32 })
            {
                errors.Add(new("/signature/prefix", "max-length", "Must be at most 32 characters."));
            }
            if (signature.TimestampHeader is not null && !IsHeader(signature.TimestampHeader))
            {
                errors.Add(new("/signature/timestampHeader", "header", "Must be an HTTP header name, at most 64 characters."));
            }
            if (!IsName(signature.Secret, 64, dashes: true, lowerOnly: false))
            {
                errors.Add(
                    new(
                        "/signature/secret",
                        "secret-name",
                        "The name of a setting Cx:Inbound:Secrets:{name} (1-64 of letters, digits, '-', '_'), never the secret itself."
                    )
                );
            }
        }
        CheckPointer(source.DeliveryId, "/deliveryId", errors);
        CheckPointer(source.Timestamp, "/timestamp", errors);
        if (signature?.TimestampHeader is null && source.Timestamp is null)
        {
            errors.Add(
                new(
                    "/timestamp",
                    "required",
                    "Give the pointer to the delivery's time (or signature.timestampHeader): old deliveries are refused."
                )
            );
        }
        if (source.Customer is null || (source.Customer.Id is null && source.Customer.Email is null))
        {
            errors.Add(new("/customer", "required", "Give the pointer to the customer's id or e-mail."));
        }
        else
        {
            CheckPointer(source.Customer.Id, "/customer/id", errors);
            CheckPointer(source.Customer.Email, "/customer/email", errors);
        }
        if (source.Ticket is null && source.Interaction is null)
        {
            errors.Add(new("/ticket", "required", "Map the payload into a ticket, an interaction or both."));
        }
        CheckTarget(source.Ticket, "/ticket", TicketFields, ["subject"], errors);
        CheckTarget(source.Interaction, "/interaction", InteractionFields, ["kind"], errors);
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, $"The inbound source '{source.Key}' is not valid.");
        }
    }

    private static void CheckTarget(
        InboundTarget? target,
        string path,
        IReadOnlyList<string> allowed,
        IReadOnlyList<string> required,
        List<FieldError> errors
    )
    {
        if (target is null)
        {
            return;
        }
        if (target.ExternalId is null)
        {
            errors.Add(new(path + "/externalId", "required", "Give the pointer to the vendor's id."));
        }
        CheckPointer(target.ExternalId, path + "/externalId", errors);
        if (target.Fields.Count > MaxFields)
        {
            errors.Add(new(path + "/fields", "max-items", $"At most {MaxFields} fields."));
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < target.Fields.Count; i++)
        {
            var field = target.Fields[i];
            var at = $"{path}/fields/{i}";
            if (!allowed.Contains(field.Name, StringComparer.Ordinal))
            {
                errors.Add(new(at + "/name", "enum", "Must be one of: " + string.Join(", ", allowed) + "."));
            }
            else if (!seen.Add(field.Name))
            {
                errors.Add(new(at + "/name", "duplicate", $"'{field.Name}' is mapped twice."));
            }
            if (field.Pointer is null && field.Value is null)
            {
                errors.Add(new(at, "required", "Give a pointer, a value or both."));
            }
            CheckPointer(field.Pointer, at + "/pointer", errors);
            if (field.Value is { Length: > 1000 })
            {
                errors.Add(new(at + "/value", "max-length", "Must be at most 1000 characters."));
            }
            if (field.Values.Count > MaxValues)
            {
                errors.Add(new(at + "/values", "max-items", $"At most {MaxValues} translations."));
            }
            for (var j = 0; j < field.Values.Count; j++)
            {
                if (field.Values[j].From is not { Length: > 0 and <= 200 } || field.Values[j].To is not { Length: > 0 and <= 200 })
                {
                    errors.Add(new($"{at}/values/{j}", "value", "from and to are 1-200 characters."));
                }
            }
        }
        foreach (var name in required)
        {
            if (!seen.Contains(name))
            {
                errors.Add(new(path + "/fields", "required-field", $"Map '{name}' (a pointer with a default value, or a constant)."));
            }
        }
    }

    private static void CheckPointer(string? pointer, string path, List<FieldError> errors)
    {
        if (pointer is null)
        {
            return;
        }
        if (pointer.Length is 0 or > 256 || pointer[0] != '/' || !InboundPayload.IsValidPointer(pointer))
        {
            errors.Add(new(path, "json-pointer", "Must be a JSON Pointer (RFC 6901) such as /detail/id, at most 256 characters."));
        }
    }

    private static bool IsHeader(string? name) =>
        name is { Length: > 0 and <= 64 } && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    private static bool IsName(string? name, int max, bool dashes, bool lowerOnly)
    {
        if (
            string.IsNullOrEmpty(name)
            || name.Length > max
            || !char.IsAsciiLetter(name[0])
            || (lowerOnly && !char.IsAsciiLetterLower(name[0]))
        )
        {
            return false;
        }
        foreach (var c in name)
        {
            var ok = lowerOnly
                ? char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || (dashes && c == '-')
                : char.IsAsciiLetterOrDigit(c) || (dashes && c is '-' or '_');
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }

    protected override async Task<Snapshot> LoadAsync(CancellationToken cancellationToken)
    {
        var records = await LoadAllAsync<InboundSource>(Document, cancellationToken);
        return new Snapshot(records.ToFrozenDictionary(r => r.Definition.Key, StringComparer.Ordinal));
    }

    public sealed record Snapshot(FrozenDictionary<string, DefinitionRecord<InboundSource>> ByKey);
}
