using Cx.Azure.Cosmos;
using Cx.Core.Documents;
using Cx.Core.Rules;

namespace Cx.Core.Tests.Cosmos;

public sealed class CosmosIndexesTests
{
    [Fact]
    public void Should_compose_type_the_sort_fields_and_id_for_an_order_by()
    {
        var composite = CosmosIndexes.Composite([
            new SortField(FieldPath.Parse("address.city")),
            new SortField(FieldPath.Parse("rank"), true),
        ]);

        Assert.Equal("/type:a|/address/city:a|/rank:d|/id:a", CosmosIndexes.Signature(composite));
    }

    [Fact]
    public void Should_index_each_declared_field_in_both_directions()
    {
        var composites = CosmosIndexes.ForFields([FieldPath.Parse("email"), FieldPath.Parse("profile.tier")]);

        Assert.Equal(
            ["/type:a|/email:a|/id:a", "/type:a|/email:d|/id:a", "/type:a|/profile/tier:a|/id:a", "/type:a|/profile/tier:d|/id:a"],
            composites.Select(CosmosIndexes.Signature)
        );
    }

    [Fact]
    public void Should_start_product_containers_with_the_index_of_unsorted_pages()
    {
        var policy = CosmosContainers.InitialIndexingPolicy();

        Assert.Equal(["/type:a|/id:a"], policy.CompositeIndexes.Select(CosmosIndexes.Signature));
    }
}
