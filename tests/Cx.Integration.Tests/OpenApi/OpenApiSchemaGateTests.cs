using System.Text.Json.Nodes;
using Cx.Core.Content;
using Cx.Http.OpenApi;
using Cx.Http.Versioning;
using Cx.Integration.Tests.Infrastructure;
using Microsoft.OpenApi;

namespace Cx.Integration.Tests.OpenApi;

/// <summary>
/// The schema-level OpenAPI gate (run by the test command, so by <c>.ci/run</c>): each version's
/// full document, built from the catalog and the built-in content types, is published in
/// <c>contracts/openapi/{version}.json</c>, and the built document must not break it. The
/// comparison is api-smart-diff's (<c>scripts/contract/openapi-breaking.mjs</c>): it follows every
/// <c>$ref</c> from the operations, so a removed response field, a changed type, a removed enum value,
/// a new required request field or a response field made optional fails the gate, and an added
/// operation or optional field passes. Set CX_WRITE_OPENAPI_SNAPSHOT=1 to publish a change that breaks nothing.
/// </summary>
public sealed class OpenApiSchemaGateTests
{
    private const string Gate = "scripts/contract/openapi-breaking.mjs";

    private static string Published(string version) => Path.Combine(RepoPaths.Root, "contracts", "openapi", version + ".json");

    /// <summary>The document of <paramref name="version"/> as a fresh installation serves it.</summary>
    internal static async Task<string> BuildAsync(
        string version,
        IReadOnlyList<ContentType>? types = null,
        IEnumerable<ApiOperation>? operations = null
    )
    {
        var document = OpenApiDocumentBuilder.Build(
            [.. (operations ?? ApiCatalog.Discover().Operations).Where(o => ApiVersions.Of(o.Route) == version)],
            types ?? ContentTypeRegistry.BuiltInTypes,
            ContentTypeRegistry.BuiltInComponents,
            new ContentOptions(),
            version
        );
        return await document.SerializeAsJsonAsync(OpenApiSpecVersion.OpenApi3_1) + "\n";
    }

