using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using Cx.Azure.SignalR;
using Cx.Core.Common;
using Cx.Core.Realtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Cx.Integration.Tests.Realtime;

/// <summary>
/// The SignalR Service REST publisher against a local receiver that stands in for the service:
/// the receiver checks every call's path, api-version and HS256 JWT (signed with the connection
/// string's access key, audience the request URL) on its own, with the JWT library.
/// </summary>
public sealed class SignalRServicePublisherTests : IAsyncLifetime
{
    private const string AccessKey = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefgh=";
    private readonly ConcurrentQueue<(string Method, string Target, string Audience, bool Valid, string Body)> _calls = new();
    private WebApplication _receiver = null!;
    private string _endpoint = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _receiver = builder.Build();
        _receiver.Run(async context =>
        {
            var target = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
            var audience = $"{context.Request.Scheme}://{context.Request.Host}{target.Split('?')[0]}";
            var token = context.Request.Headers.Authorization.ToString().Replace("Bearer ", "", StringComparison.Ordinal);
            var validation = await new JsonWebTokenHandler().ValidateTokenAsync(
                token,
                new TokenValidationParameters
                {
                    ValidateIssuer = false,
                    ValidAudience = audience,
                    IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(AccessKey)),
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                }
            );
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            _calls.Enqueue((context.Request.Method, target, audience, validation.IsValid, body));
            context.Response.StatusCode =
                !validation.IsValid ? 401
                : target.Contains("/connections/gone", StringComparison.Ordinal) ? 404
                : target.Contains("broken", StringComparison.Ordinal) ? 500
                : 202;
        });
        await _receiver.StartAsync();
        _endpoint = _receiver.Urls.First();
    }

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private SignalRServicePublisher CreateSut(string? key = null) =>
        new(
            Options.Create(
                new SignalRServiceOptions { ConnectionString = $"Endpoint={_endpoint};AccessKey={key ?? AccessKey};Version=1.0;" }
            ),
            Options.Create(new RealtimeOptions { Hub = "cx" }),
            TimeProvider.System
        );

    private static ChannelPublication Publication(string channel) =>
        new(channel, "e1", 7, Encoding.UTF8.GetBytes("""{"kind":"upsert","type":"article","id":"a1","etag":"x","data":{"title":"t"}}"""));

    [Fact]
    public async Task Should_send_a_publication_to_the_channels_group_with_a_token_for_that_url()
    {
        using var publisher = CreateSut();
        await publisher.PublishAsync([Publication("entry:article:a1")], default);

        var call = Assert.Single(_calls);
        Assert.Equal("POST", call.Method);
        Assert.Equal("/api/hubs/cx/groups/entry%3Aarticle%3Aa1/:send?api-version=2022-06-01", call.Target);
        Assert.True(call.Valid, "The JWT must be HS256 with the access key and aud = " + call.Audience);
        var body = JsonNode.Parse(call.Body)!.AsObject();
        Assert.Equal("publication", body["target"]!.GetValue<string>());
        var publication = body["arguments"]![0]!;
        Assert.Equal("entry:article:a1", publication["channel"]!.GetValue<string>());
        Assert.Equal(7, publication["offset"]!.GetValue<long>());
        Assert.Equal("t", publication["data"]!["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_add_a_connection_to_a_group_and_report_a_connection_the_service_does_not_know()
    {
        using var publisher = CreateSut();
        var user = new RealtimeUser("customer:c1", null);
        await publisher.AddToChannelAsync("conn-1", user, "customer:c1", default);
        await Assert.ThrowsAsync<NotFoundException>(async () => await publisher.AddToChannelAsync("gone", user, "customer:c1", default));

        var calls = _calls.ToArray();
        Assert.Equal(
            [
                "/api/hubs/cx/groups/customer%3Ac1/connections/conn-1?api-version=2022-06-01",
                "/api/hubs/cx/groups/customer%3Ac1/connections/gone?api-version=2022-06-01",
            ],
            calls.Select(c => c.Target)
        );
        Assert.All(calls, c => Assert.Equal("PUT", c.Method));
        Assert.All(calls, c => Assert.True(c.Valid));
    }

    [Fact]
    public async Task Should_fail_a_publish_the_service_refuses_so_the_hook_delivers_it_again()
    {
        using var publisher = CreateSut();
        await Assert.ThrowsAsync<HttpRequestException>(async () => await publisher.PublishAsync([Publication("segment:broken")], default));
        // Signed with another key: the receiver refuses it (401), and so does the publisher's caller.
        using var wrongKey = CreateSut("ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ=");
        var refused = await Assert.ThrowsAsync<HttpRequestException>(async () =>
            await wrongKey.PublishAsync([Publication("segment:s")], default)
        );
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task Should_negotiate_the_services_client_url_with_a_user_token_for_it()
    {
        using var publisher = CreateSut();
        var result = await publisher.NegotiateAsync(new RealtimeUser("staff:ana", "s1"), new Uri("https://api.example.com"), default);
        Assert.Equal(_endpoint + "/client/?hub=cx", result.Url);
        var validation = await new JsonWebTokenHandler().ValidateTokenAsync(
            result.AccessToken,
            new TokenValidationParameters
            {
                ValidateIssuer = false,
                ValidAudience = result.Url,
                IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(AccessKey)),
            }
        );
        Assert.True(validation.IsValid);
        Assert.Equal("staff:ana", validation.Claims["nameid"]);
        Assert.True(validation.SecurityToken.ValidTo > TimeProvider.System.GetUtcNow().UtcDateTime);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Endpoint=https://x.service.signalr.net;Version=1.0;")]
    [InlineData("Endpoint=not a url;AccessKey=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefgh=")]
    [InlineData("Endpoint=https://x.service.signalr.net;AccessKey=short")]
    public void Should_refuse_a_connection_string_without_an_endpoint_and_access_key(string connectionString) =>
        Assert.Throws<InvalidOperationException>(() => SignalRServicePublisher.Parse(connectionString));
}
