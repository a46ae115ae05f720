using Cx.Core.Identity;
using Cx.Http.Content;
using Cx.Http.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cx.Functions.Content;

/// <summary>Component definitions: reusable field groups of content types.</summary>
public sealed class ComponentFunctions(DefinitionEndpoints endpoints)
{
    [Access(Permissions.SchemaRead)]
    [Function(nameof(ListComponents))]
    public Task<IResult> ListComponents(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ComponentRoutes.Collection)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.ListComponentsAsync(request, cancellationToken);

    [Access(Permissions.SchemaWrite)]
    [Function(nameof(CreateComponent))]
    public Task<IResult> CreateComponent(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ComponentRoutes.Collection)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.CreateComponentAsync(request, cancellationToken);

    [Access(Permissions.SchemaRead)]
    [Function(nameof(GetComponent))]
    public Task<IResult> GetComponent(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ComponentRoutes.ByKey)] HttpRequest request,
        string componentKey,
        CancellationToken cancellationToken
    ) => endpoints.GetComponentAsync(request, componentKey, cancellationToken);

    [Access(Permissions.SchemaWrite)]
    [Function(nameof(ReplaceComponent))]
    public Task<IResult> ReplaceComponent(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = ComponentRoutes.ByKey)] HttpRequest request,
        string componentKey,
        CancellationToken cancellationToken
    ) => endpoints.ReplaceComponentAsync(request, componentKey, cancellationToken);

    [Access(Permissions.SchemaWrite)]
    [Function(nameof(DeleteComponent))]
    public Task<IResult> DeleteComponent(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = ComponentRoutes.ByKey)] HttpRequest request,
        string componentKey,
        CancellationToken cancellationToken
    ) => endpoints.DeleteComponentAsync(request, componentKey, cancellationToken);
}
