using Cx.Core.Segments;
using Cx.Http.OpenApi;
using Cx.Http.Requests;
using Microsoft.OpenApi;

namespace Cx.Http.Segments;

public static class SegmentRoutes
{
    public const string Collection = "v1/segments";

    public const string ByKey = "v1/segments/{segmentKey}";

    /// <summary><c>POST</c>: matching count and a sample for unsaved criteria.</summary>
    public const string Preview = "v1/segments/preview";

    /// <summary><c>POST</c>: how many customers new criteria would add and remove.</summary>
    public const string DryRun = "v1/segments/{segmentKey}/dry-run";

    public const string Members = "v1/segments/{segmentKey}/members";

    public const string Versions = "v1/segments/{segmentKey}/versions";

    /// <summary><c>GET</c> the progress of the segment's recompute; <c>POST</c> to start one.</summary>
    public const string Recompute = "v1/segments/{segmentKey}/recompute";

    /// <summary><c>GET</c>: why a customer is or is not in a segment.</summary>
    public const string Explain = "v1/customers/{customerId}/segments/{segmentKey}/explain";

    public static string Location(string key) => ApiRoutes.Path("v1/segments/" + Uri.EscapeDataString(key));

    private static readonly ApiSchemaRef Document = ApiSchemaRef.Named(SegmentSchemas.SegmentDocument);

    private static readonly ApiSchemaRef Input = ApiSchemaRef.Named(SegmentSchemas.SegmentInput);

    /// <summary>The OpenAPI operations of these routes, one per function (see <see cref="ApiCatalog"/>).</summary>
    [ApiOperations]
    internal static IEnumerable<ApiOperation> Operations =>
        [
            RestOperations.List("ListSegments", Collection, ApiTags.Segments, "List segments", Document, filter: null),
            RestOperations
                .Create("CreateSegment", Collection, ApiTags.Segments, "Create a segment", Input, Document)
                .WithDescription(
                    "The criteria are checked against the customer schema; every problem is reported with its JSON Pointer and nothing is "
                        + "written. An active segment is computed for every customer in the background (GET .../recompute shows progress)."
                ),
            RestOperations.Get("GetSegment", ByKey, ApiTags.Segments, "Read a segment", Document, fields: false),
            RestOperations
                .Replace("ReplaceSegment", ByKey, ApiTags.Segments, "Change a segment", Input, Document)
                .WithDescription(
                    "A change of the criteria is a new rule version (kept in .../versions) and recomputes every customer in the background; "
                        + "paused freezes membership, archived removes every member. Saving an unchanged segment writes nothing."
                ),
            RestOperations
                .Delete("DeleteSegment", ByKey, ApiTags.Segments, "Delete an archived segment")
                .WithProblems(409)
                .WithDescription("Only an archived segment whose members are all gone (its recompute completed) can be deleted."),
            new()
            {
                OperationId = "PreviewSegment",
                Method = "POST",
                Route = Preview,
                Tag = ApiTags.Segments,
                Summary = "Count the customers unsaved criteria match",
                Description =
                    "Evaluates the criteria over every customer now; nothing is saved. The sample holds the first matching ids in id order.",
                RequestBody = new(ApiSchemaRef.Named(SegmentSchemas.PreviewRequest), [RequestBody.Json], "The criteria to try."),
                Responses =
                [
                    new(200, "The count and a sample.") { Schema = ApiSchemaRef.FromJson(SegmentJsonContext.Default.SegmentPreviewView) },
                ],
                Problems = [400, 413, 415],
            },
            new()
            {
                OperationId = "DryRunSegment",
                Method = "POST",
                Route = DryRun,
                Tag = ApiTags.Segments,
                Summary = "What new criteria would change",
                Description =
                    "Evaluates the criteria over every customer and compares with the segment's membership now: wouldAdd, wouldRemove, "
                    + "total (members after) and current (members now). Nothing is saved.",
                RequestBody = new(ApiSchemaRef.Named(SegmentSchemas.DryRunRequest), [RequestBody.Json], "The new criteria."),
                Responses = [new(200, "The counts.") { Schema = ApiSchemaRef.FromJson(SegmentJsonContext.Default.SegmentDryRunView) }],
                Problems = [400, 404, 413, 415],
            },
            new()
            {
                OperationId = "ListSegmentMembers",
                Method = "GET",
                Route = Members,
                Tag = ApiTags.Segments,
                Summary = "The members of a segment",
                Description =
                    "In customer-id order, one page at a time (an indexed query on the segment's partition). Follows the profiles' "
                    + "segmentMembership within the change-feed delay.",
                Parameters = [ApiParameters.Limit, ApiParameters.Cursor],
                Responses =
                [
                    new(200, "A page of members.")
                    {
                        Schema = ApiSchemaRef.FromJson(SegmentJsonContext.Default.ItemsPageSegmentMemberView),
                    },
                ],
                Problems = [400, 404],
            },
            new()
            {
                OperationId = "ListSegmentVersions",
                Method = "GET",
                Route = Versions,
                Tag = ApiTags.Segments,
                Summary = "The rule versions of a segment",
                Description = "Newest first: each saved version of the criteria, with who saved it and when.",
                Parameters = [ApiParameters.Limit, ApiParameters.Cursor],
                Responses =
                [
                    new(200, "A page of versions.")
                    {
                        Schema = ApiSchemaRef.FromJson(SegmentJsonContext.Default.ItemsPageSegmentVersionView),
                    },
                ],
                Problems = [400, 404],
            },
            new()
            {
                OperationId = "GetSegmentRecompute",
                Method = "GET",
                Route = Recompute,
                Tag = ApiTags.Segments,
                Summary = "The progress of a segment's recompute",
                Description =
                    "The latest recompute job: queued, running, completed, superseded (by a newer change) or failed, with counts.",
                Responses = [new(200, "The job.") { Schema = ApiSchemaRef.FromJson(SegmentJsonContext.Default.SegmentRecomputeView) }],
                Problems = [400, 404],
            },
            new()
            {
                OperationId = "StartSegmentRecompute",
                Method = "POST",
                Route = Recompute,
                Tag = ApiTags.Segments,
                Summary = "Recompute a segment now",
                Description = "Queues a re-evaluation of every customer at the current rule version (not for a paused segment: 409).",
                Responses =
                [
                    new(202, "Queued.")
                    {
                        Schema = ApiSchemaRef.FromJson(SegmentJsonContext.Default.SegmentRecomputeView),
                        Headers = [ApiHeaders.Location],
                    },
                ],
                Problems = [400, 404, 409],
            },
            new()
            {
                OperationId = "ExplainSegmentMembership",
                Method = "GET",
                Route = Explain,
                Tag = ApiTags.Segments,
                Summary = "Why a customer is or is not in a segment",
                Description =
                    "Evaluates the segment's rule for the customer now: each condition with the value it saw and its result, next to "
                    + "the stored membership. Staff only (customers do not see segment rules).",
                Responses =
                [
                    new(200, "The explanation.") { Schema = ApiSchemaRef.FromJson(SegmentJsonContext.Default.SegmentExplanationView) },
                ],
                Problems = [400, 404, 409],
            },
        ];
}
