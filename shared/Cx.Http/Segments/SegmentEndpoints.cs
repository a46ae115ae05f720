using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Rules;
using Cx.Core.Segments;
using Cx.Http.Paging;
using Cx.Http.Requests;
using Cx.Http.Responses;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Cx.Http.Segments;

/// <summary>
/// HTTP handling of segments: the segment documents (ETags, If-Match), previews and dry runs of
/// unsaved criteria, member lists, version history, recompute progress and explanations. Every
/// invalid rule is a 400 with the JSON Pointer of the problem under <c>/criteria</c>.
/// </summary>
public sealed class SegmentEndpoints(SegmentService segments, IOptions<HttpOptions> http, IOptions<ContentOptions> content)
{
    public async Task<IResult> ListAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var page = PageRequest.Read(request, content.Value, SegmentDocuments.Segment);
        var (items, next) = await segments.ListAsync(page.Limit, page.After, cancellationToken);
        return new PageResult(items, page.NextCursor(next));
    }

    public async Task<IResult> CreateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var body = await RequestBody.ReadObjectAsync(request, http.Value, cancellationToken);
        var saved = await segments.CreateAsync(DefinitionDocuments.FromRequest<SegmentDefinition>(body), cancellationToken);
        return new DocumentResult(saved.Document, StatusCodes.Status201Created, SegmentRoutes.Location(saved.Definition.Key));
    }

    public async Task<IResult> GetAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var document = (await segments.GetAsync(key, cancellationToken)).Document;
        return ETags.IfNoneMatch(request, document.ETag) ? new NotModifiedResult(document.ETag) : new DocumentResult(document);
    }

    public async Task<IResult> ReplaceAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var ifMatch = ETags.ReadIfMatch(request);
        var body = await RequestBody.ReadObjectAsync(request, http.Value, cancellationToken);
        var saved = await segments.ReplaceAsync(key, DefinitionDocuments.FromRequest<SegmentDefinition>(body), ifMatch, cancellationToken);
        return new DocumentResult(saved.Document);
    }

    public async Task<IResult> DeleteAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        await segments.DeleteAsync(key, ETags.ReadIfMatch(request), cancellationToken);
        return NoContentResult.Instance;
    }

    /// <summary><c>POST segments/preview</c> with <c>{"criteria": {...}, "sample": n?}</c>.</summary>
    public async Task<IResult> PreviewAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var body = await RequestBody.ReadObjectAsync(request, http.Value, cancellationToken);
        var criteria = ReadCriteria(body, ["criteria", "sample"]);
        int? sample = null;
        if (body.TryGetPropertyValue("sample", out var node) && node is not null)
        {
            sample =
                node.GetValueKind() == JsonValueKind.Number && node.AsValue().TryGetValue<int>(out var size)
                    ? size
                    : throw new ValidationException(new FieldError("/sample", "type", "sample is a whole number."));
        }
        var preview = await segments.PreviewAsync(criteria, sample, cancellationToken);
        return Results.Json(
            new SegmentPreviewView(preview.Count, preview.Evaluated, preview.Sample, Instants.Format(preview.AsOf)),
            SegmentJsonContext.Relaxed.SegmentPreviewView
        );
    }

    /// <summary><c>POST segments/{key}/dry-run</c> with <c>{"criteria": {...}}</c>: what saving them would change.</summary>
    public async Task<IResult> DryRunAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var body = await RequestBody.ReadObjectAsync(request, http.Value, cancellationToken);
        var criteria = ReadCriteria(body, ["criteria"]);
        var current = await segments.GetAsync(key, cancellationToken);
        var result = await segments.DryRunAsync(key, criteria, cancellationToken);
        return Results.Json(
            new SegmentDryRunView(
                key,
                current.Definition.Version,
                result.WouldAdd,
                result.WouldRemove,
                result.Total,
                result.Current,
                result.Evaluated,
                Instants.Format(result.AsOf)
            ),
            SegmentJsonContext.Relaxed.SegmentDryRunView
        );
    }

    public async Task<IResult> MembersAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        var paging = PageRequest.Read(request, content.Value, "segment-members:" + key);
        var page = await segments.ListMembersAsync(key, paging.Limit, paging.After, cancellationToken);
        var items = page
            .Items.Select(d =>
            {
                using var json = JsonDocument.Parse(d.Json);
                var root = json.RootElement;
                return new SegmentMemberView(d.Id, root.GetProperty("since").GetString()!, root.GetProperty("ruleVersion").GetInt32());
            })
            .ToList();
        return Results.Json(
            new ItemsPage<SegmentMemberView>(items, paging.NextCursor(page.Next)),
            SegmentJsonContext.Relaxed.ItemsPageSegmentMemberView
        );
    }

    public async Task<IResult> VersionsAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        var paging = PageRequest.Read(request, content.Value, "segment-versions:" + key);
        var page = await segments.ListVersionsAsync(key, paging.Limit, paging.After, cancellationToken);
        var items = page
            .Items.Select(d =>
            {
                var version = DefinitionDocuments.FromDocument<SegmentVersion>(d);
                using var json = JsonDocument.Parse(d.Json);
                return new SegmentVersionView(
                    version.Segment,
                    version.Version,
                    version.Name,
                    Status(version.Status),
                    version.Criteria.Parse(),
                    version.SavedBy,
                    json.RootElement.GetProperty("createdAt").GetString()!,
                    version.Description
                );
            })
            .ToList();
        return Results.Json(
            new ItemsPage<SegmentVersionView>(items, paging.NextCursor(page.Next)),
            SegmentJsonContext.Relaxed.ItemsPageSegmentVersionView
        );
    }

    public async Task<IResult> GetRecomputeAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var job = await segments.GetJobAsync(key, cancellationToken);
        return Results.Json(View(job.Definition), SegmentJsonContext.Relaxed.SegmentRecomputeView);
    }

    public async Task<IResult> StartRecomputeAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var job = await segments.StartRecomputeAsync(key, cancellationToken);
        request.HttpContext.Response.Headers.Location = ApiRoutes.Path(
            SegmentRoutes.Recompute.Replace("{segmentKey}", Uri.EscapeDataString(key), StringComparison.Ordinal)
        );
        return Results.Json(
            View(job.Definition),
            SegmentJsonContext.Relaxed.SegmentRecomputeView,
            statusCode: StatusCodes.Status202Accepted
        );
    }

    public async Task<IResult> ExplainAsync(HttpRequest request, string customerId, string key, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var result = await segments.ExplainAsync(customerId, key, cancellationToken);
        return Results.Json(
            new SegmentExplanationView(
                result.CustomerId,
                result.Segment,
                result.RuleVersion,
                Status(result.Status),
                result.Membership is not null,
                result.Matches,
                Instants.Format(result.AsOf),
                View(result.Explanation),
                result.Membership is { } m ? new SegmentMembershipView(Instants.Format(m.Since), m.RuleVersion) : null
            ),
            SegmentJsonContext.Relaxed.SegmentExplanationView
        );
    }

    private static ConditionExplanationView View(Explanation explanation) =>
        new(explanation.Condition, explanation.Result, explanation.Observed, explanation.Children?.Select(View).ToList());

    private static SegmentRecomputeView View(SegmentJob job) =>
        new(
            job.Segment,
            job.RuleVersion,
            job.Reason,
            JsonNamingPolicy.CamelCase.ConvertName(job.State.ToString()),
            job.Processed,
            job.Total,
            job.Entered,
            job.Exited,
            job.Matched,
            job.QueuedAt,
            job.StartedAt,
            job.CompletedAt,
            job.Error
        );

    private static string Status(SegmentStatus status) => JsonNamingPolicy.CamelCase.ConvertName(status.ToString());

    /// <summary>The <c>criteria</c> of a body, which takes only <paramref name="allowed"/> properties.</summary>
    private static JsonElement ReadCriteria(JsonObject body, string[] allowed)
    {
        var errors = new List<FieldError>();
        foreach (var (name, _) in body)
        {
            if (!allowed.Contains(name))
            {
                errors.Add(new FieldError("/" + name, "unknown-field", $"The body takes {string.Join(" and ", allowed)}."));
            }
        }
        if (!body.TryGetPropertyValue("criteria", out var criteria) || criteria is null)
        {
            errors.Add(new FieldError("/criteria", "required", "criteria is the rule to evaluate."));
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, "The request is not valid.");
        }
        return JsonSerializer.SerializeToElement(criteria, CxJson.SerializerOptions);
    }
}
