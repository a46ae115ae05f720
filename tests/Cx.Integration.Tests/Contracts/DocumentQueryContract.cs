using System.Text;
using System.Text.Json.Nodes;
using Cx.Core.Common;
using Cx.Core.Documents;
using Cx.Core.Rules;

namespace Cx.Integration.Tests.Contracts;

/// <summary>
/// What every store's queries must return for the same documents: each operator with the
/// condition tree's missing-value semantics, AllOf/AnyOf/Not, the type and partition scope,
/// sorting (missing values lowest) and keyset paging across pages with ties, and counts.
/// Each test runs on a fresh store seeded with <see cref="Items"/>.
/// </summary>
public abstract class DocumentQueryContract : IAsyncLifetime
{
    protected const string Container = Containers.Content;
    protected const string Type = "item";

    /// <summary>The seeded documents of type "item" (a12 is deleted, o01 has another type).</summary>
    protected static readonly (string Id, string Partition, string Fields)[] Items =
    [
        ("a01", "items", """{"name":"Alpha","rank":3,"active":true,"address":{"city":"Oslo"}}"""),
        ("a02", "items", """{"name":"beta","rank":1,"active":false,"address":{"city":"Bergen"}}"""),
        ("a03", "items", """{"name":"Gamma","active":true}"""),
        ("a04", "items", """{"name":"delta","rank":3,"active":false,"address":{"city":"Oslo"}}"""),
        ("a05", "items", """{"name":"Epsilon","rank":2,"address":{"city":"Tromsø"}}"""),
        ("a06", "items", """{"name":"alphabet","rank":1,"active":true,"address":{"city":"Oslo"}}"""),
        ("a07", "items", """{"rank":5,"active":false,"address":{"city":"Bergen"}}"""),
        ("a08", "items", """{"name":"Zeta","rank":3,"active":true,"address":{"city":"Bergen"}}"""),
        ("a09", "items", """{"name":"eta","active":false,"address":{"city":"Oslo"}}"""),
        ("a10", "items", """{"name":"Theta","rank":2.5,"active":true,"address":{"city":"Oslo"}}"""),
        ("a11", "more-items", """{"name":"Iota","rank":4,"active":true,"address":{"city":"Stavanger"}}"""),
    ];

    private static readonly string[] All = [.. Items.Select(i => i.Id)];

    private static readonly FieldPath Name = FieldPath.Parse("name");
    private static readonly FieldPath Rank = FieldPath.Parse("rank");
    private static readonly FieldPath Active = FieldPath.Parse("active");
    private static readonly FieldPath City = FieldPath.Parse("address.city");
    private static readonly FieldPath Id = FieldPath.Parse("id");

