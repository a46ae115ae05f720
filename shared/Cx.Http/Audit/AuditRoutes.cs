using Cx.Http.OpenApi;
using Microsoft.OpenApi;

namespace Cx.Http.Audit;

public static class AuditRoutes
{
    public const string Collection = "v1/audit";

    /// <summary>The OpenAPI operations of these routes, one per function (see <see cref="ApiCatalog"/>).</summary>
    [ApiOperations]
    internal static IEnumerable<ApiOperation> Operations =>
        [
            new()
            {
                OperationId = "QueryAudit",
                Method = "GET",
                Route = Collection,
                Tag = ApiTags.Administration,
                Summary = "Query the audit log",
                Description = "Newest first. filter[actor|action|outcome|targetType|targetId]=value and filter[at][gt|gte|lt|lte]=instant.",
                Parameters =
                [
                    new ApiParameter(
                        "filter",
                        ApiParameterLocation.Query,
                        "Equality on actor, action, outcome, targetType, targetId; ranges on at.",
                        ApiSchemaRef.Inline(() => new OpenApiSchema { Type = JsonSchemaType.Object })
                    )
                    {
                        DeepObject = true,
                    },
                    ApiParameters.Limit,
                    ApiParameters.Cursor,
                ],
                Responses =
                [
                    new(200, "A page of entries.")
                    {
                        Schema = ApiSchemaRef.PageOf(ApiSchemaRef.FromJson(AuditJsonContext.Default.AuditEntryView)),
                        Headers = [ApiHeaders.Link],
                    },
                ],
                Problems = [400],
            },
        ];
}
