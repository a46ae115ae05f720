using Cx.Core.Identity;
using Cx.Http.Personalization;
using Cx.Http.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cx.Functions.Personalization;

/// <summary>Placement documents: list, read, create, replace, delete.</summary>
public sealed class PlacementFunctions(PlacementEndpoints endpoints)
{
    [Access(Permissions.PersonalizationRead)]
    [Function(nameof(ListPlacements))]
    public Task<IResult> ListPlacements(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = PersonalizationRoutes.Placements)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.ListAsync(request, cancellationToken);

    [Access(Permissions.PersonalizationWrite)]
    [Function(nameof(CreatePlacement))]
    public Task<IResult> CreatePlacement(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = PersonalizationRoutes.Placements)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.CreateAsync(request, cancellationToken);

    [Access(Permissions.PersonalizationRead)]
    [Function(nameof(GetPlacement))]
    public Task<IResult> GetPlacement(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = PersonalizationRoutes.PlacementByKey)] HttpRequest request,
        string placementKey,
        CancellationToken cancellationToken
    ) => endpoints.GetAsync(request, placementKey, cancellationToken);

    [Access(Permissions.PersonalizationWrite)]
    [Function(nameof(ReplacePlacement))]
    public Task<IResult> ReplacePlacement(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = PersonalizationRoutes.PlacementByKey)] HttpRequest request,
        string placementKey,
        CancellationToken cancellationToken
    ) => endpoints.ReplaceAsync(request, placementKey, cancellationToken);

    [Access(Permissions.PersonalizationWrite)]
    [Function(nameof(DeletePlacement))]
    public Task<IResult> DeletePlacement(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = PersonalizationRoutes.PlacementByKey)] HttpRequest request,
        string placementKey,
        CancellationToken cancellationToken
    ) => endpoints.DeleteAsync(request, placementKey, cancellationToken);
}