    /// <summary>Filter cases: a condition and the ids it must match, in id order.</summary>
    private static readonly Dictionary<string, (Condition Filter, string[] Expected)> Filters = new()
    {
        ["eq-string"] = (Is(Name, ComparisonOperator.Eq, "Alpha"), ["a01"]),
        ["eq-number"] = (Is(Rank, ComparisonOperator.Eq, 3), ["a01", "a04", "a08"]),
        ["eq-boolean"] = (Is(Active, ComparisonOperator.Eq, true), ["a01", "a03", "a06", "a08", "a10", "a11"]),
        ["eq-nested"] = (Is(City, ComparisonOperator.Eq, "Oslo"), ["a01", "a04", "a06", "a09", "a10"]),
        ["eq-unicode"] = (Is(City, ComparisonOperator.Eq, "Tromsø"), ["a05"]),
        ["eq-other-type-operand"] = (Is(Rank, ComparisonOperator.Eq, "3"), []),
        ["eq-null-is-missing"] = (new Comparison(Name, ComparisonOperator.Eq, ScalarValue.Null), ["a07"]),
        ["eq-id"] = (Is(Id, ComparisonOperator.Eq, "a05"), ["a05"]),
        ["ne-number-matches-missing"] = (Is(Rank, ComparisonOperator.Ne, 3), ["a02", "a03", "a05", "a06", "a07", "a09", "a10", "a11"]),
        ["ne-boolean-matches-missing"] = (Is(Active, ComparisonOperator.Ne, true), ["a02", "a04", "a05", "a07", "a09"]),
        ["ne-null-is-present"] = (new Comparison(Name, ComparisonOperator.Ne, ScalarValue.Null), [.. All.Except(["a07"])]),
        ["gt-number"] = (Is(Rank, ComparisonOperator.Gt, 2), ["a01", "a04", "a07", "a08", "a10", "a11"]),
        ["gte-number"] = (Is(Rank, ComparisonOperator.Gte, 2.5), ["a01", "a04", "a07", "a08", "a10", "a11"]),
        ["lt-number"] = (Is(Rank, ComparisonOperator.Lt, 2), ["a02", "a06"]),
        ["lte-number"] = (Is(Rank, ComparisonOperator.Lte, 2), ["a02", "a05", "a06"]),
        ["gt-string-ordinal"] = (Is(Name, ComparisonOperator.Gt, "delta"), ["a09"]),
        ["lt-string-ordinal"] = (Is(Name, ComparisonOperator.Lt, "B"), ["a01"]),
        ["in-number"] = (In(Rank, ComparisonOperator.In, 1, 5), ["a02", "a06", "a07"]),
        ["in-id"] = (In(Id, ComparisonOperator.In, "a01", "a02", "zz"), ["a01", "a02"]),
        ["nin-number-matches-missing"] = (In(Rank, ComparisonOperator.Nin, 1, 5), ["a01", "a03", "a04", "a05", "a08", "a09", "a10", "a11"]),
        ["between-inclusive"] = (In(Rank, ComparisonOperator.Between, 2, 3), ["a01", "a04", "a05", "a08", "a10"]),
        ["exists-true"] = (Is(Rank, ComparisonOperator.Exists, true), [.. All.Except(["a03", "a09"])]),
        ["exists-false"] = (Is(Rank, ComparisonOperator.Exists, false), ["a03", "a09"]),
        ["exists-false-nested"] = (Is(City, ComparisonOperator.Exists, false), ["a03"]),
        ["starts-with-case-sensitive"] = (Is(Name, ComparisonOperator.StartsWith, "Al"), ["a01"]),
        ["starts-with-lower"] = (Is(Name, ComparisonOperator.StartsWith, "al"), ["a06"]),
        ["starts-with-empty-matches-strings"] = (Is(Name, ComparisonOperator.StartsWith, ""), [.. All.Except(["a07"])]),
        ["starts-with-id"] = (Is(Id, ComparisonOperator.StartsWith, "a1"), ["a10", "a11"]),
        ["contains"] = (Is(Name, ComparisonOperator.Contains, "ta"), ["a02", "a04", "a08", "a09", "a10", "a11"]),
        ["not-eq-matches-missing"] = (
            new Not(Is(Rank, ComparisonOperator.Eq, 3)),
            ["a02", "a03", "a05", "a06", "a07", "a09", "a10", "a11"]
        ),
        ["not-gt-matches-missing"] = (new Not(Is(Rank, ComparisonOperator.Gt, 2)), ["a02", "a03", "a05", "a06", "a09"]),
        ["not-exists-false"] = (new Not(Is(City, ComparisonOperator.Exists, false)), [.. All.Except(["a03"])]),
        ["any-of"] = (
            new AnyOf([Is(City, ComparisonOperator.Eq, "Bergen"), Is(Rank, ComparisonOperator.Lt, 2)]),
            ["a02", "a06", "a07", "a08"]
        ),
        ["all-of"] = (new AllOf([Is(Active, ComparisonOperator.Eq, true), Is(Rank, ComparisonOperator.Gte, 3)]), ["a01", "a08", "a11"]),
        ["not-all-of"] = (
            new Not(new AllOf([Is(Active, ComparisonOperator.Eq, true), Is(Rank, ComparisonOperator.Gte, 3)])),
            ["a02", "a03", "a04", "a05", "a06", "a07", "a09", "a10"]
        ),
        ["not-any-of-nested"] = (
            new Not(new AnyOf([Is(Name, ComparisonOperator.StartsWith, "A"), new Not(Is(Active, ComparisonOperator.Eq, false))])),
            ["a02", "a04", "a07", "a09"]
        ),
        ["all-of-empty"] = (new AllOf([]), All),
        ["any-of-empty"] = (new AnyOf([]), []),
        ["not-any-of-empty"] = (new Not(new AnyOf([])), All),
    };

    /// <summary>Sort cases: the sort keys and every id in the order pages must return them.</summary>
    private static readonly Dictionary<string, (SortField[] Sort, string[] Expected)> Sorts = new()
    {
        ["none"] = ([], All),
        ["rank"] = ([new(Rank)], ["a03", "a09", "a02", "a06", "a05", "a10", "a01", "a04", "a08", "a11", "a07"]),
        ["rank-desc"] = ([new(Rank, true)], ["a07", "a11", "a01", "a04", "a08", "a10", "a05", "a02", "a06", "a03", "a09"]),
        ["name"] = ([new(Name)], ["a07", "a01", "a05", "a03", "a11", "a10", "a08", "a06", "a02", "a04", "a09"]),
        ["name-desc"] = ([new(Name, true)], ["a09", "a04", "a02", "a06", "a08", "a10", "a11", "a03", "a05", "a01", "a07"]),
        ["city"] = ([new(City)], ["a03", "a02", "a07", "a08", "a01", "a04", "a06", "a09", "a10", "a11", "a05"]),
        ["active-rank-desc"] = (
            [new(Active), new(Rank, true)],
            ["a05", "a07", "a04", "a02", "a09", "a11", "a01", "a08", "a10", "a06", "a03"]
        ),
        ["active-desc-city-rank"] = (
            [new(Active, true), new(City), new(Rank)],
            ["a03", "a08", "a06", "a10", "a01", "a11", "a02", "a07", "a09", "a04", "a05"]
        ),
    };

