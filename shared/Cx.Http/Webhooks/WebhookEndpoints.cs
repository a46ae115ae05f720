using System.Text.RegularExpressions;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Webhooks;
using Cx.Http.Definitions;
using Cx.Http.Paging;
using Cx.Http.Requests;
using Cx.Http.Responses;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Cx.Http.Webhooks;

/// <summary>
/// HTTP handling of outbound webhooks: subscriptions through the definition machinery, and the
/// delivery log with replays for admins.
/// </summary>
public sealed partial class WebhookEndpoints(
    WebhookRegistry registry,
    WebhookService service,
    DefinitionHandler definitions,
    IOptions<ContentOptions> content,
    IOptions<HttpOptions> httpOptions
)
{
    [GeneratedRegex(WebhookRoutes.KeyPattern, RegexOptions.CultureInvariant)]
    private static partial Regex KeyFormat();

    [GeneratedRegex(WebhookRoutes.DeliveryIdPattern, RegexOptions.CultureInvariant)]
    private static partial Regex DeliveryFormat();

    public Task<IResult> ListAsync(HttpRequest request, CancellationToken cancellationToken) =>
        definitions.ListAsync(
            request,
            WebhookRegistry.Document,
            "Webhook subscriptions are listed by key; use limit and cursor.",
            registry.ListAsync,
            cancellationToken
        );

    public Task<IResult> GetAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        CheckRoute(key, null);
        return definitions.GetAsync(request, ct => registry.GetAsync(key, ct), cancellationToken);
    }

    public Task<IResult> CreateAsync(HttpRequest request, CancellationToken cancellationToken) =>
        definitions.CreateAsync<WebhookSubscription>(request, registry.CreateAsync, s => WebhookRoutes.Location(s.Key), cancellationToken);

    public Task<IResult> ReplaceAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        CheckRoute(key, null);
        return definitions.ReplaceAsync<WebhookSubscription>(
            request,
            (s, ifMatch, ct) => registry.ReplaceAsync(key, s, ifMatch, ct),
            cancellationToken
        );
    }

    public Task<IResult> DeleteAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        CheckRoute(key, null);
        return definitions.DeleteAsync(request, (ifMatch, ct) => registry.DeleteAsync(key, ifMatch, ct), cancellationToken);
    }

    public async Task<IResult> ListDeliveriesAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        CheckRoute(key, null);
        var page = PageRequest.Read(
            request,
            content.Value,
            "webhook-deliveries:" + key,
            "Deliveries are listed newest first.",
            allowFilters: true
        );
        DateTimeOffset? since = null;
        var errors = new List<FieldError>();
        foreach (var filter in page.Parameters.Filters)
        {
            if (filter is { Field: "createdAt", Operator: "gte" } && Instants.TryParse(filter.Value, out var from))
            {
                since = from;
            }
            else
            {
                errors.Add(
                    new(filter.Parameter, "not-filterable", "Filter on createdAt with gte and an RFC 3339 instant.", ErrorLocation.Query)
                );
            }
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, "The query string is not valid.");
        }
        var found = await service.ListDeliveriesAsync(key, since, page.Limit, page.After, cancellationToken);
        return new PageResult(found.Items, page.NextCursor(found.Next));
    }

    public async Task<IResult> GetDeliveryAsync(HttpRequest request, string key, string deliveryId, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        CheckRoute(key, deliveryId);
        return new DocumentResult(await service.GetDeliveryAsync(key, deliveryId, cancellationToken));
    }

    public async Task<IResult> ReplayDeliveryAsync(HttpRequest request, string key, string deliveryId, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        CheckRoute(key, deliveryId);
        var id = await service.ReplayAsync(key, deliveryId, cancellationToken);
        return new JsonContractResult<WebhookReplayView>(
            new WebhookReplayView(DeliveryId: id),
            WebhookJsonContext.Relaxed.WebhookReplayView,
            StatusCodes.Status202Accepted
        );
    }

    public async Task<IResult> ReplaySinceAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        CheckRoute(key, null);
        var body = await RequestBody.ReadObjectAsync(request, httpOptions.Value, cancellationToken);
        var errors = new List<FieldError>();
        DateTimeOffset since = default;
        foreach (var property in body)
        {
            if (property.Key != "since")
            {
                errors.Add(new("/" + property.Key, "unknown-property", "The body takes only since."));
            }
        }
        if (
            body["since"] is not { } value
            || value.GetValueKind() != System.Text.Json.JsonValueKind.String
            || !Instants.TryParse(value.GetValue<string>(), out since)
        )
        {
            errors.Add(new("/since", "date-time", "Required: an RFC 3339 instant."));
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, "The body is not valid.");
        }
        var count = await service.ReplaySinceAsync(key, since, cancellationToken);
        return new JsonContractResult<WebhookReplayView>(
            new WebhookReplayView(Replayed: count),
            WebhookJsonContext.Relaxed.WebhookReplayView,
            StatusCodes.Status202Accepted
        );
    }

    private static void CheckRoute(string key, string? deliveryId)
    {
        var errors = new List<FieldError>();
        if (!KeyFormat().IsMatch(key))
        {
            errors.Add(
                new("webhookKey", "pattern", "A subscription key: 1-64 of a-z, 0-9, '_', '-', starting with a letter.", ErrorLocation.Route)
            );
        }
        if (deliveryId is not null && !DeliveryFormat().IsMatch(deliveryId))
        {
            errors.Add(
                new("deliveryId", "pattern", "A delivery id: msg_ and 32 hexadecimal digits (and .r... for a replay).", ErrorLocation.Route)
            );
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, "The route is not valid.");
        }
    }
}
