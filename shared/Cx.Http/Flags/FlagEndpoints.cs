using System.Text.Json;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Flags;
using Cx.Http.Definitions;
using Cx.Http.Paging;
using Cx.Http.Requests;
using Cx.Http.Responses;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Cx.Http.Flags;

/// <summary>
/// HTTP handling of feature flags: the flag documents (drafts) on <see cref="DefinitionHandler"/>,
/// publishing a draft, the release history, and evaluating a published flag for a context.
/// </summary>
public sealed class FlagEndpoints(
    FlagService flags,
    DefinitionHandler definitions,
    IOptions<HttpOptions> http,
    IOptions<ContentOptions> content
)
{
    public Task<IResult> ListAsync(HttpRequest request, CancellationToken cancellationToken) =>
        definitions.ListAsync(
            request,
            FlagDocuments.Flag,
            "Flags are listed by key; use limit and cursor.",
            flags.ListAsync,
            cancellationToken
        );

    public Task<IResult> GetAsync(HttpRequest request, string key, CancellationToken cancellationToken) =>
        definitions.GetAsync(request, ct => new ValueTask<DefinitionRecord<FlagDefinition>>(flags.GetAsync(key, ct)), cancellationToken);

    public Task<IResult> CreateAsync(HttpRequest request, CancellationToken cancellationToken) =>
        definitions.CreateAsync<FlagDefinition>(request, flags.CreateAsync, flag => FlagRoutes.Location(flag.Key), cancellationToken);

    public Task<IResult> ReplaceAsync(HttpRequest request, string key, CancellationToken cancellationToken) =>
        definitions.ReplaceAsync<FlagDefinition>(
            request,
            (flag, ifMatch, ct) => flags.ReplaceAsync(key, flag, ifMatch, ct),
            cancellationToken
        );

    public Task<IResult> DeleteAsync(HttpRequest request, string key, CancellationToken cancellationToken) =>
        definitions.DeleteAsync(request, (ifMatch, ct) => flags.DeleteAsync(key, ifMatch, ct), cancellationToken);

    /// <summary><c>POST flags/{key}/publish</c> (no body): the draft becomes the next release; answers the flag document.</summary>
    public async Task<IResult> PublishAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var ifMatch = ETags.ReadIfMatch(request);
        return new DocumentResult((await flags.PublishAsync(key, ifMatch, cancellationToken)).Document);
    }

    /// <summary>The releases of a flag, newest first, as stored.</summary>
    public async Task<IResult> VersionsAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        var paging = PageRequest.Read(request, content.Value, "flag-versions:" + key);
        await flags.GetAsync(key, cancellationToken);
        var page = await flags.ListVersionsAsync(key, paging.Limit, paging.After, cancellationToken);
        return new PageResult(page.Items, paging.NextCursor(page.Next));
    }

    /// <summary><c>POST flags/{key}/evaluate</c> with <c>{"context": {"targetingKey": "...", ...}}</c>.</summary>
    public async Task<IResult> EvaluateAsync(HttpRequest request, string key, CancellationToken cancellationToken)
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
        var context =
            body.TryGetPropertyValue("context", out var node) && node is not null
                ? JsonSerializer.SerializeToElement(node, CxJson.SerializerOptions)
                : JsonSerializer.SerializeToElement(new Dictionary<string, string>(), CxJson.SerializerOptions);
        var evaluation = await flags.EvaluateAsync(key, context, "/context", cancellationToken);
        return new JsonContractResult<FlagEvaluationView>(
            View(evaluation, FlagService.ReadUnit(context, "/context")),
            FlagJsonContext.Relaxed.FlagEvaluationView
        );
    }

    /// <summary>The view of an evaluation; an error (a rollout without a targeting key) is a 400 on <c>/context/targetingKey</c>.</summary>
    internal static FlagEvaluationView View(FlagEvaluation evaluation, string? unit)
    {
        if (evaluation.Variation is not { } variation)
        {
            throw new ValidationException(
                new FieldError(
                    "/context/" + FlagService.TargetingKey,
                    "targeting-key-missing",
                    $"The flag '{evaluation.Key}' rolls out by percentage: the context needs a targetingKey (the unit id)."
                )
            );
        }
        return new FlagEvaluationView(
            evaluation.Key,
            variation.Value!.Parse(),
            variation.Key,
            Reason(evaluation.Result.Reason),
            evaluation.Flag.Release.Version,
            unit is null ? null : FlagBuckets.Bucket(evaluation.Key, unit)
        );
    }

    /// <summary>The OpenFeature reason code of a result.</summary>
    public static string Reason(FlagReason reason) =>
        reason switch
        {
            FlagReason.Disabled => "DISABLED",
            FlagReason.TargetingMatch => "TARGETING_MATCH",
            FlagReason.Split => "SPLIT",
            FlagReason.Default => "DEFAULT",
            FlagReason.PrerequisiteFailed => "PREREQUISITE_FAILED",
            _ => "ERROR",
        };
}
