using Cx.Core.Feedback;
using Cx.Core.Identity;
using Cx.Http.Feedback;
using Cx.Http.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cx.Functions.Feedback;

/// <summary>Feedback: a customer's NPS answer, and the timer that scores new texts.</summary>
public sealed class FeedbackFunctions(FeedbackEndpoints endpoints, FeedbackReportEndpoints reports, FeedbackService feedback)
{
    [Access(Permissions.EventsWrite, Self = "customerId")]
    [Function(nameof(RecordCustomerFeedback))]
    public Task<IResult> RecordCustomerFeedback(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = FeedbackRoutes.Collection)] HttpRequest request,
        string customerId,
        CancellationToken cancellationToken
    ) => endpoints.RecordAsync(request, customerId, cancellationToken);

    [Access(Permissions.AnalyticsRead)]
    [Function(nameof(GetNpsReport))]
    public Task<IResult> GetNpsReport(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = FeedbackRoutes.Nps)] HttpRequest request,
        CancellationToken cancellationToken
    ) => reports.NpsAsync(request, cancellationToken);

    [Access(Permissions.AnalyticsRead)]
    [Function(nameof(GetNpsAdoption))]
    public Task<IResult> GetNpsAdoption(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = FeedbackRoutes.NpsAdoption)] HttpRequest request,
        CancellationToken cancellationToken
    ) => reports.AdoptionAsync(request, cancellationToken);

    /// <summary>Every ten minutes: the sentiment of feedback texts not scored yet (one batch).</summary>
    [Access(AccessAttribute.Trigger)]
    [Function(nameof(ScoreFeedback))]
    public Task ScoreFeedback([TimerTrigger("0 */10 * * * *")] TimerInfo timer, CancellationToken cancellationToken) =>
        feedback.ScoreNewAsync(cancellationToken);
}
