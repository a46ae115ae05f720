using Cx.Core.Feedback;
using Cx.Core.Identity;
using Cx.Http.OpenApi;
using Microsoft.OpenApi;

namespace Cx.Http.Feedback;

public static class FeedbackRoutes
{
    /// <summary><c>POST</c>: a customer's NPS answer and comment.</summary>
    public const string Collection = "v1/customers/{customerId}/feedback";

    /// <summary><c>GET</c>: NPS per period (and of one segment) with 95 % confidence intervals.</summary>
    public const string Nps = "v1/feedback/nps";

    /// <summary><c>GET</c>: NPS of customers who used an event type against those who did not.</summary>
    public const string NpsAdoption = "v1/feedback/nps-adoption";

    private static ApiParameter Query(string name, string description, OpenApiSchema schema) =>
        new(name, ApiParameterLocation.Query, description, ApiSchemaRef.Inline(() => schema));

    private static OpenApiSchema Instant() => new() { Type = JsonSchemaType.String, Description = "ISO 8601 instant or date." };

    /// <summary>The OpenAPI operations of these routes, one per function (see <see cref="ApiCatalog"/>).</summary>
    [ApiOperations]
    internal static IEnumerable<ApiOperation> Operations =>
        [
            RestOperations
                .Create(
                    "RecordCustomerFeedback",
                    Collection,
                    ApiTags.Customers,
                    "Record a customer's NPS answer (0-10) and comment",
                    ApiSchemaRef.InputOf(FeedbackModel.TypeKey),
                    ApiSchemaRef.Complete(ApiSchemaRef.EntryOf(FeedbackModel.TypeKey))
                )
                .WithProblems(404)
                .WithDescription(
                    "The customer comes from the URL; the body takes nps (required), text and session. Sentiment (score, label, key "
                        + "phrases, model name and version) is added by the scoring timer within ten minutes; an answer of 0-6 opens a "
                        + "high-priority ticket within a minute."
                ),
            new()
            {
                OperationId = "GetNpsReport",
                Method = "GET",
                Route = Nps,
                Tag = ApiTags.Analytics,
                Summary = "NPS per period, of everyone or of one segment, with 95 % confidence intervals",
                Description =
                    "Promoters (9-10) minus detractors (0-6) in percent; low and high bound a 95 % interval (normal approximation). "
                    + "from defaults to 90 days before to, to to now; at most 400 days. A segment counts its current members' answers.",
                Permission = Permissions.AnalyticsRead,
                Parameters =
                [
                    Query("from", "Start (inclusive).", Instant()),
                    Query("to", "End (exclusive).", Instant()),
                    Query(
                        "period",
                        "day, week (ISO), month (default) or all.",
                        new OpenApiSchema
                        {
                            Type = JsonSchemaType.String,
                            Enum = [.. Cx.Core.Feedback.NpsReports.Periods.Select(p => (System.Text.Json.Nodes.JsonNode)p)],
                        }
                    ),
                    Query("segment", "A segment key.", new OpenApiSchema { Type = JsonSchemaType.String }),
                ],
                Responses = [new(200, "The report.") { Schema = ApiSchemaRef.FromJson(FeedbackJsonContext.Default.NpsReport) }],
                Problems = [400, 404],
            },
            new()
            {
                OperationId = "GetNpsAdoption",
                Method = "GET",
                Route = NpsAdoption,
                Tag = ApiTags.Analytics,
                Summary = "NPS of customers who used an event type against those who did not (chart data)",
                Description = "Answers in the range, split by whether their customer has at least one event of the type (at any time).",
                Permission = Permissions.AnalyticsRead,
                Parameters =
                [
                    Query("from", "Start (inclusive).", Instant()),
                    Query("to", "End (exclusive).", Instant()),
                    Query("eventType", "The event type, such as feature_used.", new OpenApiSchema { Type = JsonSchemaType.String }),
                ],
                Responses = [new(200, "Both groups.") { Schema = ApiSchemaRef.FromJson(FeedbackJsonContext.Default.NpsAdoption) }],
                Problems = [400],
            },
        ];
}
