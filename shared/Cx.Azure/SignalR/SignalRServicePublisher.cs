using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Cx.Core.Common;
using Cx.Core.Realtime;
using Microsoft.Extensions.Options;

namespace Cx.Azure.SignalR;

/// <summary>
/// The realtime transport in Azure: SignalR Service in serverless mode, through its REST API
/// (api-version 2022-06-01), written here because the SDK's management helpers are not available.
/// Every call carries an HS256 JWT signed with the connection string's access key, its audience
/// the request URL without the query (hub lower-case), as the official SDK forms it. Negotiate
/// answers <c>{endpoint}/client/?hub={hub}</c> with a client token whose <c>nameid</c> is the user.
/// </summary>
public sealed class SignalRServicePublisher : IRealtimePublisher, IDisposable
{
    public const string ApiVersion = "2022-06-01";
    private static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(5);
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly IOptions<RealtimeOptions> _options;
    private readonly string _endpoint;
    private readonly string _accessKey;

    public SignalRServicePublisher(IOptions<SignalRServiceOptions> service, IOptions<RealtimeOptions> options, TimeProvider time)
    {
        (_endpoint, _accessKey) = Parse(service.Value.ConnectionString ?? "");
        _options = options;
        _time = time;
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = TimeSpan.FromSeconds(service.Value.TimeoutSeconds),
        };
    }

    /// <summary>The endpoint (with its port, if the connection string names one) and the access key.</summary>
    public static (string Endpoint, string AccessKey) Parse(string connectionString)
    {
        var parts = connectionString
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);
        if (
            !parts.TryGetValue("Endpoint", out var endpoint)
            || !Uri.TryCreate(endpoint, UriKind.Absolute, out var uri)
            || !parts.TryGetValue("AccessKey", out var key)
            || key.Length < 32
        )
        {
            throw new InvalidOperationException(
                "Cx:Realtime:SignalR:ConnectionString must hold Endpoint=https://... and an AccessKey (managed identity is not supported yet)."
            );
        }
        var builder = new UriBuilder(uri) { Path = "", Query = "" };
        if (parts.TryGetValue("Port", out var port) && int.TryParse(port, out var number))
        {
            builder.Port = number;
        }
        return (builder.Uri.ToString().TrimEnd('/'), key);
    }

    private string Hub => _options.Value.Hub.ToLowerInvariant();

    public NegotiateResult Negotiate(RealtimeUser user, Uri requestBase)
    {
        var url = $"{_endpoint}/client/?hub={Hub}";
        var token = RealtimeTokens.Create(
            _accessKey,
            url,
            user,
            _time.GetUtcNow(),
            TimeSpan.FromMinutes(_options.Value.AccessTokenMinutes)
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
            cancellationToken
        );
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new NotFoundException("Connection", connectionId);
        }
        await EnsureSuccessAsync(response, "add a connection to " + channel);
    }

    private async Task<HttpResponseMessage> SendAsync(
        HttpMethod method,
        string path,
        HttpContent? content,
        CancellationToken cancellationToken
    )
    {
        var audience = $"{_endpoint}/api/hubs/{Uri.EscapeDataString(Hub)}{path}";
        using var request = new HttpRequestMessage(method, audience + "?api-version=" + ApiVersion) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue(
            "Bearer",
            RealtimeTokens.Create(_accessKey, audience, null, _time.GetUtcNow(), TokenLifetime)
        );
        return await _http.SendAsync(request, cancellationToken);
    }

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

    public void Dispose() => _http.Dispose();
}