    protected abstract IDocumentStore Store { get; }

    public virtual async Task InitializeAsync()
    {
        await Store.InitializeAsync(CancellationToken.None);
        await Store.EnsureIndexesAsync(Container, Type, [Name, Rank, Active, City], default);
        foreach (var (id, partition, fields) in Items)
        {
            await Store.CreateAsync(Container, Write(id, partition, Type, fields), default);
        }
        var deleted = await Store.CreateAsync(
            Container,
            Write("a12", "items", Type, """{"name":"Deleted","rank":1,"active":true}"""),
            default
        );
        await Store.DeleteAsync(Container, deleted.Key, null, default);
        await Store.CreateAsync(Container, Write("o01", "items", "other", """{"name":"Alpha","rank":1,"active":true}"""), default);
    }

    public virtual Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("eq-string")]
    [InlineData("eq-number")]
    [InlineData("eq-boolean")]
    [InlineData("eq-nested")]
    [InlineData("eq-unicode")]
    [InlineData("eq-other-type-operand")]
    [InlineData("eq-null-is-missing")]
    [InlineData("eq-id")]
    [InlineData("ne-number-matches-missing")]
    [InlineData("ne-boolean-matches-missing")]
    [InlineData("ne-null-is-present")]
    [InlineData("gt-number")]
    [InlineData("gte-number")]
    [InlineData("lt-number")]
    [InlineData("lte-number")]
    [InlineData("gt-string-ordinal")]
    [InlineData("lt-string-ordinal")]
    [InlineData("in-number")]
    [InlineData("in-id")]
    [InlineData("nin-number-matches-missing")]
    [InlineData("between-inclusive")]
    [InlineData("exists-true")]
    [InlineData("exists-false")]
    [InlineData("exists-false-nested")]
    [InlineData("starts-with-case-sensitive")]
    [InlineData("starts-with-lower")]
    [InlineData("starts-with-empty-matches-strings")]
    [InlineData("starts-with-id")]
    [InlineData("contains")]
    [InlineData("not-eq-matches-missing")]
    [InlineData("not-gt-matches-missing")]
    [InlineData("not-exists-false")]
    [InlineData("any-of")]
    [InlineData("all-of")]
    [InlineData("not-all-of")]
    [InlineData("not-any-of-nested")]
    [InlineData("all-of-empty")]
    [InlineData("any-of-empty")]
    [InlineData("not-any-of-empty")]
    public async Task Should_match_the_documents_of_each_filter_and_count_them(string filter)
    {
        var (condition, expected) = Filters[filter];

        var page = await Store.QueryAsync(
            Container,
            new DocumentQuery
            {
                Type = Type,
                Filter = condition,
                Limit = 50,
            },
            default
        );
        var count = await Store.CountAsync(Container, Type, condition, default);

        Assert.Equal(expected, page.Items.Select(d => d.Id));
        Assert.Null(page.Next);
        Assert.Equal(expected.Length, count);
    }

    [Theory]
    [InlineData("none", 2)]
    [InlineData("none", 4)]
    [InlineData("rank", 1)]
    [InlineData("rank", 2)]
    [InlineData("rank", 3)]
    [InlineData("rank", 11)]
    [InlineData("rank", 50)]
    [InlineData("rank-desc", 2)]
    [InlineData("rank-desc", 4)]
    [InlineData("name", 2)]
    [InlineData("name-desc", 3)]
    [InlineData("city", 2)]
    [InlineData("city", 4)]
    [InlineData("active-rank-desc", 2)]
    [InlineData("active-rank-desc", 3)]
    [InlineData("active-desc-city-rank", 2)]
    [InlineData("active-desc-city-rank", 4)]
    public async Task Should_page_through_every_document_in_sort_order(string sort, int limit)
    {
        var (keys, expected) = Sorts[sort];

        var (ids, pages) = await ReadAllPagesAsync(
            new DocumentQuery
            {
                Type = Type,
                Sort = keys,
                Limit = limit,
            }
        );

        Assert.Equal(expected, ids);
        Assert.Equal((expected.Length + limit - 1) / limit, pages);
    }

    [Theory]
    [InlineData("rank", 2)]
    [InlineData("rank-desc", 3)]
    [InlineData("active-rank-desc", 2)]
    public async Task Should_page_through_a_filtered_partition_in_sort_order(string sort, int limit)
    {
        var (keys, expected) = Sorts[sort];
        var filter = Is(Rank, ComparisonOperator.Ne, 2.5);

        var (ids, _) = await ReadAllPagesAsync(
            new DocumentQuery
            {
                Type = Type,
                PartitionKey = "items",
                Filter = filter,
                Sort = keys,
                Limit = limit,
            }
        );

        Assert.Equal(expected.Except(["a10", "a11"]), ids);
    }

    [Fact]
    public async Task Should_restrict_a_query_to_its_partition()
    {
        var items = await Store.QueryAsync(Container, new DocumentQuery { Type = Type, PartitionKey = "more-items" }, default);
        var other = await Store.QueryAsync(Container, new DocumentQuery { Type = Type, PartitionKey = "nowhere" }, default);

        Assert.Equal(["a11"], items.Items.Select(d => d.Id));
        Assert.Empty(other.Items);
    }

    [Fact]
    public async Task Should_return_documents_as_written_with_their_etags()
    {
        var page = await Store.QueryAsync(
            Container,
            new DocumentQuery { Type = Type, Filter = Is(Id, ComparisonOperator.Eq, "a05") },
            default
        );

        var document = Assert.Single(page.Items);
        var read = await Store.ReadAsync(Container, new DocumentKey("items", "a05"), default);
        Assert.Equal((read!.ETag, "items", Type), (document.ETag, document.PartitionKey, document.Type));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(read.Json.Span), JsonNode.Parse(document.Json.Span)));
        Assert.Equal("Epsilon", JsonNode.Parse(document.Json.Span)!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_count_only_live_documents_of_the_type()
    {
        Assert.Equal(Items.Length, await Store.CountAsync(Container, Type, null, default));
        Assert.Equal(1, await Store.CountAsync(Container, "other", null, default));
        Assert.Equal(0, await Store.CountAsync(Container, "nothing", null, default));
        Assert.Equal(0, await Store.CountAsync(Containers.Customers, Type, null, default));
    }

    [Fact]
    public async Task Should_see_a_change_in_the_next_query()
    {
        await Store.ReplaceAsync(Container, Write("a02", "items", Type, """{"name":"beta","rank":9}"""), null, default);
        await Store.DeleteAsync(Container, new DocumentKey("items", "a07"), null, default);

        var page = await Store.QueryAsync(
            Container,
            new DocumentQuery
            {
                Type = Type,
                Sort = [new(Rank, true)],
                Limit = 2,
            },
            default
        );

        Assert.Equal(["a02", "a11"], page.Items.Select(d => d.Id));
        Assert.Equal(Items.Length - 1, await Store.CountAsync(Container, Type, null, default));
    }

    private async Task<(List<string> Ids, int Pages)> ReadAllPagesAsync(DocumentQuery query)
    {
        var ids = new List<string>();
        var pages = 0;
        Keyset? after = null;
        do
        {
            var page = await Store.QueryAsync(Container, query with { After = after }, default);
            pages++;
            Assert.True(page.Items.Count <= query.Limit, $"Page {pages} holds {page.Items.Count} items; the limit is {query.Limit}.");
            Assert.True(page.Next is null || page.Items.Count == query.Limit, $"Page {pages} is short but has a next page.");
            ids.AddRange(page.Items.Select(d => d.Id));
            after = page.Next;
            Assert.True(pages <= Items.Length + 1, "Paging does not end.");
        } while (after is not null);
        return (ids, pages);
    }

    private static DocumentWrite Write(string id, string partition, string type, string fields)
    {
        var body = new JsonObject { ["id"] = id, ["type"] = type };
        foreach (var (name, value) in JsonNode.Parse(fields)!.AsObject().ToList())
        {
            body[name] = value?.DeepClone();
        }
        return new DocumentWrite(id, partition, type, Encoding.UTF8.GetBytes(body.ToJsonString()));
    }

    private static Comparison Is(FieldPath field, ComparisonOperator op, string value) => new(field, op, ScalarValue.From(value));

    private static Comparison Is(FieldPath field, ComparisonOperator op, double value) => new(field, op, ScalarValue.From(value));

    private static Comparison Is(FieldPath field, ComparisonOperator op, bool value) => new(field, op, ScalarValue.From(value));

    private static Comparison In(FieldPath field, ComparisonOperator op, params double[] values) =>
        new(field, op, new EquatableArray<ScalarValue>(values.Select(ScalarValue.From)));

    private static Comparison In(FieldPath field, ComparisonOperator op, params string[] values) =>
        new(field, op, new EquatableArray<ScalarValue>(values.Select(ScalarValue.From)));
}
