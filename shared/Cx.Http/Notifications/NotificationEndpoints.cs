using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Notifications;
using Cx.Core.Profiles;
using Cx.Http.Definitions;
using Cx.Http.Paging;
using Cx.Http.Requests;
using Cx.Http.Responses;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Cx.Http.Notifications;

/// <summary>
/// HTTP handling of notifications: triggers through the definition machinery, a customer's inbox
/// (list, mark read), their delivery log, and a direct send through the one send function.
/// </summary>
public sealed partial class NotificationEndpoints(
    NotificationTriggerRegistry registry,
    NotificationService service,
    NotificationLog log,
    NotificationPreferences preferences,
    NotificationPreview preview,
    NotificationDryRun dryRun,
    NotificationDeadLetters deadLetters,
    EntryService entries,
    DefinitionHandler definitions,
    TimeProvider time,
    IOptions<ContentOptions> content,
    IOptions<HttpOptions> httpOptions
)
{
    [GeneratedRegex(NotificationRoutes.KeyPattern, RegexOptions.CultureInvariant)]
    private static partial Regex KeyFormat();

    [GeneratedRegex(NotificationRoutes.MessageIdPattern, RegexOptions.CultureInvariant)]
    private static partial Regex MessageIdFormat();

    public Task<IResult> ListTriggersAsync(HttpRequest request, CancellationToken cancellationToken) =>
        definitions.ListAsync(
            request,
            NotificationTriggerRegistry.Document,
            "Notification triggers are listed by key; use limit and cursor.",
            registry.ListAsync,
            cancellationToken
        );

    public Task<IResult> GetTriggerAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        CheckKey(key);
        return definitions.GetAsync(request, ct => registry.GetAsync(key, ct), cancellationToken);
    }

    public Task<IResult> CreateTriggerAsync(HttpRequest request, CancellationToken cancellationToken) =>
        definitions.CreateAsync<NotificationTrigger>(
            request,
            registry.CreateAsync,
            t => NotificationRoutes.TriggerLocation(t.Key),
            cancellationToken
        );

    public Task<IResult> ReplaceTriggerAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        CheckKey(key);
        return definitions.ReplaceAsync<NotificationTrigger>(
            request,
            (t, ifMatch, ct) => registry.ReplaceAsync(key, t, ifMatch, ct),
            cancellationToken
        );
    }

    public Task<IResult> DeleteTriggerAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        CheckKey(key);
        return definitions.DeleteAsync(request, (ifMatch, ct) => registry.DeleteAsync(key, ifMatch, ct), cancellationToken);
    }

    /// <summary><c>GET customers/{id}/inbox</c>: newest first; <c>unread=true</c> lists only unread messages.</summary>
    public async Task<IResult> ListInboxAsync(HttpRequest request, string customerId, CancellationToken cancellationToken)
    {
        var unread = false;
        if (request.Query.TryGetValue("unread", out var flag))
        {
            if (flag.Count != 1 || flag[0] is not ("true" or "false"))
            {
                throw new ValidationException(
                    [new FieldError("unread", "boolean", "Must be true or false, given once.", ErrorLocation.Query)],
                    "The query string is not valid."
                );
            }
            unread = flag[0] == "true";
        }
        var page = PageRequest.Read(
            WithoutQuery(request, "unread"),
            content.Value,
            "inbox:" + customerId + ":" + unread,
            "The inbox is listed newest first; use limit and cursor (and unread=true)."
        );
        await EnsureCustomerAsync(customerId, cancellationToken);
        var found = await log.ListAsync(NotificationLog.InboxType, customerId, unread, page.Limit, page.After, cancellationToken);
        return new PageResult(found.Items, page.NextCursor(found.Next));
    }

    public async Task<IResult> MarkReadAsync(HttpRequest request, string customerId, string messageId, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        if (!MessageIdFormat().IsMatch(messageId))
        {
            throw new ValidationException(
                [new FieldError("messageId", "pattern", "A message id: inb_ and 32 hexadecimal digits.", ErrorLocation.Route)],
                "The route is not valid."
            );
        }
        return new DocumentResult(await log.MarkReadAsync(customerId, messageId, time.GetUtcNow(), cancellationToken));
    }

    /// <summary><c>GET customers/{id}/notifications</c>: the customer's delivery log, newest first.</summary>
    public async Task<IResult> ListDeliveriesAsync(HttpRequest request, string customerId, CancellationToken cancellationToken)
    {
        var page = PageRequest.Read(request, content.Value, "notifications:" + customerId, "Deliveries are listed newest first.");
        await EnsureCustomerAsync(customerId, cancellationToken);
        var found = await log.ListAsync(NotificationLog.DeliveryType, customerId, false, page.Limit, page.After, cancellationToken);
        return new PageResult(found.Items, page.NextCursor(found.Next));
    }

    /// <summary><c>POST customers/{id}/notifications</c>: one message through the send function; 200 with what became of it.</summary>
    public async Task<IResult> SendAsync(HttpRequest request, string customerId, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var body = await RequestBody.ReadObjectAsync(request, httpOptions.Value, cancellationToken);
        var errors = new List<FieldError>();
        foreach (var property in body)
        {
            if (property.Key is not ("channel" or "subject" or "body" or "topic" or "critical" or "idempotencyKey"))
            {
                errors.Add(
                    new(
                        "/" + property.Key,
                        "unknown-property",
                        "The body takes channel, subject, body, topic, critical and idempotencyKey."
                    )
                );
            }
        }
        var channel = Text(body, "channel", true, 64, errors);
        var subject = Text(body, "subject", false, 998, errors);
        var text = Text(body, "body", true, 100_000, errors);
        var topic = Text(body, "topic", false, 64, errors) ?? "transactional";
        var key = Text(body, "idempotencyKey", true, 200, errors);
        var critical = false;
        if (body["critical"] is { } c)
        {
            if (c.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
            {
                errors.Add(new("/critical", "boolean", "Must be true or false."));
            }
            else
            {
                critical = c.GetValue<bool>();
            }
        }
        if (topic is not null && !NotificationTrigger.IsKey(topic))
        {
            errors.Add(new("/topic", "key", "Must be 1-64 of a-z, 0-9, '_', '-', starting with a lower-case letter."));
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, "The body is not valid.");
        }
        await EnsureCustomerAsync(customerId, cancellationToken);
        var result = await service.SendAsync(
            new NotificationMessage
            {
                CustomerId = customerId,
                Channel = channel!,
                IdempotencyKey = "api|" + key,
                Topic = topic!,
                Critical = critical,
                Subject = subject,
                Body = text!,
            },
            cancellationToken
        );
        return new JsonContractResult<NotificationSendView>(
            new NotificationSendView(result.DeliveryId, result.Status, result.Reason, result.Duplicate, result.HeldUntil),
            NotificationJsonContext.Relaxed.NotificationSendView
        );
    }

    /// <summary><c>GET customers/{id}/notification-preferences</c>: opt-ins and outs with their evidence, quiet hours, the cap.</summary>
    public async Task<IResult> GetPreferencesAsync(HttpRequest request, string customerId, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        await EnsureCustomerAsync(customerId, cancellationToken);
        return PreferencesResult(await preferences.GetAsync(customerId, cancellationToken));
    }

    /// <summary><c>PUT customers/{id}/notification-preferences</c>: changes what the body names; each opt-in or out is recorded with its evidence.</summary>
    public async Task<IResult> UpdatePreferencesAsync(HttpRequest request, string customerId, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var body = await RequestBody.ReadObjectAsync(request, httpOptions.Value, cancellationToken);
        var change = NotificationPreferences.Validate(body, "api");
        await EnsureCustomerAsync(customerId, cancellationToken);
        return PreferencesResult(await preferences.UpdateAsync(customerId, change, cancellationToken));
    }

    /// <summary>
    /// <c>POST notifications/unsubscribe?customer&amp;topic&amp;signature</c>: the RFC 8058 one-click
    /// unsubscribe of an e-mail's <c>List-Unsubscribe</c> link. The signature is the authorization.
    /// </summary>
    public async Task<IResult> UnsubscribeAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        string? Read(string name)
        {
            if (request.Query.TryGetValue(name, out var values) && values.Count == 1 && values[0] is { Length: > 0 and <= 200 } value)
            {
                return value;
            }
            errors.Add(new(name, "required", "Required once: the link carries customer, topic and signature.", ErrorLocation.Query));
            return null;
        }
        var customer = Read("customer");
        var topic = Read("topic");
        var signature = Read("signature");
        foreach (var key in request.Query.Keys.Where(k => k is not ("customer" or "topic" or "signature")))
        {
            errors.Add(new(key, "unknown-parameter", "The link carries only customer, topic and signature.", ErrorLocation.Query));
        }
        if (errors.Count == 0 && !preferences.VerifySignature(customer!, topic!, signature!))
        {
            errors.Add(new("signature", "signature", "Not a valid unsubscribe link (or links are not configured).", ErrorLocation.Query));
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, "The unsubscribe link is not valid.");
        }
        await EnsureCustomerAsync(customer!, cancellationToken);
        await preferences.UpdateAsync(
            customer!,
            new PreferenceChange(
                [("topic", topic!, false)],
                false,
                null,
                false,
                null,
                "one-click-unsubscribe",
                "RFC 8058 List-Unsubscribe-Post"
            ),
            cancellationToken
        );
        return new JsonContractResult<UnsubscribeView>(new UnsubscribeView(topic!, true), NotificationJsonContext.Relaxed.UnsubscribeView);
    }

    /// <summary><c>POST notification-triggers/{key}/preview</c> <c>{customerId, documentId?}</c>: renders the trigger for a real customer, sending nothing.</summary>
    public async Task<IResult> PreviewAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        CheckKey(key);
        var body = await RequestBody.ReadObjectAsync(request, httpOptions.Value, cancellationToken);
        var errors = new List<FieldError>();
        foreach (var property in body)
        {
            if (property.Key is not ("customerId" or "documentId"))
            {
                errors.Add(new("/" + property.Key, "unknown-property", "The body takes customerId and documentId."));
            }
        }
        var customerId = Text(body, "customerId", true, 128, errors);
        var documentId = Text(body, "documentId", false, 128, errors);
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, "The body is not valid.");
        }
        var items = await preview.PreviewAsync(key, customerId!, documentId, cancellationToken);
        return new JsonContractResult<NotificationPreviewView>(
            new NotificationPreviewView([
                .. items.Select(i => new NotificationPreviewItemView(
                    i.Channel,
                    i.Language,
                    i.Subject,
                    i.Body,
                    i.To,
                    i.WouldSend,
                    i.Reason
                )),
            ]),
            NotificationJsonContext.Relaxed.NotificationPreviewView
        );
    }

    /// <summary><c>POST notification-triggers/{key}/dry-run</c> <c>{customerId, limit?}</c>: replays a customer's recent causes through the trigger, sending nothing.</summary>
    public async Task<IResult> DryRunAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        CheckKey(key);
        var body = await RequestBody.ReadObjectAsync(request, httpOptions.Value, cancellationToken);
        var errors = new List<FieldError>();
        foreach (var property in body)
        {
            if (property.Key is not ("customerId" or "limit"))
            {
                errors.Add(new("/" + property.Key, "unknown-property", "The body takes customerId and limit."));
            }
        }
        var customerId = Text(body, "customerId", true, 128, errors);
        var limit = 20;
        if (body["limit"] is { } l)
        {
            if (
                l.GetValueKind() != JsonValueKind.Number
                || !l.AsValue().TryGetValue<int>(out var n)
                || n is < 1 or > NotificationDryRun.MaxCauses
            )
            {
                errors.Add(new("/limit", "range", $"Must be a whole number 1-{NotificationDryRun.MaxCauses}."));
            }
            else
            {
                limit = n;
            }
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, "The body is not valid.");
        }
        var causes = await dryRun.RunAsync(key, customerId!, limit, cancellationToken);
        return new JsonContractResult<NotificationDryRunView>(
            new NotificationDryRunView([
                .. causes.Select(c => new NotificationDryRunCauseView(
                    c.CauseId,
                    c.Kind,
                    c.At,
                    [
                        .. c.Channels.Select(ch => new NotificationDryRunChannelView(
                            ch.Channel,
                            ch.DeliveryId,
                            ch.Language,
                            ch.Subject,
                            ch.Body,
                            ch.To,
                            ch.WouldSend,
                            ch.Reason,
                            ch.Logged
                        )),
                    ],
                    c.NotFired
                )),
            ]),
            NotificationJsonContext.Relaxed.NotificationDryRunView
        );
    }

    /// <summary><c>GET notifications/dead-letters?limit=</c>: the work items the queue gave up on, newest first.</summary>
    public async Task<IResult> ListDeadLettersAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var limit = 50;
        foreach (var (name, values) in request.Query)
        {
            if (name != "limit")
            {
                throw new ValidationException(
                    [new FieldError(name, "unknown-parameter", "The only parameter is limit.", ErrorLocation.Query)],
                    "The query string is not valid."
                );
            }
            if (
                values.Count != 1
                || !int.TryParse(
                    values[0],
                    System.Globalization.NumberStyles.None,
                    System.Globalization.CultureInfo.InvariantCulture,
                    out limit
                )
                || limit is < 1 or > NotificationDeadLetters.MaxListed
            )
            {
                throw new ValidationException(
                    [
                        new FieldError(
                            "limit",
                            "range",
                            $"Must be a whole number 1-{NotificationDeadLetters.MaxListed}, given once.",
                            ErrorLocation.Query
                        ),
                    ],
                    "The query string is not valid."
                );
            }
        }
        var items = await deadLetters.ListAsync(limit, cancellationToken);
        return new JsonContractResult<NotificationDeadLettersView>(
            new NotificationDeadLettersView([
                .. items.Select(d => new NotificationDeadLetterView(d.MessageId, d.CustomerId, d.Trigger, d.CauseId, d.Attempts, d.Reason)),
            ]),
            NotificationJsonContext.Relaxed.NotificationDeadLettersView
        );
    }

    /// <summary><c>POST notifications/dead-letters/{messageId}/replay</c>: the work item again, under a new message id.</summary>
    public async Task<IResult> ReplayDeadLetterAsync(HttpRequest request, string messageId, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        if (!DeadLetterIdFormat().IsMatch(messageId))
        {
            throw new ValidationException(
                [
                    new FieldError(
                        "messageId",
                        "pattern",
                        "A work item id: ntw_ and 32 hexadecimal digits (and .r... for a replay).",
                        ErrorLocation.Route
                    ),
                ],
                "The route is not valid."
            );
        }
        var id = await deadLetters.ReplayAsync(messageId, cancellationToken);
        return new JsonContractResult<NotificationReplayView>(
            new NotificationReplayView(id),
            NotificationJsonContext.Relaxed.NotificationReplayView,
            StatusCodes.Status202Accepted
        );
    }

    [GeneratedRegex(NotificationRoutes.WorkItemIdPattern, RegexOptions.CultureInvariant)]
    private static partial Regex DeadLetterIdFormat();

    private static JsonWriterResult PreferencesResult(JsonObject document) =>
        new(
            StatusCodes.Status200OK,
            writer =>
            {
                document.Remove("sent");
                document.WriteTo(writer);
            }
        );

    private async Task EnsureCustomerAsync(string customerId, CancellationToken cancellationToken) =>
        await entries.GetAsync(CustomerProfile.TypeKey, customerId, cancellationToken);

    private static string? Text(JsonObject body, string name, bool required, int maxLength, List<FieldError> errors)
    {
        if (body[name] is not { } node)
        {
            if (required)
            {
                errors.Add(new("/" + name, "required", $"Required: a string of at most {maxLength} characters."));
            }
            return null;
        }
        if (node.GetValueKind() != JsonValueKind.String || node.GetValue<string>() is not { Length: > 0 } value || value.Length > maxLength)
        {
            errors.Add(new("/" + name, "string", $"Must be a non-empty string of at most {maxLength} characters."));
            return null;
        }
        return value;
    }

    private static HttpRequest WithoutQuery(HttpRequest request, string name)
    {
        if (!request.Query.ContainsKey(name))
        {
            return request;
        }
        request.Query = new QueryCollection(
            request.Query.Where(q => q.Key != name).ToDictionary(q => q.Key, q => q.Value, StringComparer.Ordinal)
        );
        return request;
    }

    private static void CheckKey(string key)
    {
        if (!KeyFormat().IsMatch(key))
        {
            throw new ValidationException(
                [
                    new FieldError(
                        "triggerKey",
                        "pattern",
                        "A trigger key: 1-64 of a-z, 0-9, '_', '-', starting with a letter.",
                        ErrorLocation.Route
                    ),
                ],
                "The route is not valid."
            );
        }
    }
}
