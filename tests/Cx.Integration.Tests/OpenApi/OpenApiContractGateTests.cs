using Cx.Http.OpenApi;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.OpenApi;

/// <summary>
/// The published operation surface of each API version (<c>contracts/openapi/v1.txt</c>,
/// <c>v2.txt</c>): one line per operation, <c>METHOD path operationId | parameters | statuses</c>,
/// a parameter marked <c>!</c> when required. A release may add operations, optional parameters and
/// statuses; it breaks clients when it removes or renames an operation, removes a parameter or a
/// success status, or adds a required parameter. This is the readable summary; the schema-level
/// comparison of the full documents is <see cref="OpenApiSchemaGateTests"/>. Set
/// CX_WRITE_OPENAPI_SNAPSHOT=1 to publish a non-breaking change.
/// </summary>
public sealed class OpenApiContractGateTests
{
    private static string SnapshotPath(string version) => Path.Combine(RepoPaths.Root, "contracts", "openapi", version + ".txt");

    /// <summary>The surface of one version, from the catalog the document is generated from.</summary>
    internal static Dictionary<string, string[]> Surface(IEnumerable<ApiOperation> operations, string version) =>
        operations
            .Where(o => o.Route.StartsWith(version + "/", StringComparison.Ordinal))
            .Select(o =>
                string.Join(
                    " | ",
                    $"{o.Method} {o.Path} {o.OperationId}",
                    string.Join(",", o.Parameters.Select(p => p.Name + (p.Required ? "!" : "")).Order(StringComparer.Ordinal)),
                    string.Join(",", o.Responses.Select(r => r.Status).Order())
                )
            )
            .Order(StringComparer.Ordinal)
            .ToDictionary(
                line => line.Split(" | ")[0].Split(' ')[..2] is var key ? key[0] + " " + key[1] : line,
                line => line.Split(" | ")
            );

    /// <summary>What in <paramref name="current"/> breaks a client of <paramref name="published"/>.</summary>
    internal static List<string> Breaks(Dictionary<string, string[]> published, Dictionary<string, string[]> current)
    {
        var breaks = new List<string>();
        foreach (var (key, old) in published)
        {
            if (!current.TryGetValue(key, out var now))
            {
                breaks.Add($"{key}: operation removed");
                continue;
            }
            if (old[0] != now[0])
            {
                breaks.Add($"{key}: operation id changed ({old[0]} -> {now[0]})");
            }
            var oldParameters = Items(old[1]);
            var newParameters = Items(now[1]);
            breaks.AddRange(
                oldParameters
                    .Select(p => p.TrimEnd('!'))
                    .Except(newParameters.Select(p => p.TrimEnd('!')))
                    .Select(p => $"{key}: parameter {p} removed")
            );
            breaks.AddRange(
                newParameters
                    .Where(p => p.EndsWith('!') && !oldParameters.Contains(p))
                    .Select(p => $"{key}: parameter {p.TrimEnd('!')} is now required")
            );
            breaks.AddRange(Items(old[2]).Except(Items(now[2])).Select(s => $"{key}: status {s} removed"));
        }
        return breaks;
    }

    private static string[] Items(string list) => list.Length == 0 ? [] : list.Split(',');

    private static string Text(Dictionary<string, string[]> surface) =>
        string.Concat(surface.Values.Select(parts => string.Join(" | ", parts) + "\n"));

    private static Dictionary<string, string[]> Parse(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(" | "))
            .ToDictionary(parts => string.Join(' ', parts[0].Split(' ')[..2]), parts => parts);

    [Theory]
    [InlineData("v1")]
    [InlineData("v2")]
    public async Task Should_not_break_the_published_surface_of_each_version(string version)
    {
        var current = Surface(ApiCatalog.Discover().Operations, version);
        Assert.NotEmpty(current);
        if (Environment.GetEnvironmentVariable("CX_WRITE_OPENAPI_SNAPSHOT") == "1")
        {
            await File.WriteAllTextAsync(SnapshotPath(version), Text(current));
        }
        var published = Parse(await File.ReadAllTextAsync(SnapshotPath(version)));
        Assert.Empty(Breaks(published, current));
        Assert.Equal(Text(published), Text(current));
    }

    [Fact]
    public void Should_fail_on_a_deliberate_break_and_pass_an_addition()
    {
        var catalog = ApiCatalog.Discover().Operations;
        var published = Surface(catalog, "v2");
        var list = catalog.Single(o => o.OperationId == "ListCustomersV2");
        Dictionary<string, string[]> With(params ApiOperation[] changed) =>
            Surface([.. catalog.Where(o => o.OperationId != "ListCustomersV2"), .. changed], "v2");

        var removed = With();
        Assert.Equal(["GET /api/v2/customers: operation removed"], Breaks(published, removed));

        var lostCursor = With(list with { Parameters = [.. list.Parameters.Where(p => p.Name != "cursor")] });
        Assert.Equal(["GET /api/v2/customers: parameter cursor removed"], Breaks(published, lostCursor));

        var required = With(
            list with
            {
                Parameters = [.. list.Parameters.Select(p => p.Name == "limit" ? p with { Required = true } : p)],
            }
        );
        Assert.Equal(["GET /api/v2/customers: parameter limit is now required"], Breaks(published, required));

        var added = With(list, list with { OperationId = "CountCustomersV2", Route = "v2/customers/count" });
        Assert.Empty(Breaks(published, added));
    }
}
