using System.Net;
using System.Text;
using Azure.Core;
using Cx.Azure.SignalR;
using Cx.Core.Documents;
using Cx.Core.Realtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Moq.Protected;

namespace Cx.Core.Tests.Azure;

/// <summary>
/// SignalR Service with a managed identity (Microsoft Entra tokens instead of the access key),
/// closing a user's connections, and the hook that closes them on revocation, against a Moq'd HTTP
/// handler that records every request and a Moq'd token credential.
/// </summary>
public sealed class SignalRServiceIdentityTests
{
    private const string Endpoint = "https://cx-test.service.signalr.net";
    private const string IssuedKey = "issued-signing-key-0123456789abcdefghijklmnop";
    private readonly List<(HttpMethod Method, string Url, string? Authorization)> _requests = [];
    private readonly Mock<TokenCredential> _credential = new(MockBehavior.Strict);
    private readonly Mock<HttpMessageHandler> _handler = new();
    private int _tokens;

    public SignalRServiceIdentityTests()
    {
        _credential
            .Setup(c =>
                c.GetTokenAsync(
                    It.Is<TokenRequestContext>(r => r.Scopes.SequenceEqual(new[] { SignalRServicePublisher.EntraScope })),
                    It.IsAny<CancellationToken>()
                )
            )
            .Returns(() =>
                ValueTask.FromResult(
                    new AccessToken("entra-" + Interlocked.Increment(ref _tokens), TimeProvider.System.GetUtcNow().AddHours(1))
                )
            );
        Answer(_ => new HttpResponseMessage(HttpStatusCode.Accepted));
    }

    private void Answer(Func<HttpRequestMessage, HttpResponseMessage> answer) =>
        _handler
            .Protected()
            .Setup<Task<HttpResponseMessage>>("SendAsync", ItExpr.IsAny<HttpRequestMessage>(), ItExpr.IsAny<CancellationToken>())
            .ReturnsAsync(
                (HttpRequestMessage request, CancellationToken _) =>
                {
                    _requests.Add((request.Method, request.RequestUri!.ToString(), request.Headers.Authorization?.ToString()));
                    return answer(request);
                }
            );

    private SignalRServicePublisher CreateSut(string connectionString = $"Endpoint={Endpoint};AuthType=azure.msi;Version=1.0;") =>
        new(
            Options.Create(new SignalRServiceOptions { ConnectionString = connectionString }),
            Options.Create(new RealtimeOptions { Hub = "cx" }),
            TimeProvider.System,
            _credential.Object,
            _handler.Object
        );

    private static ChannelPublication Publication(string channel) =>
        new(channel, "e1", 1, Encoding.UTF8.GetBytes("""{"kind":"upsert","type":"article","id":"a1","etag":"x","data":{}}"""));

