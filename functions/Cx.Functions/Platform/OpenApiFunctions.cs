using Cx.Http.Platform;
using Cx.Http.Security;
using Cx.Http.Versioning;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cx.Functions.Platform;

/// <summary>The OpenAPI 3.1 document of each API version, generated from the current content types.</summary>
public sealed class OpenApiFunctions(OpenApiEndpoints endpoints)
{
    [Access(AccessAttribute.Anonymous)]
    [Function(nameof(GetOpenApiDocument))]
    public Task<IResult> GetOpenApiDocument(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = SystemRoutes.OpenApi)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.GetDocumentAsync(request, ApiVersions.V1, cancellationToken);

    [Access(AccessAttribute.Anonymous)]
    [Function(nameof(GetOpenApiDocumentV2))]
    public Task<IResult> GetOpenApiDocumentV2(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = SystemRoutes.OpenApiV2)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.GetDocumentAsync(request, ApiVersions.V2, cancellationToken);
}
