using Cx.Core.Content;
using Cx.Http.GraphQL;
using Cx.Integration.Tests.Infrastructure;
using GraphQL;

namespace Cx.Integration.Tests.GraphQL;

/// <summary>
/// The GraphQL breaking-change gate (run by the test command, so by <c>.ci/run</c>): the schema built
/// from the built-in content types must not break the published SDL
/// (<c>contracts/graphql/v1.graphql</c>); the gate (<c>scripts/contract/graphql-breaking.mjs</c>,
/// @graphql-inspector/core) fails for a deliberate break and passes for an additive change.
/// </summary>
public sealed class GraphQLContractGateTests
{
    private const string Published = "contracts/graphql/v1.graphql";
    private const string Gate = "scripts/contract/graphql-breaking.mjs";

    private static string BuiltSdl(IReadOnlyList<ContentType>? types = null) =>
        GraphQLSchemaBuilder.Build(types ?? ContentTypeRegistry.BuiltInTypes, ContentTypeRegistry.BuiltInComponents).Print();

    private static async Task<(int Exit, string Output)> CheckAsync(string sdl)
    {
        var file = Path.Combine(Path.GetTempPath(), "cx-gql-" + Guid.NewGuid().ToString("n") + ".graphql");
        await File.WriteAllTextAsync(file, sdl);
        try
        {
            var (exit, output, error) = await NodeScript.RunAsync(Gate, [Path.Combine(RepoPaths.Root, Published), file]);
            return (exit, output + error);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Should_not_break_the_published_graphql_schema()
    {
        var (exit, output) = await CheckAsync(BuiltSdl());
        Assert.True(exit == 0, $"The built schema breaks {Published} (update it only for a new version):\n{output}");
        if (Environment.GetEnvironmentVariable("CX_WRITE_GRAPHQL_SNAPSHOT") == "1")
        {
            // Publishes an additive change (the gate above has passed).
            await File.WriteAllTextAsync(Path.Combine(RepoPaths.Root, Published), BuiltSdl());
        }
    }

    [Fact]
    public async Task Should_fail_the_gate_for_a_deliberate_break_and_pass_an_additive_change()
    {
        var customer = ContentTypeRegistry.BuiltInTypes.Single(t => t.Key == "customer");
        IReadOnlyList<ContentType> With(ContentType changed) =>
            [.. ContentTypeRegistry.BuiltInTypes.Select(t => t.Key == "customer" ? changed : t)];

        // Removing a published field (customer.phone) breaks clients that select it.
        var removed = customer with
        {
            Fields = new([.. customer.Fields.Where(f => f.Name != "phone")]),
        };
        var (breakExit, breakOutput) = await CheckAsync(BuiltSdl(With(removed)));
        Assert.Equal(1, breakExit);
        Assert.Contains("phone", breakOutput, StringComparison.Ordinal);

        // Adding a field is additive.
        var added = customer with
        {
            Fields = new([.. customer.Fields, new FieldDefinition { Name = "nickname", Type = Cx.Core.Content.FieldType.String }]),
        };
        var (addExit, addOutput) = await CheckAsync(BuiltSdl(With(added)));
        Assert.True(addExit == 0, addOutput);
    }
}
