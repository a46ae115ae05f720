namespace Cx.Core.Webhooks;

/// <summary>
/// Sends one signed delivery over HTTP (the adapter lives in Cx.Http: timeouts, the SSRF check on
/// every connection). It never throws for a receiver's failure: a refused connection, a timeout
/// or a non-2xx answer come back as a <see cref="WebhookResponse"/> the delivery log records.
/// </summary>
public interface IWebhookTransport
{
    ValueTask<WebhookResponse> SendAsync(WebhookRequest request, CancellationToken cancellationToken);
}

/// <summary>A POST of <paramref name="Body"/> (JSON) to <paramref name="Url"/> with <paramref name="Headers"/>.</summary>
public sealed record WebhookRequest(string Url, IReadOnlyList<KeyValuePair<string, string>> Headers, ReadOnlyMemory<byte> Body);

/// <summary>
/// What happened: the status code (0 when no answer came: <paramref name="Error"/> says why), the
/// start of the answer's body, its <c>Retry-After</c>, and how long it took.
/// </summary>
public sealed record WebhookResponse(int StatusCode, string? Body, string? Error, TimeSpan Duration, TimeSpan? RetryAfter = null)
{
    public bool Succeeded => StatusCode is >= 200 and < 300;
}

/// <summary>Signs a payload per Standard Webhooks: <c>v1,</c> + base64 HMAC-SHA256 of <c>{id}.{timestamp}.{payload}</c>.</summary>
public interface IWebhookSigner
{
    string Sign(string secret, string webhookId, DateTimeOffset timestamp, string payload);
}
