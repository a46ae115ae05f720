using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Cx.Core.Blobs;
using Microsoft.Extensions.Configuration;

namespace Cx.Azure.Blobs;

/// <summary>
/// The Blob Storage account Cx uses, as the Functions host names connections: identity-based
/// <c>Blobs__serviceUri</c> (managed identity, <c>Blobs__clientId</c> for a user-assigned one), or a connection string in
/// <c>Blobs</c> or <c>Blobs__connectionString</c> for emulators
/// (Azurite: <c>UseDevelopmentStorage=true</c>).
/// </summary>
public static class BlobServiceClientFactory
{
    public const string Section = "Blobs";

    public static BlobServiceClient Create(IConfiguration configuration)
    {
        if (AzureConnections.ConnectionString(configuration, Section) is { } connectionString)
        {
            return new BlobServiceClient(connectionString);
        }
        if (configuration.GetSection(Section)["serviceUri"] is { Length: > 0 } serviceUri)
        {
            return new BlobServiceClient(new Uri(serviceUri), AzureConnections.Credential(configuration, Section));
        }
        throw new InvalidOperationException(
            "Cx:Blob:Provider is AzureBlob but neither Blobs__serviceUri nor Blobs (a connection string) is set."
        );
    }
}

/// <summary>The blob store on Azure Blob Storage: block blobs, containers created on first use.</summary>
public sealed class AzureBlobStore(BlobServiceClient service) : IBlobStore
{
    private readonly ConcurrentDictionary<string, Task<BlobContainerClient>> _containers = new(StringComparer.Ordinal);

    public async ValueTask PutAsync(
        string container,
        string name,
        ReadOnlyMemory<byte> content,
        string contentType,
        CancellationToken cancellationToken
    )
    {
        var client = (await ContainerAsync(container, cancellationToken)).GetBlobClient(name);
        // A single-shot block blob upload commits atomically: readers see the old or the new blob.
        await client.UploadAsync(
            BinaryData.FromBytes(content),
            new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = contentType } },
            cancellationToken
        );
    }

    public async ValueTask<byte[]?> GetAsync(string container, string name, CancellationToken cancellationToken)
    {
        try
        {
            var result = await (await ContainerAsync(container, cancellationToken))
                .GetBlobClient(name)
                .DownloadContentAsync(cancellationToken);
            return result.Value.Content.ToArray();
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    public async IAsyncEnumerable<StoredBlob> ListAsync(
        string container,
        string prefix,
        [EnumeratorCancellation] CancellationToken cancellationToken
    )
    {
        var client = await ContainerAsync(container, cancellationToken);
        await foreach (var item in client.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken))
        {
            yield return new StoredBlob(
                item.Name,
                item.Properties.ContentLength ?? 0,
                item.Properties.LastModified ?? DateTimeOffset.MinValue
            );
        }
    }

    public async ValueTask DeleteAsync(string container, string name, CancellationToken cancellationToken)
    {
        var client = await ContainerAsync(container, cancellationToken);
        await client.GetBlobClient(name).DeleteIfExistsAsync(cancellationToken: cancellationToken);
    }

    private Task<BlobContainerClient> ContainerAsync(string name, CancellationToken cancellationToken) =>
        _containers.GetOrAdd(
            name,
            static async (n, state) =>
            {
                var client = state.service.GetBlobContainerClient(n);
                await client.CreateIfNotExistsAsync(cancellationToken: state.cancellationToken);
                return client;
            },
            (service, cancellationToken)
        );
}
