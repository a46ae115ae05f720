using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Identity;
using Cx.Core.Profiles;
using Cx.Core.Support;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cx.Core.Inbound;

/// <summary>What a delivery did: <c>applied</c>, or <c>duplicate</c> when the same delivery was applied before.</summary>
public sealed record InboundReceipt(string Status, string Source, string DeliveryId, string? TicketId, string? InteractionId);

/// <summary>
/// Receives one vendor delivery: checks its signature with the source's secret (401 and nothing
/// written when it fails), refuses it when its signed time is outside the replay window, applies it
/// once (a receipt per delivery id, or per body hash, in the webhook delivery container; ticket and
/// interaction ids derived from the vendor's ids, so even racing copies write one ticket), and
/// normalises it into a ticket and an interaction of the customer it names.
/// </summary>
public sealed partial class InboundService(
    InboundSourceRegistry registry,
    SupportService support,
    EntryService entries,
    IDocumentStore store,
    TimeProvider time,
    IOptions<InboundOptions> options,
    ILogger<InboundService> logger
)
{
    public const string ReceiptType = "inboundDelivery";

    public static string ReceiptPartition(string source) => "inbound:" + source;

    public async Task<InboundReceipt> ReceiveAsync(
        string key,
        Func<string, string?> header,
        ReadOnlyMemory<byte> body,
        CancellationToken cancellationToken
    )
    {
        var source = await registry.FindAsync(key, cancellationToken);
        if (source is null || !source.Enabled)
        {
            throw new NotFoundException("Inbound source", key);
        }
        var settings = options.Value;
        var secret = settings.Secrets.GetValueOrDefault(source.Signature.Secret);
        if (string.IsNullOrEmpty(secret) || secret.StartsWith("@Microsoft.KeyVault(", StringComparison.OrdinalIgnoreCase))
        {
            LogNoSecret(logger, key, source.Signature.Secret);
            throw Refused();
        }
        var timestampText = source.Signature.TimestampHeader is { } timestampHeader ? header(timestampHeader) : null;
        if (source.Signature.TimestampHeader is not null && timestampText is null)
        {
            throw Refused();
        }
        if (!InboundPayload.Verify(source.Signature, secret, header(source.Signature.Header), timestampText, body.Span))
        {
            LogBadSignature(logger, key);
            throw Refused();
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException)
        {
            throw new MalformedJsonException("The delivery is not JSON.");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new MalformedJsonException("The delivery must be a JSON object.");
            }
            var sent = InboundPayload.ParseTime(timestampText ?? InboundPayload.Text(root, source.Timestamp));
            var window = TimeSpan.FromSeconds(settings.ReplayWindowSeconds);
            if (sent is not { } at || (time.GetUtcNow() - at).Duration() > window)
            {
                LogStale(logger, key);
                throw new UnauthorizedException(
                    UnauthorizedException.InvalidRequest,
                    $"The delivery's time is missing or more than {settings.ReplayWindowSeconds} seconds away from now (a replay?)."
                );
            }
            var deliveryId = InboundPayload.Text(root, source.DeliveryId) ?? "sha256:" + InboundPayload.Hash(body.Span);
            var receiptKey = new DocumentKey(ReceiptPartition(key), "in_" + InboundPayload.Hash(deliveryId)[..40]);
            if (await store.ReadAsync(Containers.WebhookDeliveries, receiptKey, cancellationToken) is { } seen)
            {
                return Duplicate(key, deliveryId, seen);
            }
            var customerId = await ResolveCustomerAsync(source, root, cancellationToken);
            string? ticketId = null;
            if (source.Ticket is { } ticketMapping)
            {
                var externalId = Required(root, ticketMapping.ExternalId);
                var fields = Map(root, ticketMapping, SupportModel.Ticket);
                ticketId = key + "-" + InboundPayload.Hash(key + "\n" + externalId)[..24];
                await support.SyncTicketAsync(customerId, ticketId, key, externalId, fields, cancellationToken);
            }
            string? interactionId = null;
            if (source.Interaction is { } interactionMapping)
            {
                var externalId = Required(root, interactionMapping.ExternalId);
                var fields = Map(root, interactionMapping, SupportModel.Interaction);
                interactionId = key + "-" + InboundPayload.Hash(key + "\n" + deliveryId)[..24];
                await support.RecordExternalInteractionAsync(
                    customerId,
                    interactionId,
                    key,
                    externalId,
                    ticketId,
                    fields,
                    cancellationToken
                );
            }
            var receipt = new JsonObject
            {
                ["id"] = receiptKey.Id,
                ["type"] = ReceiptType,
                ["source"] = key,
                ["deliveryId"] = deliveryId,
                ["customer"] = customerId,
                ["ticket"] = ticketId,
                ["interaction"] = interactionId,
                ["receivedAt"] = Instants.Format(time.GetUtcNow()),
            };
            try
            {
                await store.CreateAsync(
                    Containers.WebhookDeliveries,
                    new DocumentWrite(receiptKey.Id, receiptKey.PartitionKey, ReceiptType, JsonSerializer.SerializeToUtf8Bytes(receipt)),
                    cancellationToken
                );
            }
            catch (DocumentExistsException)
            {
                // A racing copy of the same delivery wrote the same ticket and interaction first.
            }
            LogApplied(logger, key, deliveryId);
            return new InboundReceipt("applied", key, deliveryId, ticketId, interactionId);
        }
    }

    private static InboundReceipt Duplicate(string key, string deliveryId, StoredDocument seen)
    {
        using var json = JsonDocument.Parse(seen.Json);
        string? Read(string name) =>
            json.RootElement.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        return new InboundReceipt("duplicate", key, deliveryId, Read("ticket"), Read("interaction"));
    }

    private static UnauthorizedException Refused() =>
        new(UnauthorizedException.InvalidRequest, "The delivery's signature does not verify with this source's secret.");

    private static string Required(JsonElement root, string pointer) =>
        InboundPayload.Text(root, pointer)
        ?? throw new ValidationException(new FieldError(pointer, "required", "The delivery has no vendor id here."));

    private async Task<string> ResolveCustomerAsync(InboundSource source, JsonElement root, CancellationToken cancellationToken)
    {
        if (InboundPayload.Text(root, source.Customer.Id) is { } id && Ids.IsValidClientId(id))
        {
            try
            {
                return (await entries.GetAsync(CustomerProfile.TypeKey, id, cancellationToken)).Id;
            }
            catch (NotFoundException) { }
        }
        if (InboundPayload.Text(root, source.Customer.Email) is { Length: <= 254 } email)
        {
            var (_, page) = await entries.ListAsync(
                CustomerProfile.TypeKey,
                new EntryListRequest { Filters = [new RawFilter("email", "eq", email.Trim().ToLowerInvariant(), "email")], Limit = 1 },
                cancellationToken
            );
            if (page.Items.Count > 0)
            {
                return page.Items[0].Id;
            }
        }
        throw new ValidationException(
            new FieldError(source.Customer.Id ?? source.Customer.Email ?? "", "customer", "No Cx customer has this id or e-mail."),
            "The delivery names no known customer; nothing was written."
        );
    }

    /// <summary>The Cx fields of a target: pointer values translated, defaults, strings cut to the field's length.</summary>
    private static JsonObject Map(JsonElement root, InboundTarget target, ContentType type)
    {
        var fields = new JsonObject();
        foreach (var field in target.Fields)
        {
            var value = InboundPayload.Text(root, field.Pointer);
            if (value is not null && field.Values.Count > 0)
            {
                value = field.Values.FirstOrDefault(v => string.Equals(v.From, value, StringComparison.OrdinalIgnoreCase))?.To;
            }
            value ??= field.Value;
            if (value is null)
            {
                continue;
            }
            var max = type.Fields.FirstOrDefault(f => f.Name == field.Name)?.MaxLength;
            if (max is { } limit && value.Length > limit)
            {
                value = value[..limit];
            }
            fields[field.Name] = value;
        }
        return fields;
    }

    [LoggerMessage(
        EventId = 4460,
        Level = LogLevel.Warning,
        Message = "Inbound source {Source} has no secret: set Cx:Inbound:Secrets:{Secret}"
    )]
    private static partial void LogNoSecret(ILogger logger, string source, string secret);

    [LoggerMessage(EventId = 4461, Level = LogLevel.Warning, Message = "Inbound delivery to {Source} refused: bad signature")]
    private static partial void LogBadSignature(ILogger logger, string source);

    [LoggerMessage(EventId = 4462, Level = LogLevel.Warning, Message = "Inbound delivery to {Source} refused: outside the replay window")]
    private static partial void LogStale(ILogger logger, string source);

    [LoggerMessage(EventId = 4463, Level = LogLevel.Information, Message = "Inbound delivery {DeliveryId} to {Source} applied")]
    private static partial void LogApplied(ILogger logger, string source, string deliveryId);
}
