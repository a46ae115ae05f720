using Cx.Core.Analytics;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Http.Paging;
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
    TimeProvider time,
    IOptions<AnalyticsOptions> analyticsOptions,
    IOptions<HttpOptions> httpOptions,
    IOptions<ContentOptions> contentOptions
)
{
    private static readonly string[] ReportParameters = ["from", "to"];

    public async Task<IResult> ListAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var page = PageRequest.Read(
            request,
            contentOptions.Value,
            JourneyRegistry.Document,
            "Journeys are listed by key; use limit and cursor."
        );
        var (items, next) = await journeys.ListAsync(page.Limit, page.After, cancellationToken);
        return new PageResult(items, page.NextCursor(next));
    }

    public async Task<IResult> GetAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var document = (await journeys.GetAsync(key, cancellationToken)).Document;
        return ETags.IfNoneMatch(request, document.ETag) ? new NotModifiedResult(document.ETag) : new DocumentResult(document);
    }

    public async Task<IResult> CreateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var body = await RequestBody.ReadObjectAsync(request, httpOptions.Value, cancellationToken);
        var saved = await journeys.CreateAsync(DefinitionDocuments.FromRequest<JourneyDefinition>(body), cancellationToken);
        return new DocumentResult(saved.Document, StatusCodes.Status201Created, AnalyticsRoutes.JourneyLocation(saved.Definition.Key));
    }

    public async Task<IResult> ReplaceAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var ifMatch = ETags.ReadIfMatch(request);
        var body = await RequestBody.ReadObjectAsync(request, httpOptions.Value, cancellationToken);
        var saved = await journeys.ReplaceAsync(key, DefinitionDocuments.FromRequest<JourneyDefinition>(body), ifMatch, cancellationToken);
        return new DocumentResult(saved.Document);
    }

    public async Task<IResult> DeleteAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        await journeys.DeleteAsync(key, ETags.ReadIfMatch(request), cancellationToken);
        return NoContentResult.Instance;
    }

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
