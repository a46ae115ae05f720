using System.Net;
using System.Net.Http.Headers;
using Cx.Core.Documents;
using Cx.Core.Identity;
using Cx.Core.Rules;
using Cx.Integration.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Cx.Integration.Tests.Portability;

/// <summary>A document store whose keyset queries fail after the first page of customers read 10 at a time (an export's pages here).</summary>
public sealed class FailingPagesStore(IDocumentStore inner) : IDocumentStore
{
    public ValueTask InitializeAsync(CancellationToken cancellationToken) => inner.InitializeAsync(cancellationToken);

    public ValueTask<StoredDocument?> ReadAsync(string container, DocumentKey key, CancellationToken cancellationToken) =>
        inner.ReadAsync(container, key, cancellationToken);

    public ValueTask<IReadOnlyList<StoredDocument>> ReadManyAsync(
        string container,
        IReadOnlyList<DocumentKey> keys,
        CancellationToken cancellationToken
    ) => inner.ReadManyAsync(container, keys, cancellationToken);

    public ValueTask<StoredDocument> CreateAsync(string container, DocumentWrite document, CancellationToken cancellationToken) =>
        inner.CreateAsync(container, document, cancellationToken);

    public ValueTask<StoredDocument> ReplaceAsync(
        string container,
        DocumentWrite document,
        string? ifMatch,
        CancellationToken cancellationToken
    ) => inner.ReplaceAsync(container, document, ifMatch, cancellationToken);

    public ValueTask<StoredDocument> UpsertAsync(string container, DocumentWrite document, CancellationToken cancellationToken) =>
        inner.UpsertAsync(container, document, cancellationToken);

    public ValueTask DeleteAsync(string container, DocumentKey key, string? ifMatch, CancellationToken cancellationToken) =>
        inner.DeleteAsync(container, key, ifMatch, cancellationToken);

    public ValueTask<DocumentPage> QueryAsync(string container, DocumentQuery query, CancellationToken cancellationToken) =>
        query is { Type: "customer", Limit: 10, After: not null }
            ? throw new InvalidOperationException("Injected: the store fails in the middle of an export.")
            : inner.QueryAsync(container, query, cancellationToken);

    public ValueTask<long> CountAsync(string container, string type, Condition? filter, CancellationToken cancellationToken) =>
        inner.CountAsync(container, type, filter, cancellationToken);

    public ValueTask EnsureIndexesAsync(
        string container,
        string type,
        IReadOnlyList<FieldPath> fields,
        CancellationToken cancellationToken
    ) => inner.EnsureIndexesAsync(container, type, fields, cancellationToken);
}

public sealed class FailingExportHost : DevHostFactory
{
    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?> { ["Cx:Portability:ExportPageSize"] = "10" };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            var original = services.Last(d => d.ServiceType == typeof(IDocumentStore));
            services.AddSingleton<IDocumentStore>(sp => new FailingPagesStore((IDocumentStore)original.ImplementationFactory!(sp)));
        });
    }
}

/// <summary>An export that fails after its first bytes must not look like a complete file.</summary>
public sealed class ExportFailureTests(FailingExportHost host) : IClassFixture<FailingExportHost>
{
    [Theory]
    [InlineData("ndjson")]
    [InlineData("csv")]
    public async Task Should_abort_the_transfer_when_the_store_fails_after_the_first_page(string format)
    {
        var admin = host.CreateApiClient();
        for (var i = 0; i < 15; i++)
        {
            await admin
                .PostAsync(
                    "customers",
                    HttpAssertions.Json($$"""{"id":"f-{{format}}-{{i:D2}}","email":"f{{i:D2}}@{{format}}.example.com"}""")
                )
                .ShouldBeAsync(HttpStatusCode.Created);
        }
        var raw = host.CreateRawClient();
        raw.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", host.IssueToken(Roles.Admin));
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => raw.GetAsync($"customers/export?format={format}"));
    }
}
