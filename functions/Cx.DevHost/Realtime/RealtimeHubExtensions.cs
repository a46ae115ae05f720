using System.Security.Claims;
using Cx.Core.Realtime;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Cx.DevHost.Realtime;

public static class RealtimeHubExtensions
{
    /// <summary>
    /// The DevHost's SignalR hub as the realtime transport, replacing the placeholder of <c>AddCx</c>
    /// (with <c>Cx:Realtime:Provider=SignalRService</c> the service stays the transport).
    /// </summary>
    public static IServiceCollection AddCxRealtimeHub(this IServiceCollection services)
    {
        services.AddSignalR();
        services.AddSingleton<HubConnections>();
        services.AddSingleton<HubPublisher>();
        services.AddHostedService<HubRevocationWatcher>();
        if (services.Any(d => d.ServiceType == typeof(IRealtimePublisher) && d.ImplementationType == typeof(NoTransportPublisher)))
        {
            services.Replace(ServiceDescriptor.Singleton<IRealtimePublisher>(sp => sp.GetRequiredService<HubPublisher>()));
        }
        return services;
    }

    /// <summary>
    /// Maps the hub at <c>/realtime/{hub}</c>, where every request (negotiate and the connection
    /// itself) must carry an access token from <c>POST /api/v1/realtime/negotiate</c>, as a bearer
    /// header or the <c>access_token</c> query parameter the SignalR client uses for WebSockets.
    /// </summary>
    public static WebApplication MapCxRealtimeHub(this WebApplication app)
    {
        var hubName = app.Services.GetRequiredService<IOptions<RealtimeOptions>>().Value.Hub;
        var path = HubPublisher.HubPath(hubName);
        app.UseWhen(
            context => context.Request.Path.StartsWithSegments(path),
            branch => branch.Use(async (context, next) => await AuthenticateAsync(context, next, path))
        );
        app.MapHub<RealtimeHub>(path);
        return app;
    }

    private static async Task AuthenticateAsync(HttpContext context, RequestDelegate next, string path)
    {
        var publisher = context.RequestServices.GetRequiredService<HubPublisher>();
        var time = context.RequestServices.GetRequiredService<TimeProvider>();
        var header = context.Request.Headers.Authorization.ToString();
        var token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? header[7..].Trim()
            : context.Request.Query["access_token"].ToString();
        var audience = $"{context.Request.Scheme}://{context.Request.Host}{path}";
        var valid = token.Length == 0 ? null : await RealtimeTokens.ValidateAsync(publisher.AccessKey, token, audience, time.GetUtcNow());
        if (valid is not var (user, issuedAt))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }
        // The per-user limit is checked at the hub's negotiate, so a client beyond it fails to start
        // (429); the hub checks again when a connection opens, for clients that negotiate in parallel.
        var options = context.RequestServices.GetRequiredService<IOptions<RealtimeOptions>>().Value;
        if (
            context.Request.Path.Value!.EndsWith("/negotiate", StringComparison.Ordinal)
            && context.RequestServices.GetRequiredService<HubConnections>().CountFor(user.UserId) >= options.MaxConnectionsPerUser
        )
        {
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            context.Response.Headers.RetryAfter = "5";
            return;
        }
        List<Claim> claims =
        [
            new(ClaimTypes.NameIdentifier, user.UserId),
            new(
                RealtimeTokens.IssuedAtClaim,
                issuedAt.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture)
            ),
        ];
        if (user.SessionId is { } session)
        {
            claims.Add(new Claim(RealtimeTokens.SessionClaim, session));
        }
        context.User = new ClaimsPrincipal(new ClaimsIdentity(claims, "realtime"));
        await next(context);
    }
}
