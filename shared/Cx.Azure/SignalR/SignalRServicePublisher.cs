using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Azure.Core;
using Azure.Identity;
using Cx.Core.Common;
using Cx.Core.Realtime;
using Microsoft.Extensions.Options;

namespace Cx.Azure.SignalR;

/// <summary>Where the service is and how to authenticate to it: its access key, or Microsoft Entra (managed identity).</summary>
public sealed record SignalRConnection(string Endpoint, string? AccessKey, string? ClientId)
{
    /// <summary>Microsoft Entra ID instead of an access key (<c>AuthType=azure.msi</c>).</summary>
    public bool UsesIdentity => AccessKey is null;
}

/// <summary>
/// The realtime transport in Azure: SignalR Service in serverless mode, through its REST API
/// (api-version 2022-06-01; 2024-12-01 for the signing key), written here because the SDK's management helpers are not available.
/// With an access key, every call carries an HS256 JWT signed with it, its audience the request URL
/// without the query (hub lower-case), as the official SDK forms it. With a managed identity
/// (<c>AuthType=azure.msi</c>), every call carries a Microsoft Entra token for the service, and the
/// client tokens negotiate hands out are signed with a key the service issues to that identity
/// (<c>GET /api/auth/accessKey</c>), named by its <c>kid</c> and fetched again before it is an hour
/// old. Negotiate answers <c>{endpoint}/client/?hub={hub}</c> with a client token whose <c>nameid</c>
/// is the user. Revocations close a user's connections (<see cref="CloseUserConnectionsAsync"/>).
/// </summary>
public sealed class SignalRServicePublisher : IRealtimePublisher, IRealtimeConnectionCloser, IDisposable
{
    public const string ApiVersion = "2022-06-01";

    /// <summary>The version of the signing-key route (<c>GET /api/auth/accessKey</c>), newer than the rest.</summary>
    public const string IssuedKeyApiVersion = "2024-12-01";

    /// <summary>The Microsoft Entra scope of SignalR Service's data plane.</summary>
    public const string EntraScope = "https://signalr.azure.com/.default";

    private static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan IssuedKeyLifetime = TimeSpan.FromMinutes(55);
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly IOptions<RealtimeOptions> _options;
    private readonly SignalRConnection _connection;
    private readonly TokenCredential? _credential;
    private readonly SemaphoreSlim _keyGate = new(1, 1);
    private (string KeyId, string Key, DateTimeOffset Until)? _issuedKey;

