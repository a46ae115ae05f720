using Cx.Core.Feedback;
using Cx.Http.OpenApi;

namespace Cx.Http.Feedback;

public static class FeedbackRoutes
{
    /// <summary><c>POST</c>: a customer's NPS answer and comment.</summary>
    public const string Collection = "v1/customers/{customerId}/feedback";

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
        ];
}
