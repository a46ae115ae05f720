using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cx.Core.Common;
using Cx.Core.Identity;
using Cx.Core.Realtime;
using Cx.Http.Problems;
using Cx.Http.Requests;
using Cx.Http.Responses;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Cx.Http.Realtime;

/// <summary>HTTP of offline replay: a client's queued mutations, applied exactly once, with the last applied counter as acknowledgement.</summary>
public sealed partial class MutationEndpoints(OfflineReplayService service, IOptions<HttpOptions> httpOptions)
{
    /// <summary>Most mutations in one request.</summary>
    public const int MaxMutations = 500;

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex ClientIdFormat();

    [GeneratedRegex("^[a-z][a-z0-9_-]{0,63}$")]
    private static partial Regex TypeFormat();

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,128}$")]
    private static partial Regex IdFormat();

    public async Task<IResult> ReplayAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var body = await RequestBody.ReadObjectAsync(request, httpOptions.Value, cancellationToken);
        var errors = new List<FieldError>();
        foreach (var property in body)
        {
            if (property.Key is not ("clientId" or "mutations"))
            {
                errors.Add(new("/" + property.Key, "unknown-property", "The body takes clientId and mutations."));
            }
        }
        string? clientId = null;
        if (body["clientId"] is JsonValue client && client.GetValueKind() == JsonValueKind.String)
        {
            clientId = client.GetValue<string>();
            if (!ClientIdFormat().IsMatch(clientId))
            {
                errors.Add(new("/clientId", "pattern", "1-64 of A-Z, a-z, 0-9, '_', '-': the id the client keeps across restarts."));
            }
        }
        else
        {
            errors.Add(new("/clientId", body.ContainsKey("clientId") ? "type" : "required", "Required: clientId, a string."));
        }
        var mutations = new List<OfflineMutation>();
        if (body["mutations"] is JsonArray list)
        {
            if (list.Count > MaxMutations)
            {
                errors.Add(new("/mutations", "max-items", $"At most {MaxMutations} mutations per request."));
            }
            long previous = 0;
            for (var i = 0; i < list.Count && i < MaxMutations; i++)
            {
                if (Mutation(list[i], $"/mutations/{i}", errors) is { } mutation)
                {
                    if (mutation.Counter <= previous)
                    {
                        errors.Add(new($"/mutations/{i}/counter", "order", "Counters must grow from one mutation to the next."));
                    }
                    previous = mutation.Counter;
                    mutations.Add(mutation);
                }
            }
        }
        else
        {
            errors.Add(
                new("/mutations", body.ContainsKey("mutations") ? "type" : "required", "Required: mutations, an array (may be empty).")
            );
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, "The body is not valid.");
        }
        try
        {
            var result = await service.ReplayAsync(CurrentActor.Get(), clientId!, mutations, cancellationToken);
            return new JsonContractResult<ReplayView>(
                new ReplayView(
                    clientId!,
                    result.LastApplied,
                    [.. result.Outcomes.Select(o => new MutationResultView(o.Counter, o.Status, o.ETag))]
                ),
                RealtimeJsonContext.Relaxed.ReplayView
            );
        }
        catch (MutationConflictException conflict)
        {
            return new ConflictResult(conflict);
        }
    }

    private static OfflineMutation? Mutation(JsonNode? node, string at, List<FieldError> errors)
    {
        if (node is not JsonObject item)
        {
            errors.Add(new(at, "type", "A mutation is an object: counter, op, type, id, patch or data, and optionally ifMatch."));
            return null;
        }
        var count = errors.Count;
        var op = MutationOp.Patch;
        if (item.ContainsKey("op"))
        {
            if (item["op"] is JsonValue o && o.GetValueKind() == JsonValueKind.String && Op(o.GetValue<string>()) is { } parsed)
            {
                op = parsed;
            }
            else
            {
                errors.Add(new($"{at}/op", "enum", "op is patch (the default), create or delete."));
            }
        }
        foreach (var property in item)
        {
            if (property.Key is not ("counter" or "op" or "type" or "id" or "patch" or "data" or "ifMatch"))
            {
                errors.Add(
                    new($"{at}/{property.Key}", "unknown-property", "A mutation takes counter, op, type, id, patch, data and ifMatch.")
                );
            }
        }
        long counter = 0;
        if (item["counter"] is not JsonValue c || c.GetValueKind() != JsonValueKind.Number || !c.TryGetValue(out counter) || counter < 1)
        {
            errors.Add(
                new($"{at}/counter", "type", "Required: counter, a whole number >= 1 that grows with every mutation of the client.")
            );
        }
        var type = Text(item, "type", at, TypeFormat(), "A content type key (customer for a customer profile).", errors);
        var id = Text(item, "id", at, IdFormat(), "The entry's id (chosen by the client for a create).", errors);
        var (body, other) = op == MutationOp.Create ? ("data", "patch") : ("patch", "data");
        JsonObject content = [];
        if (op == MutationOp.Delete)
        {
            foreach (var name in (string[])["patch", "data"])
            {
                if (item.ContainsKey(name))
                {
                    errors.Add(new($"{at}/{name}", "not-allowed", "A delete takes no " + name + "."));
                }
            }
        }
        else
        {
            if (item[body] is JsonObject given)
            {
                content = given;
            }
            else
            {
                errors.Add(
                    new(
                        $"{at}/{body}",
                        item.ContainsKey(body) ? "type" : "required",
                        op == MutationOp.Create
                            ? "Required: data, the new entry (an object)."
                            : "Required: patch, a JSON merge patch (an object)."
                    )
                );
            }
            if (item.ContainsKey(other))
            {
                errors.Add(
                    new($"{at}/{other}", "not-allowed", $"A {(op == MutationOp.Create ? "create" : "patch")} takes {body}, not {other}.")
                );
            }
        }
        if (
            op == MutationOp.Create
            && content["id"] is { } bodyId
            && !(bodyId.GetValueKind() == JsonValueKind.String && bodyId.GetValue<string>() == id)
        )
        {
            errors.Add(new($"{at}/data/id", "id-mismatch", "The id in data must equal the mutation's id (or be left out)."));
        }
        string? ifMatch = null;
        if (item.ContainsKey("ifMatch"))
        {
            if (op == MutationOp.Create)
            {
                errors.Add(new($"{at}/ifMatch", "not-allowed", "A create has no ETag to match."));
            }
            else if (
                item["ifMatch"] is JsonValue m
                && m.GetValueKind() == JsonValueKind.String
                && m.GetValue<string>().Trim('"') is { Length: > 0 } tag
            )
            {
                ifMatch = tag;
            }
            else
            {
                errors.Add(new($"{at}/ifMatch", "type", "ifMatch is the ETag the change was based on, a string."));
            }
        }
        return errors.Count == count
            ? new OfflineMutation(counter, type!, id!, (JsonObject)content.DeepClone(), ifMatch) { Op = op }
            : null;
    }

    private static MutationOp? Op(string value) =>
        value switch
        {
            "patch" => MutationOp.Patch,
            "create" => MutationOp.Create,
            "delete" => MutationOp.Delete,
            _ => null,
        };

    private static string? Text(JsonObject item, string name, string at, Regex format, string what, List<FieldError> errors)
    {
        if (item[name] is JsonValue value && value.GetValueKind() == JsonValueKind.String)
        {
            var text = value.GetValue<string>();
            if (format.IsMatch(text))
            {
                return text;
            }
            errors.Add(new($"{at}/{name}", "pattern", what));
            return null;
        }
        errors.Add(new($"{at}/{name}", item.ContainsKey(name) ? "type" : "required", $"Required: {name}, a string. {what}"));
        return null;
    }

    /// <summary>409 problem+json with the conflicting counter, the acknowledgement so far and the entry as it is now.</summary>
    private sealed class ConflictResult(MutationConflictException conflict) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var problem = ProblemMapper.Map(conflict);
            var response = httpContext.Response;
            response.StatusCode = StatusCodes.Status409Conflict;
            response.ContentType = ProblemMapper.ContentType;
            response.Headers.CacheControl = "no-store";
            using (var writer = new Utf8JsonWriter(response.BodyWriter, CxJson.WriterOptions))
            {
                writer.WriteStartObject();
                writer.WriteString("type", problem.Type);
                writer.WriteString("title", problem.Title);
                writer.WriteNumber("status", problem.Status);
                writer.WriteString("detail", problem.Detail);
                writer.WriteString("instance", httpContext.Request.Path.ToString());
                writer.WriteString("code", problem.Code);
                writer.WriteNumber("counter", conflict.Counter);
                writer.WriteNumber("lastApplied", conflict.LastApplied);
                writer.WritePropertyName("current");
                writer.WriteRawValue(conflict.Current.Json.Span, skipInputValidation: true);
                writer.WriteEndObject();
            }
            await response.BodyWriter.FlushAsync(httpContext.RequestAborted);
        }
    }
}
