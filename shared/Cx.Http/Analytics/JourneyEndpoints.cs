using Cx.Core.Analytics;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Http.Definitions;
using Cx.Http.Requests;
using Cx.Http.Responses;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Cx.Http.Analytics;

/// <summary>
/// HTTP handling of journeys: the journey definitions (awareness, consideration, action) as
/// versioned documents, and a journey's report over a range (<c>GET /journeys/{key}/report</c>).
/// </summary>
public sealed class JourneyEndpoints(
    JourneyRegistry journeys,
    DefinitionHandler definitions,
    TimeProvider time,
    IOptions<AnalyticsOptions> analyticsOptions
)
{
    private static readonly string[] ReportParameters = ["from", "to"];

    public Task<IResult> ListAsync(HttpRequest request, CancellationToken cancellationToken) =>
        definitions.ListAsync(
            request,
            JourneyRegistry.Document,
            "Journeys are listed by key; use limit and cursor.",
            journeys.ListAsync,
            cancellationToken
        );

    public Task<IResult> GetAsync(HttpRequest request, string key, CancellationToken cancellationToken) =>
        definitions.GetAsync(request, ct => journeys.GetAsync(key, ct), cancellationToken);

    public Task<IResult> CreateAsync(HttpRequest request, CancellationToken cancellationToken) =>
        definitions.CreateAsync<JourneyDefinition>(
            request,
            journeys.CreateAsync,
            journey => AnalyticsRoutes.JourneyLocation(journey.Key),
            cancellationToken
        );

    public Task<IResult> ReplaceAsync(HttpRequest request, string key, CancellationToken cancellationToken) =>
        definitions.ReplaceAsync<JourneyDefinition>(
            request,
            (journey, ifMatch, ct) => journeys.ReplaceAsync(key, journey, ifMatch, ct),
            cancellationToken
        );

    public Task<IResult> DeleteAsync(HttpRequest request, string key, CancellationToken cancellationToken) =>
        definitions.DeleteAsync(request, (ifMatch, ct) => journeys.DeleteAsync(key, ifMatch, ct), cancellationToken);

    /// <summary><c>GET journeys/{key}/report?from=&amp;to=</c>: the journey's stages over the range, computed now.</summary>
    public async Task<IResult> ReportAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        var query = QueryParameters.Read(request, ReportParameters);
        var errors = new List<FieldError>();
        var (from, to) = AnalyticsInput.ReadRange(query, time, errors, ErrorLocation.Query);
        if (errors.Count == 0)
        {
            AnalyticsInput.CheckRange(
                from,
                to,
                TimeSpan.FromDays(analyticsOptions.Value.MaxFunnelRangeDays),
                errors,
                ErrorLocation.Query,
                "days"
            );
        }
        AnalyticsInput.ThrowIfAny(errors);
        var journey = await journeys.GetAsync(key, cancellationToken);
        var report = await journeys.ReportAsync(journey.Definition, from, to, cancellationToken);
        return new JsonContractResult<JourneyReportView>(
            new JourneyReportView(
                report.Journey,
                report.JourneyVersion,
                Instants.Format(report.From),
                Instants.Format(report.To),
                report.ConversionWindow,
                Instants.Format(report.ComputedAt),
                [
                    .. report.Stages.Select(stage => new JourneyStageView(
                        JourneyRegistry.Name(stage.Stage),
                        stage.EventTypes,
                        stage.Reached,
                        stage.DroppedOff,
                        stage.DropOffRate
                    )),
                ]
            ),
            AnalyticsJsonContext.Default.JourneyReportView
        );
    }
}
