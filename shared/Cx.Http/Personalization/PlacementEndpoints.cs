using Cx.Core.Personalization;
using Cx.Http.Definitions;
using Microsoft.AspNetCore.Http;

namespace Cx.Http.Personalization;

/// <summary>HTTP handling of placement documents, through the one <see cref="DefinitionHandler"/>.</summary>
public sealed class PlacementEndpoints(PlacementRegistry placements, DefinitionHandler definitions)
{
    public Task<IResult> ListAsync(HttpRequest request, CancellationToken cancellationToken) =>
        definitions.ListAsync(
            request,
            PersonalizationDocuments.Placement,
            "Placements are listed by key; use limit and cursor.",
            placements.ListAsync,
            cancellationToken
        );

    public Task<IResult> GetAsync(HttpRequest request, string key, CancellationToken cancellationToken) =>
        definitions.GetAsync(request, ct => placements.GetAsync(key, ct), cancellationToken);

    public Task<IResult> CreateAsync(HttpRequest request, CancellationToken cancellationToken) =>
        definitions.CreateAsync<PlacementDefinition>(
            request,
            placements.CreateAsync,
            placement => PersonalizationRoutes.PlacementLocation(placement.Key),
            cancellationToken
        );

    public Task<IResult> ReplaceAsync(HttpRequest request, string key, CancellationToken cancellationToken) =>
        definitions.ReplaceAsync<PlacementDefinition>(
            request,
            (placement, ifMatch, ct) => placements.ReplaceAsync(key, placement, ifMatch, ct),
            cancellationToken
        );

    public Task<IResult> DeleteAsync(HttpRequest request, string key, CancellationToken cancellationToken) =>
        definitions.DeleteAsync(request, (ifMatch, ct) => placements.DeleteAsync(key, ifMatch, ct), cancellationToken);
}
