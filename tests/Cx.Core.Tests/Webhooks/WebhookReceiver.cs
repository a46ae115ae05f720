using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cx.Core.Tests.Webhooks;

/// <summary>A real HTTP receiver on a loopback port: records every request, or answers 503 while <see cref="Down"/>.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    public sealed record Received(string Path, string WebhookId, string Timestamp, string Signature, string Body);

    public ConcurrentQueue<Received> Requests { get; } = new();

    public volatile bool Down;

    private int _refused;

    public int Refused => Volatile.Read(ref _refused);

    private WebhookReceiver(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost(
            "/{**path}",
            async (HttpContext context) =>
            {
                using var reader = new StreamReader(context.Request.Body);
                var body = await reader.ReadToEndAsync();
                if (receiver.Down)
                {
                    Interlocked.Increment(ref receiver._refused);
                    return Results.StatusCode(503);
                }
                receiver.Requests.Enqueue(
                    new Received(
                        context.Request.Path,
                        context.Request.Headers["webhook-id"].ToString(),
                        context.Request.Headers["webhook-timestamp"].ToString(),
                        context.Request.Headers["webhook-signature"].ToString(),
                        body
                    )
                );
                return Results.NoContent();
            }
        );
        await app.StartAsync();
        receiver.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
