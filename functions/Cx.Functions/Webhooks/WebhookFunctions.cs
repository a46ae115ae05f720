using Cx.Core.Identity;
using Cx.Http.Security;
using Cx.Http.Webhooks;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cx.Functions.Webhooks;

/// <summary>Outbound webhook subscriptions: CRUD as definition documents.</summary>
public sealed class WebhookFunctions(WebhookEndpoints endpoints)
{
    [Access(Permissions.WebhooksManage)]
    [Function(nameof(ListWebhooks))]
    public Task<IResult> ListWebhooks(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = WebhookRoutes.Collection)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.ListAsync(request, cancellationToken);

    [Access(Permissions.WebhooksManage)]
    [Function(nameof(CreateWebhook))]
    public Task<IResult> CreateWebhook(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = WebhookRoutes.Collection)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.CreateAsync(request, cancellationToken);

    [Access(Permissions.WebhooksManage)]
    [Function(nameof(GetWebhook))]
    public Task<IResult> GetWebhook(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = WebhookRoutes.ByKey)] HttpRequest request,
        string webhookKey,
        CancellationToken cancellationToken
    ) => endpoints.GetAsync(request, webhookKey, cancellationToken);

    [Access(Permissions.WebhooksManage)]
    [Function(nameof(ReplaceWebhook))]
    public Task<IResult> ReplaceWebhook(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = WebhookRoutes.ByKey)] HttpRequest request,
        string webhookKey,
        CancellationToken cancellationToken
    ) => endpoints.ReplaceAsync(request, webhookKey, cancellationToken);

    [Access(Permissions.WebhooksManage)]
    [Function(nameof(DeleteWebhook))]
    public Task<IResult> DeleteWebhook(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = WebhookRoutes.ByKey)] HttpRequest request,
        string webhookKey,
        CancellationToken cancellationToken
    ) => endpoints.DeleteAsync(request, webhookKey, cancellationToken);
}

/// <summary>The delivery log of outbound webhooks and its replays.</summary>
public sealed class WebhookDeliveryFunctions(WebhookEndpoints endpoints)
{
    [Access(Permissions.WebhooksManage)]
    [Function(nameof(ListWebhookDeliveries))]
    public Task<IResult> ListWebhookDeliveries(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = WebhookRoutes.Deliveries)] HttpRequest request,
        string webhookKey,
        CancellationToken cancellationToken
    ) => endpoints.ListDeliveriesAsync(request, webhookKey, cancellationToken);

    [Access(Permissions.WebhooksManage)]
    [Function(nameof(GetWebhookDelivery))]
    public Task<IResult> GetWebhookDelivery(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = WebhookRoutes.Delivery)] HttpRequest request,
        string webhookKey,
        string deliveryId,
        CancellationToken cancellationToken
    ) => endpoints.GetDeliveryAsync(request, webhookKey, deliveryId, cancellationToken);

    [Access(Permissions.WebhooksManage)]
    [Function(nameof(ReplayWebhookDelivery))]
    public Task<IResult> ReplayWebhookDelivery(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = WebhookRoutes.ReplayDelivery)] HttpRequest request,
        string webhookKey,
        string deliveryId,
        CancellationToken cancellationToken
    ) => endpoints.ReplayDeliveryAsync(request, webhookKey, deliveryId, cancellationToken);

    [Access(Permissions.WebhooksManage)]
    [Function(nameof(ReplayWebhookDeliveries))]
    public Task<IResult> ReplayWebhookDeliveries(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = WebhookRoutes.Replay)] HttpRequest request,
        string webhookKey,
        CancellationToken cancellationToken
    ) => endpoints.ReplaySinceAsync(request, webhookKey, cancellationToken);
}
