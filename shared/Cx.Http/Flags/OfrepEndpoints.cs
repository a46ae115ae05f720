using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Core.Flags;
using Cx.Http.Paging;
using Cx.Http.Problems;
using Cx.Http.Requests;
using Cx.Http.Responses;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Cx.Http.Flags;

/// <summary>
/// The OpenFeature Remote Evaluation Protocol over the published flags, so stock OpenFeature
/// clients (an OFREP provider pointed at <c>https://{host}/api</c>) evaluate Cx flags unchanged.
/// Failures are Cx problem+json with OFREP's <c>key</c>, <c>errorCode</c> and <c>errorDetails</c> added.
/// </summary>
public sealed class OfrepEndpoints(FlagService flags, IOptions<HttpOptions> http)
{
    public async Task<IResult> EvaluateAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        try
        {
            var context = await ReadContextAsync(request, cancellationToken);
            var evaluation = await flags.EvaluateAsync(key, context, "/context", cancellationToken);
            var view = View(evaluation);
            return view.ErrorCode is null
                ? new JsonContractResult<OfrepFlagView>(view, FlagJsonContext.Relaxed.OfrepFlagView)
                : new OfrepProblemResult(
                    new ValidationException(
                        new FieldError("/context/" + FlagService.TargetingKey, "targeting-key-missing", view.ErrorDetails!)
                    ),
                    key,
                    view.ErrorCode,
                    view.ErrorDetails!
                );
        }
        catch (CxException ex)
        {
            return new OfrepProblemResult(ex, key, ErrorCode(ex), ex.Message);
        }
    }

    public async Task<IResult> EvaluateAllAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var context = await ReadContextAsync(request, cancellationToken);
            var (set, evaluations) = await flags.EvaluateAllAsync(context, "/context", cancellationToken);
            var (body, etag) = OfrepBulkWriter.Write(set, evaluations, View);
            return ETags.IfNoneMatch(request, etag) ? new NotModifiedResult(etag) : new TaggedJsonResult(body, etag);
        }
        catch (CxException ex)
        {
            return new OfrepProblemResult(ex, null, ErrorCode(ex), ex.Message);
        }
    }

    private async Task<JsonElement> ReadContextAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var body = await RequestBody.ReadObjectAsync(request, http.Value, cancellationToken);
        var errors = new List<FieldError>();
        foreach (var (name, _) in body)
        {
            if (name != "context")
            {
                errors.Add(new FieldError("/" + name, "unknown-field", "The body takes context only."));
            }
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors);
        }
        var context = body.TryGetPropertyValue("context", out var node) && node is not null ? node : new JsonObject();
        var element = JsonSerializer.SerializeToElement(context, CxJson.SerializerOptions);
        FlagService.ReadUnit(element, "/context");
        return element;
    }

    /// <summary>One evaluation as OFREP answers it (the bulk answer serializes each distinct one once per flag set).</summary>
    public static OfrepFlagView View(FlagEvaluation evaluation) =>
        evaluation.Variation is { } variation
            ? new OfrepFlagView(
                evaluation.Key,
                variation.Value!.Parse(),
                FlagEndpoints.Reason(evaluation.Result.Reason),
                variation.Key,
                new OfrepMetadata(evaluation.Flag.Release.Version)
            )
            : new OfrepFlagView(
                evaluation.Key,
                ErrorCode: evaluation.Result.Error == FlagErrorCode.TargetingKeyMissing ? "TARGETING_KEY_MISSING" : "GENERAL",
                ErrorDetails: evaluation.Result.Error == FlagErrorCode.TargetingKeyMissing
                    ? $"The flag '{evaluation.Key}' rolls out by percentage: the context needs a targetingKey."
                    : $"The flag '{evaluation.Key}' could not be evaluated."
            );

    private static string ErrorCode(CxException exception) =>
        exception switch
        {
            NotFoundException => "FLAG_NOT_FOUND",
            MalformedJsonException => "PARSE_ERROR",
            ValidationException v when v.Errors.Any(e => e.Path.StartsWith("/context", StringComparison.Ordinal)) => "INVALID_CONTEXT",
            _ => "GENERAL",
        };

    /// <summary>A JSON body written as serialized, with its ETag.</summary>
    private sealed class TaggedJsonResult(byte[] body, string etag) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = DocumentResult.JsonContentType;
            response.Headers.ETag = ETags.Format(etag);
            response.Headers.CacheControl = "no-cache";
            await response.Body.WriteAsync(body, httpContext.RequestAborted);
        }
    }

    /// <summary>The problem+json of <paramref name="exception"/> with OFREP's members added.</summary>
    private sealed class OfrepProblemResult(CxException exception, string? key, string errorCode, string errorDetails) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var problem = ProblemMapper.Map(exception);
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(buffer, CxJson.WriterOptions))
            {
                ProblemMapper.Write(
                    writer,
                    problem,
                    httpContext.Request.Path,
                    System.Diagnostics.Activity.Current?.TraceId.ToString() ?? httpContext.TraceIdentifier
                );
            }
            var body = JsonNode.Parse(buffer.WrittenSpan)!.AsObject();
            if (key is not null)
            {
                body["key"] = key;
            }
            body["errorCode"] = errorCode;
            body["errorDetails"] = errorDetails;
            var response = httpContext.Response;
            response.StatusCode = problem.Status;
            response.ContentType = ProblemMapper.ContentType;
            response.Headers.CacheControl = "no-store";
            Security.SecurityHeaders.Apply(response);
            await response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(body, CxJson.SerializerOptions), httpContext.RequestAborted);
        }
    }
}
