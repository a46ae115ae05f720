using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Cx.Core.Webhooks;
using Microsoft.Extensions.Options;

namespace Cx.Http.Webhooks;

/// <summary>
/// Sends webhook deliveries with the named client <see cref="ClientName"/>: no redirects followed,
/// a timeout per request (<see cref="WebhookOptions.TimeoutSeconds"/>, through the resilience
/// pipeline), and, unless private addresses are allowed, a connect callback that resolves the
/// host itself and refuses any address that is not public (SSRF, DNS rebinding included).
/// Retries are not done here: the work queue retries on the webhook schedule.
/// </summary>
public sealed class HttpWebhookTransport(IHttpClientFactory clients, IOptions<WebhookOptions> options) : IWebhookTransport
{
    public const string ClientName = "cx-webhooks";

    public async ValueTask<WebhookResponse> SendAsync(WebhookRequest request, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var message = new HttpRequestMessage(HttpMethod.Post, request.Url) { Content = new ReadOnlyMemoryContent(request.Body) };
        foreach (var (name, value) in request.Headers)
        {
            if (name.Equals("content-type", StringComparison.OrdinalIgnoreCase))
            {
                message.Content.Headers.TryAddWithoutValidation("Content-Type", value);
            }
            else
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }
        }
        try
        {
            using var response = await clients
                .CreateClient(ClientName)
                .SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var body = await ReadStartAsync(response, options.Value.MaxLoggedResponseBytes, cancellationToken);
            TimeSpan? retryAfter = response.Headers.RetryAfter?.Delta;
            return new WebhookResponse((int)response.StatusCode, body, null, Stopwatch.GetElapsedTime(started), retryAfter);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
            when (ex is HttpRequestException or OperationCanceledException or TimeoutException or Polly.Timeout.TimeoutRejectedException)
        {
            var error =
                ex is HttpRequestException { InnerException: WebhookAddressRefusedException refused } ? refused.Message
                : ex is OperationCanceledException or TimeoutException or Polly.Timeout.TimeoutRejectedException
                    ? $"No answer within {options.Value.TimeoutSeconds} s."
                : ex.Message;
            return new WebhookResponse(0, null, error, Stopwatch.GetElapsedTime(started));
        }
    }

    private static async Task<string?> ReadStartAsync(HttpResponseMessage response, int maxBytes, CancellationToken cancellationToken)
    {
        if (maxBytes == 0)
        {
            return null;
        }
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[maxBytes];
        var read = 0;
        while (read < maxBytes)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken);
            if (n == 0)
            {
                break;
            }
            read += n;
        }
        return Encoding.UTF8.GetString(buffer, 0, read);
    }

    /// <summary>The handler of the client: no redirects, and the SSRF check on every connection unless private addresses are allowed.</summary>
    public static SocketsHttpHandler CreateHandler(WebhookOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(Math.Min(10, options.TimeoutSeconds)),
            MaxConnectionsPerServer = 64,
        };
        if (!options.AllowPrivateAddresses)
        {
            handler.ConnectCallback = ConnectPublicAsync;
        }
        return handler;
    }

    private static async ValueTask<Stream> ConnectPublicAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken);
        var allowed = addresses.Where(WebhookAddressPolicy.IsPublic).ToArray();
        if (allowed.Length == 0 || allowed.Length != addresses.Length)
        {
            throw new WebhookAddressRefusedException(host);
        }
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>The receiver's host resolves to an address webhooks may not reach.</summary>
public sealed class WebhookAddressRefusedException(string host)
    : IOException(
        $"Refused: '{host}' resolves to a private, loopback, link-local or reserved address (Cx:Webhooks:AllowPrivateAddresses is off)."
    );
