using Cx.Core.Identity;
using Cx.Http.Flags;
using Cx.Http.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cx.Functions.Flags;

/// <summary>The OpenFeature Remote Evaluation Protocol: stock OFREP providers pointed at <c>https://{host}/api</c>.</summary>
public sealed class OfrepFunctions(OfrepEndpoints endpoints)
{
    [Access(Permissions.FlagsEvaluate)]
    [Function(nameof(OfrepEvaluateFlag))]
    public Task<IResult> OfrepEvaluateFlag(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = OfrepRoutes.Single)] HttpRequest request,
        string flagKey,
        CancellationToken cancellationToken
    ) => endpoints.EvaluateAsync(request, flagKey, cancellationToken);

    [Access(Permissions.FlagsEvaluate)]
    [Function(nameof(OfrepEvaluateFlags))]
    public Task<IResult> OfrepEvaluateFlags(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = OfrepRoutes.Bulk)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.EvaluateAllAsync(request, cancellationToken);
}
