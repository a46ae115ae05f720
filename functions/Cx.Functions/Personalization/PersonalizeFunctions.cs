using Cx.Core.Identity;
using Cx.Http.Personalization;
using Cx.Http.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cx.Functions.Personalization;

/// <summary>The decision endpoint, the marketers' preview and the sampled decision log.</summary>
public sealed class PersonalizeFunctions(PersonalizeEndpoints endpoints)
{
    /// <summary>content:read: customers (for themselves), API keys (anonymous visitors, or customers with customers:read) and staff.</summary>
    [Access(Permissions.ContentRead)]
    [Function(nameof(Personalize))]
    public Task<IResult> Personalize(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = PersonalizationRoutes.Personalize)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.DecideAsync(request, cancellationToken);

    /// <summary>content:read, like the decision: the token says what a decision for the same caller would read.</summary>
    [Access(Permissions.ContentRead)]
    [Function(nameof(GetPersonalizationEdgeToken))]
    public Task<IResult> GetPersonalizationEdgeToken(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = PersonalizationRoutes.EdgeToken)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.TokenAsync(request, cancellationToken);

    [Access(Permissions.PersonalizationRead)]
    [Function(nameof(PreviewPersonalization))]
    public Task<IResult> PreviewPersonalization(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = PersonalizationRoutes.Preview)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.PreviewAsync(request, cancellationToken);

    [Access(Permissions.PersonalizationRead)]
    [Function(nameof(ListPersonalizationDecisions))]
    public Task<IResult> ListPersonalizationDecisions(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = PersonalizationRoutes.Decisions)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.DecisionsAsync(request, cancellationToken);
}
