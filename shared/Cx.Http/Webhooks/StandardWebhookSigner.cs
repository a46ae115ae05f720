using Cx.Core.Webhooks;
using StandardWebhooks;

namespace Cx.Http.Webhooks;

/// <summary>Standard Webhooks signatures through the StandardWebhooks package (<c>v1,</c> + base64 HMAC-SHA256).</summary>
public sealed class StandardWebhookSigner : IWebhookSigner
{
    public string Sign(string secret, string webhookId, DateTimeOffset timestamp, string payload) =>
        new StandardWebhook(secret).Sign(webhookId, timestamp, payload);
}
