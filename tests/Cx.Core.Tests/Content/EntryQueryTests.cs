using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Rules;
using static Cx.Core.Tests.Content.SchemaBuilder;

namespace Cx.Core.Tests.Content;

public sealed class EntryQueryTests
{
    private static readonly ContentOptions Options = new();

    private static DocumentQuery Build(params RawFilter[] filters) =>
        EntryQuery.Build(Customer(), new EntryListRequest { Filters = filters }, Options);

    private static RawFilter Filter(string field, string op, string value) => new(field, op, value, $"filter[{field}][{op}]");

    private static FieldError Error(EntryListRequest request) =>
        Assert.Throws<ValidationException>(() => EntryQuery.Build(Customer(), request, Options)).Errors[0];

    [Fact]
    public void Should_type_values_by_their_field()
    {
        var query = Build(
            Filter("lastLogin", "gte", "2026-11-01"),
            Filter("email", "eq", "Ana@Example.com"),
            Filter("preferences.newsletter", "eq", "true")
        );
        var all = Assert.IsType<AllOf>(query.Filter);
        Assert.Equal(
            new Comparison(FieldPath.Parse("lastLogin"), ComparisonOperator.Gte, ScalarValue.From("2026-11-01T00:00:00.000Z")),
            all.Conditions[0]
        );
        Assert.Equal(ScalarValue.From("ana@example.com"), ((Comparison)all.Conditions[1]).Operand);
        Assert.Equal(ScalarValue.From(true), ((Comparison)all.Conditions[2]).Operand);
        Assert.Null(query.PartitionKey);
        Assert.Equal("customer", query.Type);
    }

    [Fact]
    public void Should_split_list_operators()
    {
        var query = Build(Filter("loyaltyTier", "in", "gold,platinum"));
        var comparison = Assert.IsType<Comparison>(query.Filter);
        Assert.Equal([ScalarValue.From("gold"), ScalarValue.From("platinum")], comparison.Operands);
    }

    [Fact]
    public void Should_reject_filters_on_fields_that_are_not_indexed()
    {
        var error = Error(new EntryListRequest { Filters = [Filter("name", "eq", "Ana")] });
        Assert.Equal(("filter[name][eq]", "not-filterable", ErrorLocation.Query), (error.Path, error.Code, error.Location));
    }

    [Theory]
    [InlineData("loyaltyTier", "like", "gold", "operator")]
    [InlineData("preferences.newsletter", "gt", "true", "operator")]
    [InlineData("lastLogin", "startsWith", "2026", "operator")]
    [InlineData("loyaltyTier", "eq", "diamond", "value")]
    [InlineData("lastLogin", "gte", "last week", "value")]
    [InlineData("lastLogin", "between", "2026-01-01", "value")]
    [InlineData("lastLogin", "between", "2026-02-01,2026-01-01", "range")]
    [InlineData("email", "exists", "maybe", "value")]
    [InlineData("loyaltyTier", "1", "gold", "operator")]
    public void Should_reject_bad_operators_and_values(string field, string op, string value, string code)
    {
        var error = Error(new EntryListRequest { Filters = [Filter(field, op, value)] });
        Assert.Equal(code, error.Code);
        Assert.Equal($"filter[{field}][{op}]", error.Path);
    }

    [Fact]
    public void Should_bound_in_lists()
    {
        var values = string.Join(",", Enumerable.Range(0, 101).Select(i => $"id{i}"));
        Assert.Equal("max-items", Error(new EntryListRequest { Filters = [Filter("id", "in", values)] }).Code);
    }

    [Fact]
    public void Should_sort_on_indexed_fields_only()
    {
        var query = EntryQuery.Build(Customer(), new EntryListRequest { Sort = ["-lastLogin", "email"] }, Options);
        Assert.Equal([new SortField(FieldPath.Parse("lastLogin"), true), new SortField(FieldPath.Parse("email"))], query.Sort);
        Assert.Equal("not-sortable", Error(new EntryListRequest { Sort = ["name"] }).Code);
        Assert.Equal("duplicate", Error(new EntryListRequest { Sort = ["email", "-email"] }).Code);
        Assert.Equal("max-items", Error(new EntryListRequest { Sort = ["email", "lastLogin", "createdAt", "updatedAt"] }).Code);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(201)]
    public void Should_bound_the_page_size(int limit) => Assert.Equal("limit", Error(new EntryListRequest { Limit = limit }).Path);

    [Fact]
    public void Should_reject_a_keyset_that_does_not_fit_the_sort()
    {
        var error = Error(new EntryListRequest { Sort = ["email"], After = new Keyset([], "x") });
        Assert.Equal(("cursor", "invalid-cursor"), (error.Path, error.Code));
    }

    [Fact]
    public void Should_restrict_types_partitioned_by_type_to_their_partition()
    {
        var article = For(Type("article", Field("slug", FieldType.String) with { Indexed = true }));
        var query = EntryQuery.Build(article, new EntryListRequest(), Options);
        Assert.Equal("article", query.PartitionKey);
        Assert.Equal(Options.DefaultPageSize, query.Limit);
    }
}
