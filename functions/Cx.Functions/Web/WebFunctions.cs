using Cx.Http.Security;
using Cx.Http.Web;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cx.Functions.Web;

/// <summary>The web pages (API reference, GraphQL explorer) and their files, built from shared/Cx.Web.</summary>
public sealed class WebFunctions(WebEndpoints endpoints)
{
    [Access(AccessAttribute.Anonymous)]
    [Function(nameof(GetApiReference))]
    public IResult GetApiReference([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = WebRoutes.Reference)] HttpRequest request) =>
        endpoints.GetPage(request, WebPage.Reference);

    [Access(AccessAttribute.Anonymous)]
    [Function(nameof(GetApiReferenceV2))]
    public IResult GetApiReferenceV2(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = WebRoutes.ReferenceV2)] HttpRequest request
    ) => endpoints.GetPage(request, WebPage.Reference);

    [Access(AccessAttribute.Anonymous)]
    [Function(nameof(GetGraphQLExplorer))]
    public IResult GetGraphQLExplorer(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = WebRoutes.GraphQLExplorer)] HttpRequest request
    ) => endpoints.GetPage(request, WebPage.Explorer);

    [Access(AccessAttribute.Anonymous)]
    [Function(nameof(GetWebAsset))]
    public IResult GetWebAsset(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = WebRoutes.Asset)] HttpRequest request,
        string file
    ) => endpoints.GetAsset(request, file);
}
