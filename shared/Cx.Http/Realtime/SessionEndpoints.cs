using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cx.Core.Common;
using Cx.Core.Identity;
using Cx.Core.Realtime;
using Cx.Http.Paging;
using Cx.Http.Requests;
using Cx.Http.Responses;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Cx.Http.Realtime;

/// <summary>HTTP of device sessions: short-lived state keyed by a hand-over token, shared by one user's devices.</summary>
public sealed partial class SessionEndpoints(DeviceSessionService service, IOptions<HttpOptions> httpOptions)
{
    [GeneratedRegex("^[A-Za-z0-9_-]{1,128}$")]
    private static partial Regex IdFormat();

    public async Task<IResult> CreateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var body = await RequestBody.ReadObjectAsync(request, httpOptions.Value, cancellationToken);
        var errors = new List<FieldError>();
        var state = ReadBody(body, ["state", "ttlSeconds"], errors);
        int? ttl = null;
        if (body.ContainsKey("ttlSeconds"))
        {
            if (
                body["ttlSeconds"] is JsonValue value
                && value.GetValueKind() == JsonValueKind.Number
                && value.TryGetValue(out int seconds)
                && seconds is >= 10 and <= 86_400
            )
            {
                ttl = seconds;
            }
            else
            {
                errors.Add(new("/ttlSeconds", "range", "ttlSeconds is a whole number of seconds from 10 to 86400."));
            }
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, "The body is not valid.");
        }
        var session = await service.CreateAsync(CurrentActor.Get(), state!, ttl, cancellationToken);
        return Result(session, StatusCodes.Status201Created, request);
    }

    public async Task<IResult> GetAsync(HttpRequest request, string sessionId, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        CheckId(sessionId);
        return Result(await service.GetAsync(CurrentActor.Get(), sessionId, cancellationToken), StatusCodes.Status200OK, null);
    }

    public async Task<IResult> ReplaceAsync(HttpRequest request, string sessionId, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        CheckId(sessionId);
        long? version = null;
        if (ETags.ReadIfMatch(request) is { } ifMatch && ifMatch != "*")
        {
            version = long.TryParse(ifMatch, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
                ? parsed
                : throw new ValidationException(
                    new FieldError("If-Match", "etag", "The ETag of the session's version.", ErrorLocation.Header)
                );
        }
        var body = await RequestBody.ReadObjectAsync(request, httpOptions.Value, cancellationToken);
        var errors = new List<FieldError>();
        var state = ReadBody(body, ["state"], errors);
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, "The body is not valid.");
        }
        return Result(
            await service.ReplaceAsync(CurrentActor.Get(), sessionId, state!, version, cancellationToken),
            StatusCodes.Status200OK,
            null
        );
    }

    public async Task<IResult> DeleteAsync(HttpRequest request, string sessionId, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        CheckId(sessionId);
        await service.RevokeAsync(CurrentActor.Get(), sessionId, cancellationToken);
        return NoContentResult.Instance;
    }

    private static void CheckId(string sessionId)
    {
        if (!IdFormat().IsMatch(sessionId))
        {
            throw new ValidationException(
                new FieldError("sessionId", "pattern", "A session id (the hand-over token).", ErrorLocation.Route)
            );
        }
    }

    private static JsonObject? ReadBody(JsonObject body, string[] allowed, List<FieldError> errors)
    {
        foreach (var property in body)
        {
            if (!allowed.Contains(property.Key))
            {
                errors.Add(new("/" + property.Key, "unknown-property", $"The body takes {string.Join(" and ", allowed)}."));
            }
        }
        if (body["state"] is JsonObject state)
        {
            return state;
        }
        errors.Add(new("/state", body.ContainsKey("state") ? "type" : "required", "Required: state, an object (a cart, a step, a draft)."));
        return null;
    }

    private static IResult Result(DeviceSession session, int status, HttpRequest? created)
    {
        var view = new SessionView(session.Id, new RawJson(session.State), session.Version, Instants.Format(session.ExpiresAt));
        return new SessionResult(
            new JsonContractResult<SessionView>(view, RealtimeJsonContext.Relaxed.SessionView, status),
            ETags.Format(session.Version.ToString(CultureInfo.InvariantCulture)),
            created is null ? null : ApiRoutes.Path("v1/realtime/sessions/" + session.Id)
        );
    }

    private sealed class SessionResult(IResult inner, string etag, string? location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.ETag = etag;
            if (location is not null)
            {
                httpContext.Response.Headers.Location = location;
            }
            return inner.ExecuteAsync(httpContext);
        }
    }
}