    private static HttpResponseMessage KeyAnswer(HttpRequestMessage request) =>
        request.RequestUri!.AbsolutePath == "/api/auth/accessKey"
            ? new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent($$"""{"KeyId":"kid-7","AccessKey":"{{IssuedKey}}"}""", Encoding.UTF8, "application/json"),
            }
            : new HttpResponseMessage(HttpStatusCode.Accepted);

    [Fact]
    public async Task Should_call_the_rest_api_with_a_microsoft_entra_token_from_the_managed_identity()
    {
        using var publisher = CreateSut();
        await publisher.PublishAsync([Publication("entry:article:a1")], default);
        await publisher.AddToChannelAsync("conn-1", new RealtimeUser("customer:c1", null), "customer:c1", default);

        Assert.Equal(2, _requests.Count);
        Assert.Equal(
            $"{Endpoint}/api/hubs/cx/groups/entry%3Aarticle%3Aa1/:send?api-version={SignalRServicePublisher.ApiVersion}",
            _requests[0].Url
        );
        Assert.Equal("Bearer entra-1", _requests[0].Authorization);
        Assert.Equal("Bearer entra-2", _requests[1].Authorization);
        _credential.Verify(c => c.GetTokenAsync(It.IsAny<TokenRequestContext>(), It.IsAny<CancellationToken>()), Times.Exactly(2));
    }

    [Fact]
    public async Task Should_sign_negotiated_client_tokens_with_the_key_the_service_issues_and_fetch_it_once()
    {
        Answer(KeyAnswer);
        using var publisher = CreateSut();
        var first = await publisher.NegotiateAsync(new RealtimeUser("staff:ana", "s1"), new Uri("https://api.example.com"), default);
        var second = await publisher.NegotiateAsync(new RealtimeUser("customer:bo", null), new Uri("https://api.example.com"), default);

        var keyRequest = Assert.Single(_requests);
        Assert.Equal(HttpMethod.Get, keyRequest.Method);
        Assert.Equal($"{Endpoint}/api/auth/accessKey?api-version={SignalRServicePublisher.IssuedKeyApiVersion}", keyRequest.Url);
        Assert.Equal("Bearer entra-1", keyRequest.Authorization);
        Assert.Equal(Endpoint + "/client/?hub=cx", first.Url);
        foreach (var (result, user) in new[] { (first, "staff:ana"), (second, "customer:bo") })
        {
            var validation = await new JsonWebTokenHandler().ValidateTokenAsync(
                result.AccessToken,
                new TokenValidationParameters
                {
                    ValidateIssuer = false,
                    ValidAudience = result.Url,
                    IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(IssuedKey)) { KeyId = "kid-7" },
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                }
            );
            Assert.True(validation.IsValid, validation.Exception?.Message);
            Assert.Equal("kid-7", ((JsonWebToken)validation.SecurityToken).Kid);
            Assert.Equal(user, validation.Claims["nameid"]);
        }
    }

    [Fact]
    public async Task Should_fail_negotiate_when_the_service_refuses_to_issue_a_key()
    {
        Answer(_ => new HttpResponseMessage(HttpStatusCode.Forbidden) { Content = new StringContent("no role") });
        using var publisher = CreateSut();
        var refused = await Assert.ThrowsAsync<HttpRequestException>(async () =>
            await publisher.NegotiateAsync(new RealtimeUser("staff:ana", null), new Uri("https://api.example.com"), default)
        );
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    [Fact]
    public async Task Should_close_every_connection_of_a_user_through_the_rest_api()
    {
        using var publisher = CreateSut();
        await publisher.CloseUserConnectionsAsync("customer:ana", "revoked", default);
        var request = Assert.Single(_requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal(
            $"{Endpoint}/api/hubs/cx/users/customer%3Aana/:closeConnections?api-version={SignalRServicePublisher.ApiVersion}&reason=revoked",
            request.Url
        );
        Answer(_ => new HttpResponseMessage(HttpStatusCode.InternalServerError));
        await Assert.ThrowsAsync<HttpRequestException>(async () =>
            await publisher.CloseUserConnectionsAsync("customer:ana", "revoked", default)
        );
    }

    [Fact]
    public async Task Should_close_the_connections_of_each_revoked_user_once_per_batch_and_ignore_other_changes()
    {
        var closer = new Mock<IRealtimeConnectionCloser>();
        var hook = new RealtimeRevocationHook(closer.Object);
        ChangeRecord Change(string container, string pk, string type, ChangeKind kind = ChangeKind.Upsert) =>
            new("1", container, "revocations", pk, type, kind, "e", TimeProvider.System.GetUtcNow(), null, null);
        var changes = new[]
        {
            Change(Containers.Identity, "sub:customer:ana", "revocation"),
            Change(Containers.Identity, "sub:customer:ana", "revocation"),
            Change(Containers.Identity, "sub:staff:bo", "revocation"),
            Change(Containers.Identity, "sub:staff:cy", "session"),
            Change(Containers.Content, "sub:staff:dan", "revocation"),
            Change(Containers.Identity, "sub:staff:eve", "revocation", ChangeKind.Delete),
        };
        var wanted = changes.Where(hook.Wants).ToList();
        Assert.Equal(3, wanted.Count);
        await hook.HandleAsync(wanted, default);
        closer.Verify(c => c.CloseUserConnectionsAsync("customer:ana", "revoked", It.IsAny<CancellationToken>()), Times.Once);
        closer.Verify(c => c.CloseUserConnectionsAsync("staff:bo", "revoked", It.IsAny<CancellationToken>()), Times.Once);
        closer.VerifyNoOtherCalls();
    }

    [Theory]
    [InlineData("Endpoint=https://x.service.signalr.net;AuthType=azure.msi;Version=1.0;", null)]
    [InlineData(
        "Endpoint=https://x.service.signalr.net;AuthType=azure.msi;ClientId=1f0e7c52-aaaa-bbbb-cccc-0123456789ab;",
        "1f0e7c52-aaaa-bbbb-cccc-0123456789ab"
    )]
    public void Should_read_a_managed_identity_connection_string(string connectionString, string? clientId)
    {
        var connection = SignalRServicePublisher.Parse(connectionString);
        Assert.True(connection.UsesIdentity);
        Assert.Null(connection.AccessKey);
        Assert.Equal(clientId, connection.ClientId);
        Assert.Equal("https://x.service.signalr.net", connection.Endpoint);
    }

    [Theory]
    [InlineData("AuthType=azure.msi;")]
    [InlineData("Endpoint=https://x.service.signalr.net;AuthType=azure.other;")]
    public void Should_refuse_an_identity_connection_string_without_an_endpoint_or_with_another_auth_type(string connectionString) =>
        Assert.Throws<InvalidOperationException>(() => SignalRServicePublisher.Parse(connectionString));

    [Fact]
    public void Should_register_the_publisher_as_the_transport_and_the_closer_and_add_the_revocation_hook()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(
                new Dictionary<string, string?>
                {
                    ["Cx:Realtime:SignalR:ConnectionString"] =
                        $"Endpoint={Endpoint};AuthType=azure.msi;ClientId=00000000-0000-0000-0000-000000000001;",
                }
            )
            .Build();
        var services = new ServiceCollection();
        services.AddCxRealtime(configuration);
        Cx.Azure.AzureServiceCollectionExtensions.AddCxSignalRService(services, configuration);
        Assert.Contains(
            services,
            d => d.ServiceType == typeof(Cx.Core.Lifecycle.IChangeHook) && d.ImplementationType == typeof(RealtimeRevocationHook)
        );
        using var provider = services.BuildServiceProvider();
        var publisher = provider.GetRequiredService<IRealtimePublisher>();
        Assert.IsType<SignalRServicePublisher>(publisher);
        Assert.Same(publisher, provider.GetRequiredService<IRealtimeConnectionCloser>());
    }
}
