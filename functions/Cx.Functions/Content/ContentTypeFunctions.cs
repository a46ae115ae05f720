using Cx.Core.Identity;
using Cx.Http.Content;
using Cx.Http.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cx.Functions.Content;

/// <summary>Content-type definitions: the schema of every collection and single type.</summary>
public sealed class ContentTypeFunctions(DefinitionEndpoints endpoints)
{
    [Access(Permissions.SchemaRead)]
    [Function(nameof(ListContentTypes))]
    public Task<IResult> ListContentTypes(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ContentTypeRoutes.Collection)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.ListContentTypesAsync(request, cancellationToken);

    [Access(Permissions.SchemaWrite)]
    [Function(nameof(CreateContentType))]
    public Task<IResult> CreateContentType(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ContentTypeRoutes.Collection)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.CreateContentTypeAsync(request, cancellationToken);

    [Access(Permissions.SchemaRead)]
    [Function(nameof(GetContentType))]
    public Task<IResult> GetContentType(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ContentTypeRoutes.ByKey)] HttpRequest request,
        string typeKey,
        CancellationToken cancellationToken
    ) => endpoints.GetContentTypeAsync(request, typeKey, cancellationToken);

    [Access(Permissions.SchemaWrite)]
    [Function(nameof(ReplaceContentType))]
    public Task<IResult> ReplaceContentType(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = ContentTypeRoutes.ByKey)] HttpRequest request,
        string typeKey,
        CancellationToken cancellationToken
    ) => endpoints.ReplaceContentTypeAsync(request, typeKey, cancellationToken);

    [Access(Permissions.SchemaWrite)]
    [Function(nameof(DeleteContentType))]
    public Task<IResult> DeleteContentType(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = ContentTypeRoutes.ByKey)] HttpRequest request,
        string typeKey,
        CancellationToken cancellationToken
    ) => endpoints.DeleteContentTypeAsync(request, typeKey, cancellationToken);
}
