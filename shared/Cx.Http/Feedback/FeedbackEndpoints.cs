using Cx.Core.Feedback;
using Cx.Http.Requests;
using Cx.Http.Responses;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Cx.Http.Feedback;

/// <summary>HTTP handling of feedback: a customer's NPS answer.</summary>
public sealed class FeedbackEndpoints(FeedbackService feedback, IOptions<HttpOptions> options)
{
    public async Task<IResult> RecordAsync(HttpRequest request, string customerId, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var body = await RequestBody.ReadObjectAsync(request, options.Value, cancellationToken);
        var document = await feedback.RecordAsync(customerId, body, cancellationToken);
        var location = ApiRoutes.Path("v1/content/" + FeedbackModel.TypeKey + "/" + Uri.EscapeDataString(document.Id));
        return new DocumentResult(document, StatusCodes.Status201Created, location);
    }
}