    public SignalRServicePublisher(
        IOptions<SignalRServiceOptions> service,
        IOptions<RealtimeOptions> options,
        TimeProvider time,
        TokenCredential? credential = null,
        HttpMessageHandler? handler = null
    )
    {
        _connection = Parse(service.Value.ConnectionString ?? "");
        _options = options;
        _time = time;
        _credential = _connection.UsesIdentity
            ? credential
                ?? new ManagedIdentityCredential(
                    _connection.ClientId is { } clientId
                        ? ManagedIdentityId.FromUserAssignedClientId(clientId)
                        : ManagedIdentityId.SystemAssigned
                )
            : null;
        _http = new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = TimeSpan.FromSeconds(service.Value.TimeoutSeconds),
        };
    }

    /// <summary>
    /// The endpoint (with its port, if the connection string names one) and either the access key or,
    /// with <c>AuthType=azure.msi</c>, the managed identity (<c>ClientId</c> for a user-assigned one).
    /// </summary>
    public static SignalRConnection Parse(string connectionString)
    {
        var parts = connectionString
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);
        var identity =
            parts.TryGetValue("AuthType", out var authType) && string.Equals(authType, "azure.msi", StringComparison.OrdinalIgnoreCase);
        if (
            !parts.TryGetValue("Endpoint", out var endpoint)
            || !Uri.TryCreate(endpoint, UriKind.Absolute, out var uri)
            || (!identity && (!parts.TryGetValue("AccessKey", out var key) || key.Length < 32))
        )
        {
            throw new InvalidOperationException(
                "Cx:Realtime:SignalR:ConnectionString must hold Endpoint=https://... and an AccessKey, or AuthType=azure.msi (managed identity; ClientId= for a user-assigned one)."
            );
        }
        var builder = new UriBuilder(uri) { Path = "", Query = "" };
        if (parts.TryGetValue("Port", out var port) && int.TryParse(port, out var number))
        {
            builder.Port = number;
        }
        parts.TryGetValue("ClientId", out var clientId);
        return new(builder.Uri.ToString().TrimEnd('/'), identity ? null : parts["AccessKey"], identity ? clientId : null);
    }

    private string Hub => _options.Value.Hub.ToLowerInvariant();

    public async ValueTask<NegotiateResult> NegotiateAsync(RealtimeUser user, Uri requestBase, CancellationToken cancellationToken)
    {
        var url = $"{_connection.Endpoint}/client/?hub={Hub}";
        var (keyId, key) = _connection.AccessKey is { } accessKey ? (null, accessKey) : await IssuedKeyAsync(cancellationToken);
        var token = RealtimeTokens.Create(
            key,
            url,
            user,
            _time.GetUtcNow(),
            TimeSpan.FromMinutes(_options.Value.AccessTokenMinutes),
            keyId
        );
        return new NegotiateResult(url, token);
    }

    public async ValueTask PublishAsync(IReadOnlyList<ChannelPublication> publications, CancellationToken cancellationToken)
    {
        foreach (var publication in publications)
        {
            var body = new StringBuilder("{\"target\":\"publication\",\"arguments\":[");
            body.Append(Encoding.UTF8.GetString(publication.ToJson())).Append("]}");
            using var response = await SendAsync(
                HttpMethod.Post,
                $"/groups/{Uri.EscapeDataString(publication.Channel)}/:send",
                null,
                new StringContent(body.ToString(), Encoding.UTF8, "application/json"),
                cancellationToken
            );
            await EnsureSuccessAsync(response, "send to " + publication.Channel);
        }
    }

    public async ValueTask AddToChannelAsync(string connectionId, RealtimeUser user, string channel, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(
            HttpMethod.Put,
            $"/groups/{Uri.EscapeDataString(channel)}/connections/{Uri.EscapeDataString(connectionId)}",
            null,
            null,
            cancellationToken
        );
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new NotFoundException("Connection", connectionId);
        }
        await EnsureSuccessAsync(response, "add a connection to " + channel);
    }

    /// <summary><c>POST /api/hubs/{hub}/users/{user}/:closeConnections</c>: closes every connection of the user.</summary>
    public async ValueTask CloseUserConnectionsAsync(string userId, string reason, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(
            HttpMethod.Post,
            $"/users/{Uri.EscapeDataString(userId)}/:closeConnections",
            "&reason=" + Uri.EscapeDataString(reason),
            null,
            cancellationToken
        );
        await EnsureSuccessAsync(response, "close the connections of " + userId);
    }

    private async Task<HttpResponseMessage> SendAsync(
        HttpMethod method,
        string path,
        string? query,
        HttpContent? content,
        CancellationToken cancellationToken
    )
    {
        var audience = $"{_connection.Endpoint}/api/hubs/{Uri.EscapeDataString(Hub)}{path}";
        using var request = new HttpRequestMessage(method, audience + "?api-version=" + ApiVersion + query) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue(
            "Bearer",
            _connection.AccessKey is { } key
                ? RealtimeTokens.Create(key, audience, null, _time.GetUtcNow(), TokenLifetime)
                : await EntraTokenAsync(cancellationToken)
        );
        return await _http.SendAsync(request, cancellationToken);
    }

    private async Task<string> EntraTokenAsync(CancellationToken cancellationToken) =>
        (await _credential!.GetTokenAsync(new TokenRequestContext([EntraScope]), cancellationToken)).Token;

    /// <summary>The key the service issued to this identity for signing client tokens, fetched again before it is an hour old.</summary>
    private async Task<(string? KeyId, string Key)> IssuedKeyAsync(CancellationToken cancellationToken)
    {
        if (_issuedKey is { } fresh && fresh.Until > _time.GetUtcNow())
        {
            return (fresh.KeyId, fresh.Key);
        }
        await _keyGate.WaitAsync(cancellationToken);
        try
        {
            if (_issuedKey is { } other && other.Until > _time.GetUtcNow())
            {
                return (other.KeyId, other.Key);
            }
            using var request = new HttpRequestMessage(
                HttpMethod.Get,
                $"{_connection.Endpoint}/api/auth/accessKey?api-version={IssuedKeyApiVersion}"
            );
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await EntraTokenAsync(cancellationToken));
            using var response = await _http.SendAsync(request, cancellationToken);
            await EnsureSuccessAsync(response, "issue a signing key");
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            var keyId = Property(json.RootElement, "KeyId");
            var key = Property(json.RootElement, "AccessKey");
            if (keyId is null || key is null)
            {
                throw new HttpRequestException("SignalR Service answered the signing-key request without KeyId and AccessKey.");
            }
            _issuedKey = (keyId, key, _time.GetUtcNow() + IssuedKeyLifetime);
            return (keyId, key);
        }
        finally
        {
            _keyGate.Release();
        }
    }

    private static string? Property(JsonElement root, string name) =>
        root.ValueKind == JsonValueKind.Object
            ? root.EnumerateObject()
                .Where(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase) && p.Value.ValueKind == JsonValueKind.String)
                .Select(p => p.Value.GetString())
                .FirstOrDefault(v => !string.IsNullOrEmpty(v))
            : null;

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string what)
    {
        if (!response.IsSuccessStatusCode)
        {
            var text = await response.Content.ReadAsStringAsync();
            throw new HttpRequestException(
                $"SignalR Service refused to {what}: {(int)response.StatusCode} {text[..Math.Min(text.Length, 200)]}",
                null,
                response.StatusCode
            );
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _keyGate.Dispose();
    }
}
