using System.Text;
using Cx.Core.Notifications;
using Cx.Core.Webhooks;
using Cx.Http.Webhooks;

namespace Cx.Http.Notifications;

/// <summary>
/// The http channel's transport: the rendered request on the named client <see cref="ClientName"/>,
/// whose handler is the webhooks' (no redirects; unless private addresses are allowed, every
/// connection resolves the host itself and refuses non-public addresses). A 2xx answer is accepted;
/// 408, 429 and 5xx are worth another attempt; any other 4xx is permanent.
/// </summary>
public sealed class HttpChannelTransport(IHttpClientFactory clients) : IHttpChannelTransport
{
    public const string ClientName = "cx-notifications";

    public async ValueTask<ChannelOutcome> SendAsync(HttpChannelRequest request, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), request.Url);
        if (request.Body is not null && request.Method != "GET")
        {
            message.Content = new StringContent(request.Body, Encoding.UTF8);
            message.Content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType);
        }
        foreach (var (name, value) in request.Headers)
        {
            if (name.StartsWith("content-", StringComparison.OrdinalIgnoreCase))
            {
                message.Content?.Headers.Remove(name);
                message.Content?.Headers.TryAddWithoutValidation(name, value);
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
            var status = (int)response.StatusCode;
            if (status is >= 200 and < 300)
            {
                return ChannelOutcome.Ok($"HTTP {status}");
            }
            return new ChannelOutcome(false, $"HTTP {status}", Permanent: status is >= 400 and < 500 and not 408 and not 429);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
            when (ex is HttpRequestException or OperationCanceledException or TimeoutException or Polly.Timeout.TimeoutRejectedException)
        {
            var error = ex is HttpRequestException { InnerException: WebhookAddressRefusedException refused }
                ? refused.Message
                : ex.Message;
            return new ChannelOutcome(false, error, Permanent: ex.InnerException is WebhookAddressRefusedException);
        }
    }

    /// <summary>The webhooks' SSRF-checked handler with this capability's settings.</summary>
    public static SocketsHttpHandler CreateHandler(NotificationOptions options) =>
        HttpWebhookTransport.CreateHandler(
            new WebhookOptions { AllowPrivateAddresses = options.AllowPrivateAddresses, TimeoutSeconds = options.TimeoutSeconds }
        );
}
