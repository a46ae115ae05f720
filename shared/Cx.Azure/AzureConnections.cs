using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Configuration;

namespace Cx.Azure;

/// <summary>
/// Reads a connection the way the Functions host does: a plain setting holding a connection
/// string (<c>Blobs</c>), the <c>connectionString</c> property of its section, or the identity-based
/// properties (<c>Blobs__serviceUri</c>, <c>Blobs__clientId</c> for a user-assigned identity).
/// </summary>
public static class AzureConnections
{
    /// <summary>The connection string of a named connection, or null when it is identity-based.</summary>
    public static string? ConnectionString(IConfiguration configuration, string name)
    {
        var section = configuration.GetSection(name);
        if (section.Value is { Length: > 0 } plain)
        {
            return plain;
        }
        return section["connectionString"] is { Length: > 0 } connectionString ? connectionString : null;
    }

    /// <summary>The credential of an identity-based connection: managed identity (user-assigned when <c>clientId</c> is set).</summary>
    public static TokenCredential Credential(IConfiguration configuration, string name)
    {
        var clientId = configuration.GetSection(name)["clientId"];
        return new DefaultAzureCredential(
            new DefaultAzureCredentialOptions { ManagedIdentityClientId = string.IsNullOrWhiteSpace(clientId) ? null : clientId }
        );
    }
}
