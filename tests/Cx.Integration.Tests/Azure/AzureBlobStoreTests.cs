using Cx.Azure.Blobs;
using Cx.Core.Analytics;
using Cx.Core.Blobs;

namespace Cx.Integration.Tests.Azure;

/// <summary>The Azure blob store adapter against a real Azurite, with the archive format the processor writes.</summary>
public sealed class AzureBlobStoreTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Should_put_get_overwrite_and_list_blobs_by_prefix()
    {
        IBlobStore store = new AzureBlobStore(azurite.Service);
        var container = "archive-" + Guid.NewGuid().ToString("n")[..10];
        var lines = "{\"id\":\"1\"}\n{\"id\":\"2\"}\n"u8.ToArray();
        var name = EventArchive.BlobName("0", new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero), 7);
        await store.PutAsync(container, name, EventArchive.Compress([lines]), EventArchive.ContentType, CancellationToken.None);
        await store.PutAsync(
            container,
            "1/2026/11/25/0000000000000000001.ndjson.gz",
            EventArchive.Compress([lines]),
            EventArchive.ContentType,
            CancellationToken.None
        );

        Assert.Equal("0/2026/11/25/0000000000000000007.ndjson.gz", name);
        Assert.Equal(lines, EventArchive.Decompress((await store.GetAsync(container, name, CancellationToken.None))!));
        var listed = new List<string>();
        await foreach (var blob in store.ListAsync(container, "0/", CancellationToken.None))
        {
            listed.Add(blob.Name);
        }
        Assert.Equal([name], listed);

        await store.PutAsync(
            container,
            name,
            EventArchive.Compress(["{}\n"u8.ToArray()]),
            EventArchive.ContentType,
            CancellationToken.None
        );
        Assert.Equal("{}\n"u8.ToArray(), EventArchive.Decompress((await store.GetAsync(container, name, CancellationToken.None))!));
        Assert.Null(await store.GetAsync(container, "missing", CancellationToken.None));
    }
}
