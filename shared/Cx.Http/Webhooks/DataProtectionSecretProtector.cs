using Cx.Core.Webhooks;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace Cx.Http.Webhooks;

/// <summary>
/// Webhook secrets protected with ASP.NET Core Data Protection (authenticated encryption under a
/// key ring that rotates its keys every 90 days and keeps old ones to read older data). The key
/// ring lives in <see cref="WebhookOptions.SecretKeysFolder"/>; it is this adapter's own provider
/// (application name <c>cx-webhooks</c>), so it shares nothing with other uses of Data Protection.
/// </summary>
public sealed class DataProtectionSecretProtector(IOptions<WebhookOptions> options) : IWebhookSecretProtector
{
    public const string Purpose = "Cx.Webhooks.SigningSecrets.v1";

    private readonly Lazy<IDataProtector> _protector = new(() =>
        DataProtectionProvider
            .Create(new DirectoryInfo(options.Value.SecretKeysFolder), builder => builder.SetApplicationName("cx-webhooks"))
            .CreateProtector(Purpose)
    );

    public string Protect(string secret) => _protector.Value.Protect(secret);

    public string Unprotect(string protectedSecret) => _protector.Value.Unprotect(protectedSecret);
}
