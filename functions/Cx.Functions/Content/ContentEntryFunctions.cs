using Cx.Core.Identity;
using Cx.Http.Content;
using Cx.Http.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cx.Functions.Content;

/// <summary>Entries of any collection type, and the one entry of each single type.</summary>
public sealed class ContentEntryFunctions(ContentEndpoints endpoints)
{
    [Access(Permissions.ContentRead)]
    [Function(nameof(ListEntries))]
    public Task<IResult> ListEntries(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ContentRoutes.Collection)] HttpRequest request,
        string typeKey,
        CancellationToken cancellationToken
    ) => endpoints.ListAsync(request, typeKey, cancellationToken);

    [Access(Permissions.ContentWrite)]
    [Function(nameof(CreateEntry))]
    public Task<IResult> CreateEntry(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ContentRoutes.Collection)] HttpRequest request,
        string typeKey,
        CancellationToken cancellationToken
    ) => endpoints.CreateAsync(request, typeKey, cancellationToken);

    [Access(Permissions.ContentRead)]
    [Function(nameof(GetEntry))]
    public Task<IResult> GetEntry(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ContentRoutes.ById)] HttpRequest request,
        string typeKey,
        string entryId,
        CancellationToken cancellationToken
    ) => endpoints.GetAsync(request, typeKey, entryId, cancellationToken);

    [Access(Permissions.ContentWrite)]
    [Function(nameof(ReplaceEntry))]
    public Task<IResult> ReplaceEntry(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = ContentRoutes.ById)] HttpRequest request,
        string typeKey,
        string entryId,
        CancellationToken cancellationToken
    ) => endpoints.ReplaceAsync(request, typeKey, entryId, cancellationToken);

    [Access(Permissions.ContentWrite)]
    [Function(nameof(PatchEntry))]
    public Task<IResult> PatchEntry(
        [HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = ContentRoutes.ById)] HttpRequest request,
        string typeKey,
        string entryId,
        CancellationToken cancellationToken
    ) => endpoints.PatchAsync(request, typeKey, entryId, cancellationToken);

    [Access(Permissions.ContentWrite)]
    [Function(nameof(DeleteEntry))]
    public Task<IResult> DeleteEntry(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = ContentRoutes.ById)] HttpRequest request,
        string typeKey,
        string entryId,
        CancellationToken cancellationToken
    ) => endpoints.DeleteAsync(request, typeKey, entryId, cancellationToken);

    [Access(Permissions.ContentRead)]
    [Function(nameof(GetSingle))]
    public Task<IResult> GetSingle(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ContentRoutes.Single)] HttpRequest request,
        string typeKey,
        CancellationToken cancellationToken
    ) => endpoints.GetSingleAsync(request, typeKey, cancellationToken);

    [Access(Permissions.ContentWrite)]
    [Function(nameof(PutSingle))]
    public Task<IResult> PutSingle(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = ContentRoutes.Single)] HttpRequest request,
        string typeKey,
        CancellationToken cancellationToken
    ) => endpoints.PutSingleAsync(request, typeKey, cancellationToken);

    [Access(Permissions.ContentWrite)]
    [Function(nameof(PatchSingle))]
    public Task<IResult> PatchSingle(
        [HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = ContentRoutes.Single)] HttpRequest request,
        string typeKey,
        CancellationToken cancellationToken
    ) => endpoints.PatchSingleAsync(request, typeKey, cancellationToken);

    [Access(Permissions.ContentWrite)]
    [Function(nameof(DeleteSingle))]
    public Task<IResult> DeleteSingle(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = ContentRoutes.Single)] HttpRequest request,
        string typeKey,
        CancellationToken cancellationToken
    ) => endpoints.DeleteSingleAsync(request, typeKey, cancellationToken);
}
