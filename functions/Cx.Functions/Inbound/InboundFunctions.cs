using Cx.Core.Identity;
using Cx.Http.Inbound;
using Cx.Http.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cx.Functions.Inbound;

/// <summary>Inbound webhooks: vendor deliveries (authenticated by their signature) and the source documents.</summary>
public sealed class InboundFunctions(InboundEndpoints endpoints)
{
    [Access(AccessAttribute.Anonymous, RateLimit = RateLimitGroups.Write)]
    [Function(nameof(ReceiveInboundWebhook))]
    public Task<IResult> ReceiveInboundWebhook(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = InboundRoutes.Receive)] HttpRequest request,
        string source,
        CancellationToken cancellationToken
    ) => endpoints.ReceiveAsync(request, source, cancellationToken);

    [Access(Permissions.WebhooksManage)]
    [Function(nameof(ListInboundSources))]
    public Task<IResult> ListInboundSources(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = InboundRoutes.Sources)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.ListAsync(request, cancellationToken);

    [Access(Permissions.WebhooksManage)]
    [Function(nameof(CreateInboundSource))]
    public Task<IResult> CreateInboundSource(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = InboundRoutes.Sources)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.CreateAsync(request, cancellationToken);

    [Access(Permissions.WebhooksManage)]
    [Function(nameof(GetInboundSource))]
    public Task<IResult> GetInboundSource(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = InboundRoutes.SourceByKey)] HttpRequest request,
        string sourceKey,
        CancellationToken cancellationToken
    ) => endpoints.GetAsync(request, sourceKey, cancellationToken);

    [Access(Permissions.WebhooksManage)]
    [Function(nameof(ReplaceInboundSource))]
    public Task<IResult> ReplaceInboundSource(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = InboundRoutes.SourceByKey)] HttpRequest request,
        string sourceKey,
        CancellationToken cancellationToken
    ) => endpoints.ReplaceAsync(request, sourceKey, cancellationToken);

    [Access(Permissions.WebhooksManage)]
    [Function(nameof(DeleteInboundSource))]
    public Task<IResult> DeleteInboundSource(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = InboundRoutes.SourceByKey)] HttpRequest request,
        string sourceKey,
        CancellationToken cancellationToken
    ) => endpoints.DeleteAsync(request, sourceKey, cancellationToken);
}