    private static async Task<(int Exit, string Output)> CheckAsync(string version, string built)
    {
        var file = Path.Combine(Path.GetTempPath(), "cx-openapi-" + Guid.NewGuid().ToString("n") + ".json");
        await File.WriteAllTextAsync(file, built);
        try
        {
            var (exit, output, error) = await NodeScript.RunAsync(Gate, [Published(version), file]);
            return (exit, output + error);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static IReadOnlyList<ContentType> WithCustomer(Func<ContentType, ContentType> change) =>
        [.. ContentTypeRegistry.BuiltInTypes.Select(t => t.Key == "customer" ? change(t) : t)];

    private static ContentType WithFields(ContentType type, Func<IEnumerable<FieldDefinition>, IEnumerable<FieldDefinition>> change) =>
        type with
        {
            Fields = new([.. change(type.Fields)]),
        };

    [Theory]
    [InlineData("v1")]
    [InlineData("v2")]
    public async Task Should_not_break_the_published_document_of_each_version(string version)
    {
        var built = await BuildAsync(version);
        var publish = Environment.GetEnvironmentVariable("CX_WRITE_OPENAPI_SNAPSHOT") == "1";
        if (publish && !File.Exists(Published(version)))
        {
            await File.WriteAllTextAsync(Published(version), built);
        }
        var (exit, output) = await CheckAsync(version, built);
        Assert.True(exit == 0, $"The built {version} document breaks {Published(version)} (publish a new version instead):\n{output}");
        if (publish)
        {
            await File.WriteAllTextAsync(Published(version), built);
        }
        Assert.True(
            built == await File.ReadAllTextAsync(Published(version)),
            $"The {version} document changed without breaking clients: publish it with CX_WRITE_OPENAPI_SNAPSHOT=1.\n{output}"
        );
    }

    [Theory]
    [InlineData("phone removed from the customer", "remove", "/properties/phone")]
    [InlineData("phone now an integer", "replace", "/properties/phone/type")]
    [InlineData("a new required request field", "add", "/properties/nickname")]
    [InlineData("a loyalty tier value removed", "remove", "/properties/loyaltyTier/enum")]
    [InlineData("name now required in requests", "add", "/required")]
    public async Task Should_fail_the_gate_for_each_deliberate_break_of_a_published_schema(string change, string action, string pointer)
    {
        var types = change switch
        {
            "phone removed from the customer" => WithCustomer(t => WithFields(t, f => f.Where(x => x.Name != "phone"))),
            "phone now an integer" => WithCustomer(t =>
                WithFields(t, f => f.Select(x => x.Name == "phone" ? x with { Type = FieldType.Integer } : x))
            ),
            "a new required request field" => WithCustomer(t =>
                WithFields(
                    t,
                    f =>
                        f.Append(
                            new FieldDefinition
                            {
                                Name = "nickname",
                                Type = FieldType.String,
                                Required = true,
                            }
                        )
                )
            ),
            "a loyalty tier value removed" => WithCustomer(t =>
                WithFields(
                    t,
                    f => f.Select(x => x.Name == "loyaltyTier" ? x with { Values = new([.. x.Values.Where(v => v != "platinum")]) } : x)
                )
            ),
            _ => WithCustomer(t => WithFields(t, f => f.Select(x => x.Name == "name" ? x with { Required = true } : x))),
        };

        var (exit, output) = await CheckAsync("v1", await BuildAsync("v1", types));

        Assert.True(exit == 1, $"{change} passed the gate:\n{output}");
        Assert.Contains(
            output.Split('\n'),
            line =>
                line.StartsWith("breaking " + action + " /paths/", StringComparison.Ordinal)
                && line.Contains(pointer, StringComparison.Ordinal)
        );
    }

    [Fact]
    public async Task Should_fail_the_gate_when_a_response_field_becomes_optional_or_an_operation_goes()
    {
        var built = JsonNode.Parse(await BuildAsync("v2"))!.AsObject();
        var list = built["paths"]!["/api/v2/customers"]!["get"]!["responses"]!["200"]!["content"]!["application/json"]!["schema"]!;
        list["required"] = new JsonArray("data");
        var (optionalExit, optionalOutput) = await CheckAsync("v2", built.ToJsonString());
        Assert.True(optionalExit == 1, optionalOutput);
        Assert.Contains("breaking remove /paths/~1api~1v2~1customers/get/responses/200/", optionalOutput, StringComparison.Ordinal);

        var withoutList = ApiCatalog.Discover().Operations.Where(o => o.OperationId != "ListCustomersV2");
        var (removedExit, removedOutput) = await CheckAsync("v2", await BuildAsync("v2", operations: withoutList));
        Assert.True(removedExit == 1, removedOutput);
        Assert.Contains("breaking remove /paths/~1api~1v2~1customers", removedOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_pass_the_gate_for_additive_changes()
    {
        var optional = WithCustomer(t =>
            WithFields(
                t,
                f =>
                    f.Append(new FieldDefinition { Name = "nickname", Type = FieldType.String })
                        .Select(x => x.Name == "loyaltyTier" ? x with { Values = new([.. x.Values, "diamond"]) } : x)
            )
        );
        var catalog = ApiCatalog.Discover().Operations;
        var list = catalog.Single(o => o.OperationId == "ListCustomersV2");
        var operations = catalog.Append(list with { OperationId = "CountCustomersV2", Route = "v2/customers/count" });

        var (v1Exit, v1Output) = await CheckAsync("v1", await BuildAsync("v1", optional));
        var (v2Exit, v2Output) = await CheckAsync("v2", await BuildAsync("v2", optional, operations));

        Assert.True(v1Exit == 0, v1Output);
        Assert.Contains("non-breaking add /paths/", v1Output, StringComparison.Ordinal);
        Assert.True(v2Exit == 0, v2Output);
        Assert.Contains("non-breaking add /paths/~1api~1v2~1customers~1count/get", v2Output, StringComparison.Ordinal);
    }
}
