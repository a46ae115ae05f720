using System.Text.Json.Nodes;
using Cx.Core.Content;
using Cx.Core.Profiles;
using Cx.Http.OpenApi;
using Microsoft.OpenApi;

namespace Cx.Integration.Tests.OpenApi;

/// <summary>The generator and the catalog on their own, without a server.</summary>
public sealed class OpenApiDocumentBuilderTests
{
    private static async Task<JsonObject> BuildAsync(IReadOnlyList<ContentType> types, IReadOnlyList<ComponentDefinition> components)
    {
        var document = OpenApiDocumentBuilder.Build(ApiCatalog.Discover().Operations, types, components, new ContentOptions());
        return JsonNode.Parse(await document.SerializeAsJsonAsync(OpenApiSpecVersion.OpenApi3_1))!.AsObject();
    }

    private static ContentType Type(string key, params FieldDefinition[] fields) =>
        new()
        {
            Key = key,
            DisplayName = key,
            Fields = fields,
        };

    [Fact]
    public async Task Should_give_types_distinct_schema_names_when_their_keys_read_alike()
    {
        var document = await BuildAsync([CustomerProfile.ContentType, Type("a-1b"), Type("a1b")], CustomerProfile.Components);

        var types = document[OpenApiDocumentBuilder.ContentTypesExtension]!;

        Assert.Equal("#/components/schemas/A1bEntry", types["a-1b"]!["entry"]!.GetValue<string>());
        Assert.Equal("#/components/schemas/A1bEntry2", types["a1b"]!["entry"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_keep_the_shared_schema_names_when_a_type_would_take_one()
    {
        var document = await BuildAsync([CustomerProfile.ContentType, Type("content-type-definition")], CustomerProfile.Components);

        var schemas = document["components"]!["schemas"]!.AsObject();

        Assert.Equal("contentType", schemas["ContentTypeDefinition"]!["properties"]!["type"]!["enum"]![0]!.GetValue<string>());
        Assert.Equal(
            "#/components/schemas/ContentTypeDefinitionInput2",
            document[OpenApiDocumentBuilder.ContentTypesExtension]!["content-type-definition"]!["input"]!.GetValue<string>()
        );
    }

    [Fact]
    public async Task Should_let_a_drop_oldest_list_take_more_items_on_input_than_it_stores()
    {
        var document = await BuildAsync([CustomerProfile.ContentType], CustomerProfile.Components);

        var schemas = document["components"]!["schemas"]!;

        Assert.Equal(50, schemas["CustomerEntry"]!["properties"]!["interactionHistory"]!["maxItems"]!.GetValue<int>());
        Assert.Null(schemas["CustomerInput"]!["properties"]!["interactionHistory"]!["maxItems"]);
    }

    [Fact]
    public void Should_refuse_a_catalog_when_an_operation_id_is_used_twice()
    {
        var operation = RestOperations.Delete("DeleteThing", "v1/things/{id}", ApiTags.System, "Delete a thing");

        var failure = Assert.Throws<InvalidOperationException>(() =>
            new ApiCatalog([operation, operation with { Route = "v1/others/{id}" }])
        );

        Assert.Contains("DeleteThing is used twice", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_refuse_a_catalog_when_a_method_and_path_are_documented_twice()
    {
        var operation = RestOperations.Delete("DeleteThing", "v1/things/{id}", ApiTags.System, "Delete a thing");

        var failure = Assert.Throws<InvalidOperationException>(() =>
            new ApiCatalog([operation, operation with { OperationId = "RemoveThing", Route = "v1/things/{id:int}" }])
        );

        Assert.Contains("DELETE /api/v1/things/{id} is documented twice", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("v1/things/{id:int}", "/api/v1/things/{id}")]
    [InlineData("v1/things/{id?}", "/api/v1/things/{id}")]
    [InlineData("v1/files/{*path}", "/api/v1/files/{path}")]
    [InlineData("v1/openapi.json", "/api/v1/openapi.json")]
    public void Should_write_route_templates_as_openapi_paths(string route, string path)
    {
        Assert.Equal(path, ApiRouteTemplate.ToOpenApiPath(route));
    }
}
