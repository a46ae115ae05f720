using Cx.Core.Identity;
using Cx.Http.Experiments;
using Cx.Http.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cx.Functions.Experiments;

/// <summary>Experiments: the documents (with the flag permissions) and assignment of a unit.</summary>
public sealed class ExperimentFunctions(ExperimentEndpoints endpoints)
{
    [Access(Permissions.FlagsRead)]
    [Function(nameof(ListExperiments))]
    public Task<IResult> ListExperiments(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ExperimentRoutes.Collection)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.ListAsync(request, cancellationToken);

    [Access(Permissions.FlagsWrite)]
    [Function(nameof(CreateExperiment))]
    public Task<IResult> CreateExperiment(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ExperimentRoutes.Collection)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.CreateAsync(request, cancellationToken);

    [Access(Permissions.FlagsRead)]
    [Function(nameof(GetExperiment))]
    public Task<IResult> GetExperiment(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ExperimentRoutes.ByKey)] HttpRequest request,
        string experimentKey,
        CancellationToken cancellationToken
    ) => endpoints.GetAsync(request, experimentKey, cancellationToken);

    [Access(Permissions.FlagsWrite)]
    [Function(nameof(ReplaceExperiment))]
    public Task<IResult> ReplaceExperiment(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = ExperimentRoutes.ByKey)] HttpRequest request,
        string experimentKey,
        CancellationToken cancellationToken
    ) => endpoints.ReplaceAsync(request, experimentKey, cancellationToken);

    [Access(Permissions.FlagsWrite)]
    [Function(nameof(DeleteExperiment))]
    public Task<IResult> DeleteExperiment(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = ExperimentRoutes.ByKey)] HttpRequest request,
        string experimentKey,
        CancellationToken cancellationToken
    ) => endpoints.DeleteAsync(request, experimentKey, cancellationToken);

    [Access(Permissions.FlagsEvaluate)]
    [Function(nameof(AssignExperiment))]
    public Task<IResult> AssignExperiment(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ExperimentRoutes.Assign)] HttpRequest request,
        string experimentKey,
        CancellationToken cancellationToken
    ) => endpoints.AssignAsync(request, experimentKey, cancellationToken);
}
