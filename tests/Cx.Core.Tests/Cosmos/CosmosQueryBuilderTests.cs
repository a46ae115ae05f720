using Cx.Azure.Cosmos;
using Cx.Core.Common;
using Cx.Core.Documents;
using Cx.Core.Rules;

namespace Cx.Core.Tests.Cosmos;

/// <summary>
/// The shape of the Cosmos SQL the store sends. What the SQL returns is covered by
/// Cx.Integration.Tests' DocumentQueryContract, which executes it with the Cosmos SQL engine of
/// the protocol server; these tests pin what that cannot see: parameters, scope and ORDER BY.
/// </summary>
public sealed class CosmosQueryBuilderTests
{
    private static readonly FieldPath Email = FieldPath.Parse("email");

    [Fact]
    public void Should_keep_every_value_out_of_the_query_text()
    {
        const string hostile = "x' OR 1=1 --\"]";
        var query = new DocumentQuery
        {
            Type = hostile,
            PartitionKey = hostile,
            Filter = new AllOf([new Comparison(Email, ComparisonOperator.Eq, ScalarValue.From(hostile))]),
            Sort = [new SortField(Email)],
            After = new Keyset([ScalarValue.From(hostile)], hostile),
        };

        var sql = CosmosQueryBuilder.Page(query);

        Assert.DoesNotContain(hostile, sql.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("'", sql.Text, StringComparison.Ordinal);
        Assert.Contains(sql.Parameters, p => Equals(p.Value, hostile));
        Assert.All(sql.Parameters, p => Assert.Contains(p.Name, sql.Text, StringComparison.Ordinal));
    }

    [Fact]
    public void Should_scope_a_page_to_live_documents_of_the_type_and_request_one_extra()
    {
        var sql = CosmosQueryBuilder.Page(new DocumentQuery { Type = "customer", Limit = 25 });

        Assert.StartsWith("SELECT TOP @p0 * FROM c WHERE c.type = @p1 AND NOT IS_DEFINED(c._deleted)", sql.Text, StringComparison.Ordinal);
        Assert.Equal(26, sql.Parameters[0].Value);
        Assert.Equal("customer", sql.Parameters[1].Value);
        Assert.DoesNotContain("c.pk", sql.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_name_the_partition_when_the_query_has_one()
    {
        var sql = CosmosQueryBuilder.Page(new DocumentQuery { Type = "content-type", PartitionKey = "content-type" });

        Assert.Contains("AND c.pk = @p2", sql.Text, StringComparison.Ordinal);
        Assert.Equal("content-type", sql.Parameters[2].Value);
    }

    [Fact]
    public void Should_order_by_type_then_the_sort_fields_then_id()
    {
        var sql = CosmosQueryBuilder.Page(
            new DocumentQuery
            {
                Type = "t",
                Sort = [new SortField(FieldPath.Parse("address.city")), new SortField(FieldPath.Parse("value"), Descending: true)],
            }
        );

        Assert.EndsWith(
            " ORDER BY c.type ASC, c[\"address\"][\"city\"] ASC, c[\"value\"] DESC, c.id ASC",
            sql.Text,
            StringComparison.Ordinal
        );
    }

    [Fact]
    public void Should_order_an_unsorted_page_by_type_and_id()
    {
        Assert.EndsWith(
            " ORDER BY c.type ASC, c.id ASC",
            CosmosQueryBuilder.Page(new DocumentQuery { Type = "t" }).Text,
            StringComparison.Ordinal
        );
    }

    [Theory]
    [InlineData(ComparisonOperator.Eq, "(IS_STRING(c[\"email\"]) AND c[\"email\"] = @p1)")]
    [InlineData(ComparisonOperator.Ne, "NOT (IS_STRING(c[\"email\"]) AND c[\"email\"] = @p1)")]
    [InlineData(ComparisonOperator.Gt, "(IS_STRING(c[\"email\"]) AND c[\"email\"] > @p1)")]
    [InlineData(ComparisonOperator.Lte, "(IS_STRING(c[\"email\"]) AND c[\"email\"] <= @p1)")]
    [InlineData(ComparisonOperator.StartsWith, "(IS_STRING(c[\"email\"]) AND STARTSWITH(c[\"email\"], @p1))")]
    [InlineData(ComparisonOperator.Contains, "(IS_STRING(c[\"email\"]) AND CONTAINS(c[\"email\"], @p1))")]
    [InlineData(ComparisonOperator.In, "((IS_STRING(c[\"email\"]) AND c[\"email\"] IN (@p1)))")]
    [InlineData(ComparisonOperator.Nin, "NOT ((IS_STRING(c[\"email\"]) AND c[\"email\"] IN (@p1)))")]
    public void Should_guard_each_comparison_with_a_type_check_so_missing_values_are_false(ComparisonOperator op, string expected)
    {
        var sql = CosmosQueryBuilder.Count("customer", new Comparison(Email, op, ScalarValue.From("a@b.c")));

        Assert.Equal("SELECT VALUE COUNT(1) FROM c WHERE c.type = @p0 AND NOT IS_DEFINED(c._deleted) AND " + expected, sql.Text);
    }

    [Theory]
    [InlineData(true, "(IS_DEFINED(c[\"email\"]) AND NOT IS_NULL(c[\"email\"]))")]
    [InlineData(false, "(NOT IS_DEFINED(c[\"email\"]) OR IS_NULL(c[\"email\"]))")]
    public void Should_treat_null_and_missing_alike_for_exists(bool exists, string expected)
    {
        var sql = CosmosQueryBuilder.Count("customer", new Comparison(Email, ComparisonOperator.Exists, ScalarValue.From(exists)));

        Assert.EndsWith(" AND " + expected, sql.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_split_a_mixed_in_list_by_type_and_drop_nulls()
    {
        var sql = CosmosQueryBuilder.Count(
            "t",
            new Comparison(
                FieldPath.Parse("code"),
                ComparisonOperator.In,
                new EquatableArray<ScalarValue>([ScalarValue.From("a"), ScalarValue.From(1), ScalarValue.Null, ScalarValue.From("b")])
            )
        );

        Assert.EndsWith(
            " AND ((IS_STRING(c[\"code\"]) AND c[\"code\"] IN (@p1, @p2)) OR (IS_NUMBER(c[\"code\"]) AND c[\"code\"] IN (@p3)))",
            sql.Text,
            StringComparison.Ordinal
        );
        Assert.Equal(["a", "b", 1.0], sql.Parameters.Skip(1).Select(p => p.Value));
    }

    [Fact]
    public void Should_continue_after_the_keyset_in_the_order_of_the_sort()
    {
        var query = new DocumentQuery
        {
            Type = "t",
            Sort = [new SortField(FieldPath.Parse("rank"), Descending: true)],
            After = new Keyset([ScalarValue.From(3)], "a04"),
        };

        var sql = CosmosQueryBuilder.Page(query);

        Assert.Contains(
            " AND ((IS_NUMBER(c[\"rank\"]) AND c[\"rank\"] < @p2 OR IS_BOOL(c[\"rank\"]) OR NOT IS_DEFINED(c[\"rank\"]) OR IS_NULL(c[\"rank\"]))"
                + " OR IS_NUMBER(c[\"rank\"]) AND c[\"rank\"] = @p3 AND c.id > @p4)",
            sql.Text,
            StringComparison.Ordinal
        );
    }

    [Fact]
    public void Should_reject_a_keyset_that_does_not_fit_the_sort()
    {
        var query = new DocumentQuery { Type = "t", After = new Keyset([ScalarValue.From(1)], "a") };

        Assert.Throws<ArgumentException>(() => CosmosQueryBuilder.Page(query));
    }

    [Fact]
    public void Should_read_many_ids_of_one_partition_with_a_single_partition_query()
    {
        var sql = CosmosQueryBuilder.ReadMany("p1", ["a", "b"]);

        Assert.Equal("SELECT * FROM c WHERE c.pk = @p0 AND ARRAY_CONTAINS(@p1, c.id) AND NOT IS_DEFINED(c._deleted)", sql.Text);
        Assert.Equal(new[] { "a", "b" }, Assert.IsType<string[]>(sql.Parameters[1].Value));
    }
}
