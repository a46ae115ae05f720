using System.Security.Cryptography;
using System.Text;

namespace Cx.Core.Webhooks;

/// <summary>
/// Protects webhook signing secrets at rest: the subscription document keeps only the protected
/// form, the delivery handler unprotects it to sign. The adapter (ASP.NET Core Data Protection)
/// is registered by the HTTP layer.
/// </summary>
public interface IWebhookSecretProtector
{
    string Protect(string secret);

    /// <summary>The secret; throws <see cref="CryptographicException"/> when the key ring cannot open it.</summary>
    string Unprotect(string protectedSecret);
}

public static class WebhookSecretIds
{
    /// <summary>A secret's public name: <c>sec_</c> + 12 hex digits of its SHA-256 (reveals nothing of 24+ random bytes).</summary>
    public static string Of(string secret)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(secret), hash);
        return "sec_" + Convert.ToHexStringLower(hash[..6]);
    }
}
