using System.ComponentModel.DataAnnotations;
using System.Data.Common;
using Microsoft.Extensions.Options;

namespace Cx.Azure.Cosmos;

/// <summary>
/// Settings of the Cosmos DB document store, bound from <c>Cx:Storage:Cosmos</c>. The connection
/// itself is read where the Functions host reads it (see <see cref="AccountEndpoint"/> and
/// <see cref="ConnectionString"/>), so one set of app settings serves triggers and the SDK.
/// </summary>
public sealed class CosmosOptions
{
    public const string Section = "Cx:Storage:Cosmos";

    /// <summary>The identity-based connection setting, as the Functions host names it (<c>CosmosDb__accountEndpoint</c>).</summary>
    public const string AccountEndpointKey = "CosmosDb:accountEndpoint";

    /// <summary>Optional client id of a user-assigned managed identity (<c>CosmosDb__clientId</c>).</summary>
    public const string ClientIdKey = "CosmosDb:clientId";

    /// <summary>A connection string (keys or emulator) under <c>ConnectionStrings:CosmosDb</c>.</summary>
    public const string ConnectionStringKey = "ConnectionStrings:CosmosDb";

    /// <summary>A connection string as a plain app setting (<c>CosmosDb</c>).</summary>
    public const string ConnectionSettingKey = "CosmosDb";

    /// <summary>The database that holds every Cx container; created on start when missing.</summary>
    [Required]
    [RegularExpression(
        @"^[^/\\#?\s][^/\\#?]{0,254}$",
        ErrorMessage = "Cx:Storage:Cosmos:Database must be 1-255 characters without '/', '\\', '#' or '?'."
    )]
    public string Database { get; set; } = "cx";

    /// <summary>
    /// Use Gateway mode (HTTPS only) and talk to the configured endpoint alone
    /// (<c>LimitToEndpoint</c>). Needed for emulators and protocol servers; Direct mode is the
    /// default for Azure.
    /// </summary>
    public bool GatewayMode { get; set; }

    /// <summary>
    /// Accept the self-signed certificate of a local emulator. Refused at start-up unless the
    /// endpoint is a loopback address and <see cref="GatewayMode"/> is on; every connection is
    /// checked again, so a non-loopback host is never trusted without a valid certificate.
    /// </summary>
    public bool AcceptLoopbackCertificate { get; set; }

    /// <summary>
    /// How long a deleted document's tombstone stays readable on the change feed before Cosmos
    /// DB expires it. Must exceed the longest time any change-feed consumer may fall behind,
    /// or that consumer misses the delete.
    /// </summary>
    [Range(60, 30 * 24 * 3600)]
    public int TombstoneTtlSeconds { get; set; } = 24 * 3600;

    /// <summary>
    /// A unique-value reservation whose owner does not hold the value (left by a crash between
    /// claim and write) may be taken over by another document only after this many seconds,
    /// so a write that is still in flight is never robbed of its claim.
    /// </summary>
    [Range(5, 3600)]
    public int UniqueClaimGraceSeconds { get; set; } = 60;

    /// <summary>How many point reads, queries or reservation calls one store call runs in parallel.</summary>
    [Range(1, 64)]
    public int MaxParallelRequests { get; set; } = 8;

    /// <summary>Account endpoint for identity-based access, from <see cref="AccountEndpointKey"/>.</summary>
    public string? AccountEndpoint { get; set; }

    /// <summary>User-assigned managed identity client id, from <see cref="ClientIdKey"/>.</summary>
    public string? ClientId { get; set; }

    /// <summary>Connection string, from <see cref="ConnectionStringKey"/> or <see cref="ConnectionSettingKey"/>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The endpoint this configuration connects to, from the endpoint setting or the connection string.</summary>
    public Uri? ResolveEndpoint()
    {
        var endpoint = AccountEndpoint;
        if (string.IsNullOrWhiteSpace(endpoint) && !string.IsNullOrWhiteSpace(ConnectionString))
        {
            endpoint = ReadConnectionStringValue(ConnectionString, "AccountEndpoint");
        }
        return Uri.TryCreate(endpoint?.Trim(), UriKind.Absolute, out var uri) ? uri : null;
    }

    internal static string? ReadConnectionStringValue(string connectionString, string key)
    {
        try
        {
            var builder = new DbConnectionStringBuilder { ConnectionString = connectionString };
            return builder.TryGetValue(key, out var value) ? value as string : null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}

/// <summary>Start-up checks of <see cref="CosmosOptions"/> beyond the data annotations, with messages that name the settings.</summary>
public sealed class CosmosOptionsValidator : IValidateOptions<CosmosOptions>
{
    public ValidateOptionsResult Validate(string? name, CosmosOptions options)
    {
        var failures = new List<string>();
        var hasEndpoint = !string.IsNullOrWhiteSpace(options.AccountEndpoint);
        var hasConnectionString = !string.IsNullOrWhiteSpace(options.ConnectionString);
        if (!hasEndpoint && !hasConnectionString)
        {
            failures.Add(
                "Cosmos DB storage has no connection: set CosmosDb__accountEndpoint (managed identity) "
                    + "or a connection string in ConnectionStrings__CosmosDb or CosmosDb."
            );
        }
        if (hasEndpoint && hasConnectionString)
        {
            failures.Add("Set either CosmosDb__accountEndpoint or a Cosmos DB connection string, not both.");
        }
        var endpoint = options.ResolveEndpoint();
        // Plain http is accepted for a local server only; anything else must be https.
        if (
            (hasEndpoint || hasConnectionString)
            && (
                endpoint is null
                || !(endpoint.Scheme == Uri.UriSchemeHttps || (endpoint.Scheme == Uri.UriSchemeHttp && endpoint.IsLoopback))
            )
        )
        {
            failures.Add(
                hasEndpoint
                    ? $"CosmosDb__accountEndpoint '{options.AccountEndpoint}' is not an absolute https URL."
                    : "The Cosmos DB connection string has no valid https AccountEndpoint."
            );
        }
        if (
            hasConnectionString
            && string.IsNullOrWhiteSpace(CosmosOptions.ReadConnectionStringValue(options.ConnectionString!, "AccountKey"))
        )
        {
            failures.Add("The Cosmos DB connection string has no AccountKey.");
        }
        if (!hasEndpoint && !string.IsNullOrWhiteSpace(options.ClientId))
        {
            failures.Add("CosmosDb__clientId applies to identity-based access only; set CosmosDb__accountEndpoint.");
        }
        if (options.AcceptLoopbackCertificate)
        {
            if (endpoint is not null && !endpoint.IsLoopback)
            {
                failures.Add(
                    $"Cx:Storage:Cosmos:AcceptLoopbackCertificate is only allowed for a loopback endpoint (localhost, 127.0.0.1, ::1); '{endpoint.Host}' is not."
                );
            }
            if (!options.GatewayMode)
            {
                failures.Add(
                    "Cx:Storage:Cosmos:AcceptLoopbackCertificate needs Cx:Storage:Cosmos:GatewayMode = true (the certificate check it relaxes is the gateway's HTTPS)."
                );
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
