using System.Net;
using Cx.Core.Audit;
using Cx.Core.Identity;
using Microsoft.AspNetCore.Http;

namespace Cx.Http.Security;

/// <summary>
/// Security applied once, in the API layer, by both hosts before a function runs: credentials
/// (bearer access token or API key) with failed attempts limited per client address, revocation,
/// the function's declared permission (with self-only access for customers), rate limits, and
/// the security headers. On success the actor and client address flow to the services for the
/// rest of the request.
/// </summary>
public sealed class RequestGate(
    TokenService tokens,
    ApiKeyService apiKeys,
    RevocationCache revocations,
    RequestRateLimiter limiter,
    AuthFailureLimit failures,
    Microsoft.Extensions.Options.IOptions<HttpOptions> httpOptions
)
{
    public const string ApiKeyHeader = "X-Api-Key";

    /// <summary>
    /// Authenticates and authorises a request. Call <see cref="GatePass.Begin"/> on the result in
    /// the caller's own frame (an async method cannot set the caller's async-local context) and
    /// dispose what it returns when the request ends.
    /// </summary>
    public async ValueTask<GatePass> EnterAsync(HttpContext context, AccessAttribute access, CancellationToken cancellationToken)
    {
        SecurityHeaders.Apply(context.Response, httpOptions.Value.TrustForwardedFor);
        var clientIp = ClientIp(context);
        if (access.Permission == AccessAttribute.Trigger)
        {
            throw new ForbiddenException("This function is not callable over HTTP.");
        }
        if (access.Permission == AccessAttribute.Anonymous)
        {
            await limiter.AcquireAsync(access.RateLimit ?? GroupFor(context), "ip:" + clientIp, cancellationToken);
            context.Items[typeof(RateLimitCharge)] = new RateLimitCharge(access.RateLimit ?? GroupFor(context), "ip:" + clientIp);
            return new GatePass(null, clientIp);
        }
        failures.EnsureAllowed(clientIp);
        Actor actor;
        string callerKey;
        try
        {
            (actor, callerKey) = await AuthenticateAsync(context, clientIp, cancellationToken);
        }
        catch (UnauthorizedException)
        {
            // Counted per address; the failure that finds the budget spent is answered 429 instead.
            await failures.RecordFailureAsync(clientIp, cancellationToken);
            throw;
        }
        var customerId = access.Self is { } parameter ? context.Request.RouteValues[parameter]?.ToString() : null;
        var allowed =
            access.Permission == AccessAttribute.Authenticated
            || (access.SelfInBody ? actor.Can(access.Permission, actor.CustomerId) : actor.Can(access.Permission, customerId));
        if (!allowed)
        {
            throw new ForbiddenException($"{DescribeKind(actor)} may not do this ({access.Permission}).");
        }
        await limiter.AcquireAsync(access.RateLimit ?? GroupFor(context), callerKey, cancellationToken);
        context.Items[typeof(RateLimitCharge)] = new RateLimitCharge(access.RateLimit ?? GroupFor(context), callerKey);
        return new GatePass(actor, clientIp);
    }

    /// <summary>The actor of the request's credentials, or a 401.</summary>
    public async ValueTask<(Actor Actor, string CallerKey)> AuthenticateAsync(
        HttpContext context,
        string clientIp,
        CancellationToken cancellationToken
    )
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        var apiKey = context.Request.Headers[ApiKeyHeader].ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var (actor, issuedAt) = await tokens.ValidateAsync(authorization[7..].Trim(), cancellationToken);
            if (await revocations.IsRevokedAsync(actor, issuedAt, cancellationToken))
            {
                throw new UnauthorizedException(UnauthorizedException.InvalidToken, "The session has been signed out.");
            }
            return (actor, $"sub:{actor.Kind}:{actor.Subject}");
        }
        var presented =
            apiKey.Length > 0 ? apiKey
            : authorization.StartsWith("ApiKey ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim()
            : null;
        if (presented is not null)
        {
            var actor = await apiKeys.AuthenticateAsync(presented, cancellationToken);
            var isPublic = actor.Permissions.Count == 1 && actor.Has(Permissions.EventsWrite);
            return (actor, isPublic ? $"key:{actor.Subject}:{clientIp}" : $"key:{actor.Subject}");
        }
        throw new UnauthorizedException(
            UnauthorizedException.InvalidRequest,
            "Credentials are required: an access token (Authorization: Bearer ...) or an API key (X-Api-Key)."
        );
    }

    /// <summary>
    /// The client address: the connection's, or — behind a trusted proxy (Cx:Http:TrustForwardedFor) —
    /// the last X-Forwarded-For hop, the one the proxy appended. Earlier hops come from the client
    /// and could be forged to dodge rate limits or falsify the audit log.
    /// </summary>
    public string ClientIp(HttpContext context)
    {
        if (httpOptions.Value.TrustForwardedFor && context.Request.Headers["X-Forwarded-For"].ToString() is { Length: > 0 } forwarded)
        {
            var last = forwarded.Split(',')[^1].Trim();
            var portless =
                last.StartsWith('[') && last.Contains(']', StringComparison.Ordinal) ? last[1..last.IndexOf(']', StringComparison.Ordinal)]
                : last.Count(c => c == ':') == 1 ? last[..last.IndexOf(':', StringComparison.Ordinal)]
                : last;
            if (IPAddress.TryParse(portless, out var parsed))
            {
                return parsed.ToString();
            }
        }
        return context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
    }

    private static string GroupFor(HttpContext context) =>
        HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)
            ? RateLimitGroups.Read
            : RateLimitGroups.Write;

    private static string DescribeKind(Actor actor) =>
        actor.Kind switch
        {
            ActorKind.Customer => "A customer",
            ActorKind.ApiKey => "This API key",
            _ => "Your role",
        };
}

/// <summary>The outcome of the gate: who is calling (null when anonymous) and from where.</summary>
public sealed record GatePass(Actor? Actor, string ClientIp)
{
    /// <summary>Makes the actor and origin current for the rest of the request (synchronously, in the caller's frame).</summary>
    public IDisposable Begin() => new Scopes(Actor is null ? null : CurrentActor.Use(Actor), RequestOrigin.Use(ClientIp));

    private sealed class Scopes(IDisposable? actor, IDisposable origin) : IDisposable
    {
        public void Dispose()
        {
            origin.Dispose();
            actor?.Dispose();
        }
    }
}
