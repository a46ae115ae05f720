using System.Net;
using System.Net.Sockets;

namespace Cx.Core.Webhooks;

/// <summary>
/// SSRF protection for outbound webhooks: only public unicast addresses may be reached, unless
/// <see cref="WebhookOptions.AllowPrivateAddresses"/> is set for local development. Checked when a
/// subscription is saved (literal addresses and <c>localhost</c>) and again on every connection
/// (the addresses a host name resolves to at that moment), so DNS rebinding does not get around it.
/// </summary>
public static class WebhookAddressPolicy
{
    /// <summary>Whether <paramref name="address"/> is a public unicast address.</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (
            IPAddress.IsLoopback(address)
            || address.Equals(IPAddress.Any)
            || address.Equals(IPAddress.IPv6Any)
            || address.Equals(IPAddress.Broadcast)
        )
        {
            return false;
        }
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> b = stackalloc byte[4];
            address.TryWriteBytes(b, out _);
            return !(
                b[0] == 0 // "this" network
                || b[0] == 10 // private
                || (b[0] == 100 && b[1] >= 64 && b[1] <= 127) // carrier-grade NAT
                || b[0] == 127
                || (b[0] == 169 && b[1] == 254) // link-local (cloud metadata)
                || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)
                || (b[0] == 192 && b[1] == 0 && b[2] == 0) // IETF protocol assignments
                || (b[0] == 192 && b[1] == 0 && b[2] == 2) // documentation
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 198 && (b[1] == 18 || b[1] == 19)) // benchmarking
                || (b[0] == 198 && b[1] == 51 && b[2] == 100)
                || (b[0] == 203 && b[1] == 0 && b[2] == 113)
                || b[0] >= 224 // multicast and reserved
            );
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            Span<byte> b = stackalloc byte[16];
            address.TryWriteBytes(b, out _);
            return !(
                address.IsIPv6LinkLocal
                || address.IsIPv6SiteLocal
                || address.IsIPv6Multicast
                || (b[0] & 0xFE) == 0xFC // unique local fc00::/7
                || (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8) // documentation
                || (b[0] == 0 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B) // NAT64 (can reach private IPv4)
            );
        }
        return false;
    }

    /// <summary>
    /// Why <paramref name="url"/> may not be a webhook target, or null when it may: it must be an
    /// absolute <c>https</c> URL without user info whose host is not <c>localhost</c> or a literal
    /// non-public address. With <paramref name="allowPrivate"/> plain <c>http</c> and any host pass.
    /// </summary>
    public static string? Refusal(string? url, bool allowPrivate)
    {
        if (string.IsNullOrWhiteSpace(url) || url.Length > 2_000 || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return "Must be an absolute URL of at most 2000 characters.";
        }
        if (uri.Scheme != Uri.UriSchemeHttps && !(allowPrivate && uri.Scheme == Uri.UriSchemeHttp))
        {
            return allowPrivate ? "Must be an http or https URL." : "Must be an https URL.";
        }
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            return "Must not carry user information; authenticate receivers by the signature.";
        }
        if (!string.IsNullOrEmpty(uri.Fragment))
        {
            return "Must not have a fragment.";
        }
        if (allowPrivate)
        {
            return null;
        }
        var host = uri.IdnHost.TrimEnd('.');
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            return "Must not target localhost (private and loopback addresses are refused).";
        }
        if (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && !IsPublic(address))
        {
            return "Must not target a private, loopback, link-local or reserved address.";
        }
        return null;
    }
}
