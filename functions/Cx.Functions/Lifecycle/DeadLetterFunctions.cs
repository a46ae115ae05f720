using Cx.Core.Identity;
using Cx.Http.Lifecycle;
using Cx.Http.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cx.Functions.Lifecycle;

/// <summary>The dead letters of lifecycle hooks (admins): list, inspect, replay, discard.</summary>
public sealed class DeadLetterFunctions(DeadLetterEndpoints endpoints)
{
    [Access(Permissions.LifecycleManage)]
    [Function(nameof(ListDeadLetters))]
    public Task<IResult> ListDeadLetters(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = DeadLetterRoutes.Collection)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.ListAsync(request, cancellationToken);

    [Access(Permissions.LifecycleManage)]
    [Function(nameof(GetDeadLetter))]
    public Task<IResult> GetDeadLetter(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = DeadLetterRoutes.ById)] HttpRequest request,
        string hook,
        string deadLetterId,
        CancellationToken cancellationToken
    ) => endpoints.GetAsync(request, hook, deadLetterId, cancellationToken);

    [Access(Permissions.LifecycleManage)]
    [Function(nameof(ReplayDeadLetter))]
    public Task<IResult> ReplayDeadLetter(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = DeadLetterRoutes.Replay)] HttpRequest request,
        string hook,
        string deadLetterId,
        CancellationToken cancellationToken
    ) => endpoints.ReplayAsync(request, hook, deadLetterId, cancellationToken);

    [Access(Permissions.LifecycleManage)]
    [Function(nameof(DiscardDeadLetter))]
    public Task<IResult> DiscardDeadLetter(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = DeadLetterRoutes.ById)] HttpRequest request,
        string hook,
        string deadLetterId,
        CancellationToken cancellationToken
    ) => endpoints.DiscardAsync(request, hook, deadLetterId, cancellationToken);
}
