using System.Text.Json;
using System.Text.RegularExpressions;
using Cx.Core.Common;
using Cx.Core.Segments;
using Cx.Core.Tests.Content;
using NJsonSchema;

namespace Cx.Core.Tests.Segments;

/// <summary>
/// The criteria language has two descriptions that must not drift apart: the JSON Schema in
/// docs/schemas/segment-criteria.schema.json (what clients and editors read) and the parser
/// (what Cx enforces). These tests validate the documented examples with an independent
/// validator (NJsonSchema) and hold the two to the same answers on a set of rules.
/// </summary>
public sealed partial class SegmentCriteriaSchemaTests : IAsyncLifetime
{
    private JsonSchema _schema = null!;

    public async Task InitializeAsync() =>
        _schema = await JsonSchema.FromFileAsync(Path.Combine(RepositoryRoot(), "docs", "schemas", "segment-criteria.schema.json"));

    public Task DisposeAsync() => Task.CompletedTask;

    [GeneratedRegex(@"```json criteria\n(?<body>.*?)```", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex CriteriaBlock();

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Functions.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("No Functions.sln above the test binaries.");
    }

    private ICollection<NJsonSchema.Validation.ValidationError> SchemaErrors(string json) => _schema.Validate(json);

    private static IReadOnlyList<FieldError> ParserErrors(string json)
    {
        try
        {
            SegmentRules.ParseCriteria(JsonDocument.Parse(json).RootElement, SchemaBuilder.Customer(), "/criteria");
            return [];
        }
        catch (ValidationException ex)
        {
            return ex.Errors;
        }
    }

    public static TheoryData<string> DocumentedExamples()
    {
        var data = new TheoryData<string>();
        var markdown = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "segments.md"));
        foreach (System.Text.RegularExpressions.Match block in CriteriaBlock().Matches(markdown))
        {
            data.Add(block.Groups["body"].Value.Trim());
        }
        using var schema = JsonDocument.Parse(
            File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "schemas", "segment-criteria.schema.json"))
        );
        foreach (var example in schema.RootElement.GetProperty("examples").EnumerateArray())
        {
            data.Add(example.GetRawText());
        }
        return data;
    }

    [Fact]
    public void Should_find_the_examples_of_the_documentation() => Assert.True(DocumentedExamples().Count >= 10);

    [Theory]
    [MemberData(nameof(DocumentedExamples))]
    public void Should_accept_every_documented_example_in_the_schema_and_the_parser(string example)
    {
        Assert.Empty(SchemaErrors(example).Select(e => e.ToString()));
        Assert.Empty(ParserErrors(example).Select(e => $"{e.Path} {e.Code}"));
    }

    [Theory]
    [InlineData("""{"field":"loyaltyTier","op":"eq","value":"gold"}""")]
    [InlineData("""{"field":"lastLogin","op":"between","value":["2026-01-01","2026-02-01"]}""")]
    [InlineData("""{"field":"lastLogin","op":"between","value":[{"ago":"P30D"},{"ago":"P1D"}]}""")]
    [InlineData("""{"field":"lastLogin","op":"lt","value":{"ago":"PT12H"}}""")]
    [InlineData("""{"field":"lastLogin","op":"within","value":"P2W"}""")]
    [InlineData("""{"field":"preferences","op":"exists"}""")]
    [InlineData("""{"field":"phone","op":"exists","value":false}""")]
    [InlineData("""{"field":"name","op":"regex","value":"^A"}""")]
    [InlineData("""{"field":"email","op":"nin","value":["a@b.co","c@d.co"]}""")]
    [InlineData("""{"any":[{"not":{"field":"name","op":"startsWith","value":"A"}},{"field":"name","op":"contains","value":"b"}]}""")]
    [InlineData("""{"behavior":{"event":"purchase","aggregate":"count","op":"between","value":[1,3]}}""")]
    [InlineData("""{"behavior":{"event":"purchase","aggregate":"avg","property":"amount","window":"PT30M","op":"lte","value":20.5}}""")]
    [InlineData("""{"behavior":{"event":"search","aggregate":"first","property":"query","op":"gte","value":{"ago":"P1D"}}}""")]
    [InlineData("""{"behavior":{"event":"purchase","aggregate":"last","window":"P365D","op":"within","value":"P30D"}}""")]
    public void Should_agree_on_valid_rules(string rule)
    {
        Assert.Empty(SchemaErrors(rule).Select(e => e.ToString()));
        Assert.Empty(ParserErrors(rule).Select(e => $"{e.Path} {e.Code}"));
    }

    [Theory]
    [InlineData("""[{"field":"name","op":"exists"}]""")] // not an object
    [InlineData("""{"all":[]}""")] // empty group
    [InlineData("""{"all":[{"field":"name","op":"exists"}],"any":[{"field":"name","op":"exists"}]}""")] // two groups in one object
    [InlineData("""{"field":"name","op":"like","value":"A"}""")] // unknown operator
    [InlineData("""{"field":"name","op":"eq"}""")] // no value
    [InlineData("""{"field":"name","op":"eq","value":"A","extra":1}""")] // unknown property
    [InlineData("""{"field":"name.","op":"eq","value":"A"}""")] // not a path
    [InlineData("""{"field":"name","op":"in","value":[]}""")] // empty list
    [InlineData("""{"field":"name","op":"between","value":["a"]}""")] // one bound
    [InlineData("""{"field":"name","op":"exists","value":"yes"}""")] // exists takes a boolean
    [InlineData("""{"field":"lastLogin","op":"within","value":"P1M"}""")] // months vary
    [InlineData("""{"field":"lastLogin","op":"gt","value":{"ago":"P1Y"}}""")] // years vary
    [InlineData("""{"field":"lastLogin","op":"gt","value":{"ago":"P1D","extra":1}}""")]
    [InlineData("""{"behavior":{"event":"purchase","aggregate":"sum","op":"gt","value":1}}""")] // sum needs a property
    [InlineData("""{"behavior":{"event":"purchase","aggregate":"count","property":"amount","op":"gt","value":1}}""")]
    [InlineData("""{"behavior":{"event":"purchase","aggregate":"median","property":"amount","op":"gt","value":1}}""")]
    [InlineData("""{"behavior":{"event":"purchase","aggregate":"Sum","property":"amount","op":"gt","value":1}}""")]
    [InlineData("""{"behavior":{"event":"Purchase","aggregate":"count","op":"gt","value":1}}""")]
    [InlineData("""{"behavior":{"event":"purchase","aggregate":"count","op":"gt","value":"1"}}""")]
    [InlineData("""{"behavior":{"event":"purchase","aggregate":"count","op":"between","value":[1]}}""")]
    [InlineData("""{"behavior":{"event":"purchase","aggregate":"count","op":"contains","value":1}}""")]
    [InlineData("""{"behavior":{"event":"purchase","aggregate":"sum","property":"order.amount","op":"gt","value":1}}""")]
    [InlineData("""{"behavior":{"event":"purchase","aggregate":"last","op":"gt","value":"P1D"}}""")] // gt takes {ago}
    [InlineData("""{"behavior":{"event":"purchase","aggregate":"last","op":"eq","value":{"ago":"P1D"}}}""")]
    [InlineData("""{"behavior":{"event":"purchase","aggregate":"count","op":"gt","value":1},"field":"name"}""")]
    public void Should_agree_on_rules_of_the_wrong_shape(string rule)
    {
        Assert.NotEmpty(SchemaErrors(rule));
        Assert.NotEmpty(ParserErrors(rule));
    }

    /// <summary>What only the customer schema of the moment can tell: the schema accepts the shape, the parser refuses it.</summary>
    [Theory]
    [InlineData("""{"field":"nickname","op":"eq","value":"x"}""", "/criteria/field", "unknown-field")]
    [InlineData("""{"field":"loyaltyTier","op":"eq","value":"diamond"}""", "/criteria/value", "enum")]
    [InlineData("""{"field":"preferences.newsletter","op":"gt","value":true}""", "/criteria/op", "operator")]
    [InlineData("""{"field":"name","op":"within","value":"P1D"}""", "/criteria/op", "operator")]
    [InlineData("""{"field":"name","op":"regex","value":"(unclosed"}""", "/criteria/value", "pattern")]
    [InlineData("""{"field":"lastLogin","op":"between","value":["2026-12-01","2026-01-01"]}""", "/criteria/value", "range")]
    [InlineData("""{"field":"segmentMembership.segment","op":"eq","value":"vip"}""", "/criteria/field", "not-allowed")]
    [InlineData(
        """{"behavior":{"event":"segment.exited","aggregate":"count","op":"gte","value":1}}""",
        "/criteria/behavior/event",
        "not-allowed"
    )]
    public void Should_leave_to_the_parser_what_depends_on_the_customer_schema(string rule, string pointer, string code)
    {
        Assert.Empty(SchemaErrors(rule).Select(e => e.ToString()));
        Assert.Contains(ParserErrors(rule), e => e.Path == pointer && e.Code == code);
    }
}
