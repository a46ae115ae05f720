using Cx.Core.Common;
using Cx.Core.Documents;
using Cx.Core.Rules;
using Cx.Functions.Profiles;
using Cx.Http.Profiles;
using static Cx.Functions.Tests.FunctionTestHost;

namespace Cx.Functions.Tests;

public sealed class CustomerFunctionsTests
{
    private readonly FunctionTestHost _host = new();

    private CustomerFunctions CreateSut() => new(new CustomerEndpoints(_host.Entries));

    [Fact]
    public async Task Should_return_the_stored_document_with_its_etag()
    {
        _host
            .Store.Setup(s => s.ReadAsync(Containers.Customers, new DocumentKey("c1", "c1"), It.IsAny<CancellationToken>()))
            .ReturnsAsync(Customer("c1", """{"id":"c1","email":"a@b.co"}""", "abc"));

        var (status, headers, body) = await ExecuteAsync(await CreateSut().GetCustomer(Request(), "c1", CancellationToken.None));

        Assert.Equal(200, status);
        Assert.Equal("\"abc\"", headers.ETag.ToString());
        Assert.Equal("""{"id":"c1","email":"a@b.co"}""", body);
    }

    [Fact]
    public async Task Should_answer_304_when_the_client_has_the_current_version()
    {
        _host
            .Store.Setup(s => s.ReadAsync(Containers.Customers, new DocumentKey("c1", "c1"), It.IsAny<CancellationToken>()))
            .ReturnsAsync(Customer("c1", """{"id":"c1"}""", "abc"));

        var result = await CreateSut().GetCustomer(Request(headers: ("If-None-Match", "\"abc\"")), "c1", CancellationToken.None);

        Assert.Equal(304, (await ExecuteAsync(result)).Status);
    }

