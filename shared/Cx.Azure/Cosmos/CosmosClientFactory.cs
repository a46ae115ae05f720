using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Azure.Identity;
using Microsoft.Azure.Cosmos;

namespace Cx.Azure.Cosmos;

/// <summary>
/// Builds the one <see cref="CosmosClient"/> of the process from <see cref="CosmosOptions"/>:
/// a connection string (keys, emulator) or the account endpoint with
/// <see cref="DefaultAzureCredential"/> (managed identity in Azure, optionally user-assigned).
/// </summary>
public static class CosmosClientFactory
{
    public static CosmosClient Create(CosmosOptions options)
    {
        var clientOptions = new CosmosClientOptions
        {
            ApplicationName = "cx",
            EnableContentResponseOnWrite = false,
            ConnectionMode = options.GatewayMode ? ConnectionMode.Gateway : ConnectionMode.Direct,
            LimitToEndpoint = options.GatewayMode,
            // Item bodies travel through the stream APIs; this serializer only sees query parameters.
            UseSystemTextJsonSerializerWithOptions = new JsonSerializerOptions(JsonSerializerDefaults.Web),
        };
        if (options.AcceptLoopbackCertificate)
        {
            // Validation refuses this for other hosts; checked again here and on every connection.
            if (options.ResolveEndpoint() is not { IsLoopback: true })
            {
                throw new InvalidOperationException("AcceptLoopbackCertificate is only allowed for a loopback Cosmos DB endpoint.");
            }
            clientOptions.HttpClientFactory = () =>
                new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = AcceptLoopbackCertificate });
        }
        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return new CosmosClient(options.ConnectionString, clientOptions);
        }
        var credential = new DefaultAzureCredential(
            new DefaultAzureCredentialOptions
            {
                ManagedIdentityClientId = string.IsNullOrWhiteSpace(options.ClientId) ? null : options.ClientId,
            }
        );
        return new CosmosClient(options.AccountEndpoint, credential, clientOptions);
    }

    /// <summary>A valid certificate always passes; an invalid one only for a loopback request (a local emulator).</summary>
    internal static bool AcceptLoopbackCertificate(
        HttpRequestMessage request,
        X509Certificate2? certificate,
        X509Chain? chain,
        SslPolicyErrors errors
    ) => errors == SslPolicyErrors.None || request.RequestUri is { IsLoopback: true };
}
