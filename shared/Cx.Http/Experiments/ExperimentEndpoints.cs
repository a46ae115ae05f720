using Cx.Core.Common;
using Cx.Core.Experiments;
using Cx.Http.Definitions;
using Cx.Http.Requests;
using Cx.Http.Responses;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Cx.Http.Experiments;

/// <summary>HTTP handling of experiments: the documents on <see cref="DefinitionHandler"/>, and assignment of a unit.</summary>
public sealed class ExperimentEndpoints(ExperimentService experiments, DefinitionHandler definitions, IOptions<HttpOptions> http)
{
    public Task<IResult> ListAsync(HttpRequest request, CancellationToken cancellationToken) =>
        definitions.ListAsync(
            request,
            ExperimentDocuments.Experiment,
            "Experiments are listed by key; use limit and cursor.",
            experiments.ListAsync,
            cancellationToken
        );

    public Task<IResult> GetAsync(HttpRequest request, string key, CancellationToken cancellationToken) =>
        definitions.GetAsync(
            request,
            ct => new ValueTask<Core.Content.DefinitionRecord<ExperimentDefinition>>(experiments.GetAsync(key, ct)),
            cancellationToken
        );

    public Task<IResult> CreateAsync(HttpRequest request, CancellationToken cancellationToken) =>
        definitions.CreateAsync<ExperimentDefinition>(
            request,
            experiments.CreateAsync,
            e => ExperimentRoutes.Location(e.Key),
            cancellationToken
        );

    public Task<IResult> ReplaceAsync(HttpRequest request, string key, CancellationToken cancellationToken) =>
        definitions.ReplaceAsync<ExperimentDefinition>(
            request,
            (e, ifMatch, ct) => experiments.ReplaceAsync(key, e, ifMatch, ct),
            cancellationToken
        );

    public Task<IResult> DeleteAsync(HttpRequest request, string key, CancellationToken cancellationToken) =>
        definitions.DeleteAsync(request, (ifMatch, ct) => experiments.DeleteAsync(key, ifMatch, ct), cancellationToken);

    /// <summary><c>POST experiments/{key}/assign</c> with <c>{"unitId": "...", "expose": true}</c>.</summary>
    public async Task<IResult> AssignAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var body = await RequestBody.ReadObjectAsync(request, http.Value, cancellationToken);
        var errors = new List<FieldError>();
        string? unitId = null;
        var expose = true;
        foreach (var (name, node) in body)
        {
            switch (name)
            {
                case "unitId":
                    unitId = node is System.Text.Json.Nodes.JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
                    if (!Ids.IsValidClientId(unitId))
                    {
                        errors.Add(new("/unitId", "unit-id", "The unit: a customer or anonymous id of 1-64 letters, digits, '-' or '_'."));
                    }
                    break;
                case "expose":
                    if (node is System.Text.Json.Nodes.JsonValue b && b.TryGetValue<bool>(out var flag))
                    {
                        expose = flag;
                    }
                    else
                    {
                        errors.Add(new("/expose", "type", "true (default: append the exposure event) or false."));
                    }
                    break;
                default:
                    errors.Add(new("/" + name, "unknown-field", "The body takes unitId and expose only."));
                    break;
            }
        }
        if (!body.ContainsKey("unitId"))
        {
            errors.Add(new("/unitId", "required", "The unit to assign: a customer or anonymous id, as the experiment's unit says."));
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors);
        }
        var assignment = await experiments.AssignAsync(key, unitId!, expose, cancellationToken);
        var view = new ExperimentAssignmentView(
            key,
            unitId!,
            assignment.Variation.Key,
            assignment.Variation.Serves,
            assignment.Variation.Key == assignment.Experiment.Control,
            assignment.Bucket,
            assignment.Exposed,
            new ExperimentExposureView(
                assignment.ExposureEventId,
                ExperimentDocuments.ExposureEvent,
                new Dictionary<string, string> { ["experiment"] = key, ["variation"] = assignment.Variation.Key }
            )
        );
        return new JsonContractResult<ExperimentAssignmentView>(view, ExperimentJsonContext.Relaxed.ExperimentAssignmentView);
    }
}