    [Fact]
    public async Task Should_throw_not_found_for_a_missing_customer()
    {
        _host
            .Store.Setup(s => s.ReadAsync(Containers.Customers, It.IsAny<DocumentKey>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((StoredDocument?)null);
        await Assert.ThrowsAsync<NotFoundException>(() => CreateSut().GetCustomer(Request(), "missing", CancellationToken.None));
    }

    [Fact]
    public async Task Should_write_a_validated_normalised_document_on_create()
    {
        DocumentWrite? written = null;
        _host
            .Store.Setup(s => s.CreateAsync(Containers.Customers, It.IsAny<DocumentWrite>(), It.IsAny<CancellationToken>()))
            .Callback((string _, DocumentWrite w, CancellationToken _) => written = w)
            .Returns(
                (string _, DocumentWrite w, CancellationToken _) =>
                    ValueTask.FromResult(new StoredDocument(w.Id, w.PartitionKey, w.Type, "new", w.Json))
            );

        var result = await CreateSut().CreateCustomer(Request("""{"id":"c9","email":"Ana@Example.com"}"""), CancellationToken.None);
        var (status, headers, _) = await ExecuteAsync(result);

        Assert.Equal(201, status);
        Assert.Equal("/api/v1/customers/c9", headers.Location.ToString());
        Assert.NotNull(written);
        Assert.Equal(("c9", "c9", "customer"), (written.Id, written.PartitionKey, written.Type));
        Assert.Equal([new UniqueValue("customer.email", "ana@example.com")], written.UniqueValues);
        Assert.Equal(
            "2026-11-25T12:00:00.000Z",
            Json(System.Text.Encoding.UTF8.GetString(written.Json.Span)).GetProperty("createdAt").GetString()
        );
    }

    [Fact]
    public async Task Should_write_nothing_when_the_body_is_invalid()
    {
        var error = await Assert.ThrowsAsync<ValidationException>(() =>
            CreateSut().CreateCustomer(Request("""{"email":"nope","loyaltyTier":"diamond"}"""), CancellationToken.None)
        );
        Assert.Equal(["/email", "/loyaltyTier"], error.Errors.Select(e => e.Path));
        _host.Store.Verify(s => s.CreateAsync(It.IsAny<string>(), It.IsAny<DocumentWrite>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Should_translate_list_parameters_into_one_indexed_query()
    {
        DocumentQuery? query = null;
        _host
            .Store.Setup(s => s.QueryAsync(Containers.Customers, It.IsAny<DocumentQuery>(), It.IsAny<CancellationToken>()))
            .Callback((string _, DocumentQuery q, CancellationToken _) => query = q)
            .ReturnsAsync(
                new DocumentPage(
                    [Customer("c1", """{"id":"c1","email":"a@b.co","name":"Ana"}""")],
                    new Keyset([ScalarValue.From("2026-11-01T00:00:00.000Z")], "c1")
                )
            );

        var request = Request(query: "?filter[loyaltyTier][in]=gold,platinum&sort=-lastLogin&limit=1&fields=email");
        var (status, headers, body) = await ExecuteAsync(await CreateSut().ListCustomers(request, CancellationToken.None));

        Assert.Equal(200, status);
        Assert.NotNull(query);
        Assert.Equal(1, query.Limit);
        Assert.Equal(
            new Comparison(
                FieldPath.Parse("loyaltyTier"),
                ComparisonOperator.In,
                new EquatableArray<ScalarValue>([ScalarValue.From("gold"), ScalarValue.From("platinum")])
            ),
            query.Filter
        );
        Assert.Equal([new SortField(FieldPath.Parse("lastLogin"), true)], query.Sort);
        var page = Json(body);
        Assert.Equal("""{"id":"c1","email":"a@b.co"}""", page.GetProperty("items")[0].GetRawText());
        Assert.False(string.IsNullOrEmpty(page.GetProperty("nextCursor").GetString()));
        Assert.Contains("rel=\"next\"", headers.Link.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_replace_conditionally_on_the_version_it_read()
    {
        _host
            .Store.Setup(s => s.ReadAsync(Containers.Customers, new DocumentKey("c1", "c1"), It.IsAny<CancellationToken>()))
            .ReturnsAsync(Customer("c1", """{"id":"c1","createdAt":"2026-01-01T00:00:00.000Z","email":"a@b.co"}""", "v1"));
        _host
            .Store.Setup(s => s.ReplaceAsync(Containers.Customers, It.IsAny<DocumentWrite>(), "v1", It.IsAny<CancellationToken>()))
            .Returns(
                (string _, DocumentWrite w, string? _, CancellationToken _) =>
                    ValueTask.FromResult(new StoredDocument(w.Id, w.PartitionKey, w.Type, "v2", w.Json))
            );

        var result = await CreateSut()
            .ReplaceCustomer(Request("""{"email":"a@b.co","name":"Ana"}""", headers: ("If-Match", "\"v1\"")), "c1", CancellationToken.None);

        Assert.Equal("\"v2\"", (await ExecuteAsync(result)).Headers.ETag.ToString());
        _host.Store.Verify(
            s => s.ReplaceAsync(Containers.Customers, It.IsAny<DocumentWrite>(), "v1", It.IsAny<CancellationToken>()),
            Times.Once
        );
    }

    [Fact]
    public async Task Should_fail_the_precondition_without_writing_when_the_etag_is_stale()
    {
        _host
            .Store.Setup(s => s.ReadAsync(Containers.Customers, new DocumentKey("c1", "c1"), It.IsAny<CancellationToken>()))
            .ReturnsAsync(Customer("c1", """{"id":"c1","email":"a@b.co"}""", "v2"));

        await Assert.ThrowsAsync<ETagMismatchException>(() =>
            CreateSut()
                .PatchCustomer(
                    Request("""{"name":"x"}""", "application/merge-patch+json", headers: ("If-Match", "\"v1\"")),
                    "c1",
                    CancellationToken.None
                )
        );
        _host.Store.Verify(
            s => s.ReplaceAsync(It.IsAny<string>(), It.IsAny<DocumentWrite>(), It.IsAny<string?>(), It.IsAny<CancellationToken>()),
            Times.Never
        );
    }

    [Fact]
    public async Task Should_delete_with_the_clients_precondition()
    {
        _host
            .Store.Setup(s => s.ReadAsync(Containers.Customers, new DocumentKey("c1", "c1"), It.IsAny<CancellationToken>()))
            .ReturnsAsync(Customer("c1", """{"id":"c1"}""", "v1"));
        _host
            .Store.Setup(s => s.DeleteAsync(Containers.Customers, new DocumentKey("c1", "c1"), "v1", It.IsAny<CancellationToken>()))
            .Returns(ValueTask.CompletedTask);

        var result = await CreateSut().DeleteCustomer(Request(headers: ("If-Match", "\"v1\"")), "c1", CancellationToken.None);

        Assert.Equal(204, (await ExecuteAsync(result)).Status);
        _host.Store.Verify(
            s => s.DeleteAsync(Containers.Customers, new DocumentKey("c1", "c1"), "v1", It.IsAny<CancellationToken>()),
            Times.Once
        );
    }
}
