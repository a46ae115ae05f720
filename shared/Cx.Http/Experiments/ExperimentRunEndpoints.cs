using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Core.Experiments;
using Cx.Http.Requests;
using Cx.Http.Responses;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Cx.Http.Experiments;

/// <summary>
/// HTTP handling of the significance run: start the singleton orchestration now, and read the last
/// run with its per-experiment analyses. The Durable client behind <see cref="ISignificanceRuns"/> is
/// the host's (the function binds it).
/// </summary>
public sealed class ExperimentRunEndpoints(TimeProvider time, IOptions<HttpOptions> http)
{
    /// <summary>Run ids: 1-64 letters, digits, '-', '_', '.' or ':'.</summary>
    public static bool IsRunId(string? value) =>
        value is { Length: > 0 and <= 64 } && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':');

    /// <summary><c>POST experiment-runs</c> with <c>{}</c> or <c>{"runId": "..."}</c>: 202 with the run, 409 while one runs.</summary>
    public async Task<IResult> StartAsync(HttpRequest request, ISignificanceRuns runs, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var body = await RequestBody.ReadObjectAsync(request, http.Value, cancellationToken);
        var errors = new List<FieldError>();
        string? runId = null;
        foreach (var (name, node) in body)
        {
            if (name == "runId")
            {
                runId = node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
                if (!IsRunId(runId))
                {
                    errors.Add(new("/runId", "run-id", "1-64 letters, digits, '-', '_', '.' or ':'."));
                }
            }
            else
            {
                errors.Add(new("/" + name, "unknown-field", "The body takes runId only."));
            }
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors);
        }
        runId ??= "run-" + time.GetUtcNow().ToString("yyyyMMdd'T'HHmmssfff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var state =
            await runs.StartAsync(runId, cancellationToken)
            ?? throw new ConflictException(
                "run-in-progress",
                "A significance run is pending or running; read it with GET and try again when it ends."
            );
        return new JsonContractResult<SignificanceRunState>(
            state,
            ExperimentJsonContext.Relaxed.SignificanceRunState,
            StatusCodes.Status202Accepted
        );
    }

    /// <summary><c>GET experiment-runs</c>: the last run (its status and, once completed, its results); 404 before the first.</summary>
    public async Task<IResult> GetAsync(HttpRequest request, ISignificanceRuns runs, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var state = await runs.GetAsync(cancellationToken) ?? throw new NotFoundException("Significance run", "last");
        return new JsonContractResult<SignificanceRunState>(state, ExperimentJsonContext.Relaxed.SignificanceRunState);
    }
}
