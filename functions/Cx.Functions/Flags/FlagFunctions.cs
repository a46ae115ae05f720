using Cx.Core.Identity;
using Cx.Http.Flags;
using Cx.Http.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cx.Functions.Flags;

/// <summary>Feature flags: drafts, publishing, release history and evaluation.</summary>
public sealed class FlagFunctions(FlagEndpoints endpoints)
{
    [Access(Permissions.FlagsRead)]
    [Function(nameof(ListFlags))]
    public Task<IResult> ListFlags(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = FlagRoutes.Collection)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.ListAsync(request, cancellationToken);

    [Access(Permissions.FlagsWrite)]
    [Function(nameof(CreateFlag))]
    public Task<IResult> CreateFlag(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = FlagRoutes.Collection)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.CreateAsync(request, cancellationToken);

    [Access(Permissions.FlagsRead)]
    [Function(nameof(GetFlag))]
    public Task<IResult> GetFlag(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = FlagRoutes.ByKey)] HttpRequest request,
        string flagKey,
        CancellationToken cancellationToken
    ) => endpoints.GetAsync(request, flagKey, cancellationToken);

    [Access(Permissions.FlagsWrite)]
    [Function(nameof(ReplaceFlag))]
    public Task<IResult> ReplaceFlag(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = FlagRoutes.ByKey)] HttpRequest request,
        string flagKey,
        CancellationToken cancellationToken
    ) => endpoints.ReplaceAsync(request, flagKey, cancellationToken);

    [Access(Permissions.FlagsWrite)]
    [Function(nameof(DeleteFlag))]
    public Task<IResult> DeleteFlag(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = FlagRoutes.ByKey)] HttpRequest request,
        string flagKey,
        CancellationToken cancellationToken
    ) => endpoints.DeleteAsync(request, flagKey, cancellationToken);

    [Access(Permissions.FlagsWrite)]
    [Function(nameof(PublishFlag))]
    public Task<IResult> PublishFlag(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = FlagRoutes.Publish)] HttpRequest request,
        string flagKey,
        CancellationToken cancellationToken
    ) => endpoints.PublishAsync(request, flagKey, cancellationToken);

    [Access(Permissions.FlagsRead)]
    [Function(nameof(ListFlagVersions))]
    public Task<IResult> ListFlagVersions(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = FlagRoutes.Versions)] HttpRequest request,
        string flagKey,
        CancellationToken cancellationToken
    ) => endpoints.VersionsAsync(request, flagKey, cancellationToken);

    [Access(Permissions.FlagsEvaluate)]
    [Function(nameof(EvaluateFlag))]
    public Task<IResult> EvaluateFlag(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = FlagRoutes.Evaluate)] HttpRequest request,
        string flagKey,
        CancellationToken cancellationToken
    ) => endpoints.EvaluateAsync(request, flagKey, cancellationToken);
}
