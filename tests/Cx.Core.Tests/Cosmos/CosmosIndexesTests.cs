using System.Net;
using Cx.Azure.Cosmos;
using Cx.Core.Documents;
using Cx.Core.Rules;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cx.Core.Tests.Cosmos;

public sealed class CosmosIndexesTests
{
    private static readonly FieldPath[] Fields = [FieldPath.Parse("email")];
    private readonly Mock<Container> _content = new();
    private readonly ContainerProperties _properties = new(Containers.Content, "/pk")
    {
        IndexingPolicy = CosmosContainers.InitialIndexingPolicy(),
    };

    public CosmosIndexesTests()
    {
        var response = new Mock<ContainerResponse>();
        response.SetupGet(r => r.Resource).Returns(_properties);
        response.SetupGet(r => r.ETag).Returns("\"policy-1\"");
        _content
            .Setup(c => c.ReadContainerAsync(It.IsAny<ContainerRequestOptions>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(response.Object);
    }

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
        Assert.Equal(["/type:a|/id:a"], CosmosContainers.InitialIndexingPolicy().CompositeIndexes.Select(CosmosIndexes.Signature));
    }

    [Fact]
    public async Task Should_add_missing_indexes_with_a_conditional_replace_once()
    {
        var sut = CreateSut();

        await sut.EnsureFieldsAsync(Containers.Content, Fields, default);
        await sut.EnsureFieldsAsync(Containers.Content, Fields, default);
        await sut.EnsureSortAsync(Containers.Content, [new SortField(Fields[0], Descending: true)], default);

        _content.Verify(
            c =>
                c.ReplaceContainerAsync(
                    It.Is<ContainerProperties>(p =>
                        p.IndexingPolicy.CompositeIndexes.Select(CosmosIndexes.Signature)
                            .SequenceEqual(new[] { "/type:a|/id:a", "/type:a|/email:a|/id:a", "/type:a|/email:d|/id:a" })
                    ),
                    It.Is<ContainerRequestOptions>(o => o.IfMatchEtag == "\"policy-1\""),
                    It.IsAny<CancellationToken>()
                ),
            Times.Once
        );
        _content.Verify(c => c.ReadContainerAsync(It.IsAny<ContainerRequestOptions>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Should_leave_the_policy_alone_when_it_already_has_the_indexes()
    {
        foreach (var composite in CosmosIndexes.ForFields(Fields))
        {
            _properties.IndexingPolicy.CompositeIndexes.Add(composite);
        }

        await CreateSut().EnsureFieldsAsync(Containers.Content, Fields, default);

        _content.Verify(
            c =>
                c.ReplaceContainerAsync(
                    It.IsAny<ContainerProperties>(),
                    It.IsAny<ContainerRequestOptions>(),
                    It.IsAny<CancellationToken>()
                ),
            Times.Never
        );
    }

    [Fact]
    public async Task Should_read_the_policy_again_when_it_changed_meanwhile()
    {
        _content
            .SetupSequence(c =>
                c.ReplaceContainerAsync(It.IsAny<ContainerProperties>(), It.IsAny<ContainerRequestOptions>(), It.IsAny<CancellationToken>())
            )
            .ThrowsAsync(new CosmosException("changed", HttpStatusCode.PreconditionFailed, 0, "a", 1))
            .ReturnsAsync(Mock.Of<ContainerResponse>());

        await CreateSut().EnsureFieldsAsync(Containers.Content, Fields, default);

        _content.Verify(c => c.ReadContainerAsync(It.IsAny<ContainerRequestOptions>(), It.IsAny<CancellationToken>()), Times.Exactly(2));
    }

    [Fact]
    public async Task Should_carry_on_without_retrying_when_the_identity_may_not_change_the_policy()
    {
        _content
            .Setup(c =>
                c.ReplaceContainerAsync(It.IsAny<ContainerProperties>(), It.IsAny<ContainerRequestOptions>(), It.IsAny<CancellationToken>())
            )
            .ThrowsAsync(new CosmosException("forbidden", HttpStatusCode.Forbidden, 0, "a", 1));
        var sut = CreateSut();

        await sut.EnsureFieldsAsync(Containers.Content, Fields, default);
        await sut.EnsureFieldsAsync(Containers.Content, Fields, default);

        _content.Verify(
            c =>
                c.ReplaceContainerAsync(
                    It.IsAny<ContainerProperties>(),
                    It.IsAny<ContainerRequestOptions>(),
                    It.IsAny<CancellationToken>()
                ),
            Times.Once
        );
    }

    private CosmosIndexes CreateSut()
    {
        var database = new Mock<Database>();
        database.Setup(d => d.GetContainer(It.IsAny<string>())).Returns(Mock.Of<Container>());
        database.Setup(d => d.GetContainer(Containers.Content)).Returns(_content.Object);
        var client = new Mock<CosmosClient>();
        client.Setup(c => c.GetDatabase(It.IsAny<string>())).Returns(database.Object);
        var containers = new CosmosContainers(client.Object, Options.Create(new CosmosOptions()), NullLogger<CosmosContainers>.Instance);
        return new CosmosIndexes(containers, NullLogger<CosmosIndexes>.Instance);
    }
}
