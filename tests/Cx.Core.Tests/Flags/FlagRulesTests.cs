using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Flags;
using Cx.Core.Tests.Content;
using static Cx.Core.Tests.Flags.FlagTestData;

namespace Cx.Core.Tests.Flags;

public sealed class FlagRulesTests
{
    /// <summary>Other flags by key with their prerequisites; segments vip and eu exist.</summary>
    private sealed class Lookup(Dictionary<string, string[]> prerequisites) : FlagRules.ILookup
    {
        public IReadOnlyList<string>? VariationsOf(string flagKey) => prerequisites.ContainsKey(flagKey) ? ["on", "off"] : null;

        public IEnumerable<string> PrerequisitesOf(string flagKey) => prerequisites.GetValueOrDefault(flagKey) ?? [];

        public bool SegmentExists(string segmentKey) => segmentKey is "vip" or "eu";

        public ContentSchema? ContentTypeSchema(string typeKey) =>
            typeKey switch
            {
                "landing" => Landing,
                "article" => Article,
                _ => null,
            };
    }

    private static readonly ComponentDefinition Promo = new()
    {
        Key = "promo",
        DisplayName = "Promo",
        Fields = [SchemaBuilder.Field("flag_active", FieldType.Boolean), SchemaBuilder.Field("title", FieldType.String)],
    };

    /// <summary>A single type with a promo component, a repeatable list of promos and a boolean outside any component.</summary>
    private static readonly ContentSchema Landing = SchemaBuilder.For(
        SchemaBuilder.Type(
            "landing",
            new FieldDefinition
            {
                Name = "hero",
                Type = FieldType.Component,
                Component = "promo",
            },
            new FieldDefinition
            {
                Name = "promos",
                Type = FieldType.Component,
                Component = "promo",
                Repeatable = true,
                MaxItems = 5,
            },
            SchemaBuilder.Field("flag_active", FieldType.Boolean)
        ) with
        {
            Kind = ContentKind.Single,
        },
        Promo
    );

    private static readonly ContentSchema Article = SchemaBuilder.For(
        SchemaBuilder.Type(
            "article",
            new FieldDefinition
            {
                Name = "hero",
                Type = FieldType.Component,
                Component = "promo",
            }
        ),
        Promo
    );

    private static IReadOnlyList<FieldError> Errors(string json, Dictionary<string, string[]>? others = null)
    {
        try
        {
            FlagRules.Validate(Flag(json), SchemaBuilder.Customer(), new Lookup(others ?? []));
            return [];
        }
        catch (ValidationException ex)
        {
            return ex.Errors;
        }
    }

    private static string Valid(string extra = "") =>
        $$$$"""{"key":"f","name":"F","valueType":"boolean","offVariation":"off","variations":{{{{BooleanVariations}}}}{{{{extra}}}}}""";

    [Fact]
    public void Should_accept_a_valid_flag() =>
        Assert.Empty(
            Errors(
                Valid(
                    """
                    ,"enabled":true,"prerequisites":[{"flag":"a","variation":"on"}],
                    "rules":[{"criteria":{"field":"loyaltyTier","op":"eq","value":"gold"},"segments":["vip"],"serve":{"variation":"on"}}],
                    "fallthrough":{"rollout":{"coverage":2500,"weights":[{"variation":"on","weight":6000},{"variation":"off","weight":4000}]}}
                    """
                ),
                new() { ["a"] = [] }
            )
        );

    [Theory]
    [InlineData("""{"key":"Bad Key","name":"F","offVariation":"on","variations":[{"key":"on","value":true}]}""", "/key", "key")]
    [InlineData("""{"key":"f","name":"","offVariation":"on","variations":[{"key":"on","value":true}]}""", "/name", "name")]
    [InlineData("""{"key":"f","name":"F","offVariation":"on","variations":[]}""", "/variations", "required")]
    [InlineData("""{"key":"f","name":"F","offVariation":"on","variations":[{"key":"on","value":"yes"}]}""", "/variations/0/value", "type")]
    [InlineData(
        """{"key":"f","name":"F","valueType":"number","offVariation":"on","variations":[{"key":"on","value":true}]}""",
        "/variations/0/value",
        "type"
    )]
    [InlineData(
        """{"key":"f","name":"F","valueType":"json","offVariation":"on","variations":[{"key":"on","value":[1]}]}""",
        "/variations/0/value",
        "type"
    )]
    [InlineData(
        """{"key":"f","name":"F","offVariation":"on","variations":[{"key":"on","value":true},{"key":"on","value":false}]}""",
        "/variations/1/key",
        "duplicate"
    )]
    [InlineData("""{"key":"f","name":"F","offVariation":"on","variations":[{"key":"on"}]}""", "/variations/0/value", "required")]
    [InlineData(
        """{"key":"f","name":"F","offVariation":"gone","variations":[{"key":"on","value":true}]}""",
        "/offVariation",
        "unknown-variation"
    )]
    public void Should_point_at_the_bad_property(string json, string pointer, string code) =>
        Assert.Contains(Errors(json), e => e.Path == pointer && e.Code == code);

    [Theory]
    [InlineData(""","rules":[{"serve":{"variation":"on"}}]""", "/rules/0", "required")]
    [InlineData(""","rules":[{"segments":["vip"]}]""", "/rules/0/serve", "required")]
    [InlineData(""","rules":[{"segments":["nobody"],"serve":{"variation":"on"}}]""", "/rules/0/segments/0", "unknown-segment")]
    [InlineData(
        ""","rules":[{"criteria":{"field":"nope","op":"eq","value":1},"serve":{"variation":"on"}}]""",
        "/rules/0/criteria/field",
        null
    )]
    [InlineData(
        ""","rules":[{"criteria":{"behavior":{"event":"purchase","aggregate":"count","window":"P30D","op":"gt","value":1}},"serve":{"variation":"on"}}]""",
        "/rules/0/criteria",
        "not-allowed"
    )]
    [InlineData(""","rules":[{"segments":["vip"],"serve":{"variation":"maybe"}}]""", "/rules/0/serve/variation", "unknown-variation")]
    [InlineData(
        ""","fallthrough":{"variation":"on","rollout":{"weights":[{"variation":"on","weight":10000}]}}""",
        "/fallthrough",
        "one-of"
    )]
    [InlineData(""","fallthrough":{}""", "/fallthrough", "one-of")]
    [InlineData(""","fallthrough":{"rollout":{"weights":[{"variation":"on","weight":6000}]}}""", "/fallthrough/rollout/weights", "sum")]
    [InlineData(""","fallthrough":{"rollout":{"weights":[]}}""", "/fallthrough/rollout/weights", "required")]
    [InlineData(
        ""","fallthrough":{"rollout":{"coverage":10001,"weights":[{"variation":"on","weight":10000}]}}""",
        "/fallthrough/rollout/coverage",
        "range"
    )]
    [InlineData(
        ""","fallthrough":{"rollout":{"weights":[{"variation":"on","weight":-1},{"variation":"off","weight":10001}]}}""",
        "/fallthrough/rollout/weights/0/weight",
        "range"
    )]
    [InlineData(
        ""","fallthrough":{"rollout":{"weights":[{"variation":"on","weight":5000},{"variation":"on","weight":5000}]}}""",
        "/fallthrough/rollout/weights/1/variation",
        "duplicate"
    )]
    [InlineData(
        ""","fallthrough":{"rollout":{"weights":[{"variation":"x","weight":10000}]}}""",
        "/fallthrough/rollout/weights/0/variation",
        "unknown-variation"
    )]
    [InlineData(""","prerequisites":[{"flag":"f","variation":"on"}]""", "/prerequisites/0/flag", "cycle")]
    [InlineData(""","prerequisites":[{"flag":"ghost","variation":"on"}]""", "/prerequisites/0/flag", "unknown-flag")]
    [InlineData(""","prerequisites":[{"flag":"a","variation":"maybe"}]""", "/prerequisites/0/variation", "unknown-variation")]
    [InlineData(""","prerequisites":[{"flag":"a","variation":"on"},{"flag":"a","variation":"on"}]""", "/prerequisites/1/flag", "duplicate")]
    public void Should_point_into_rules_serves_and_prerequisites(string extra, string pointer, string? code) =>
        Assert.Contains(
            Errors(Valid(extra), new() { ["a"] = [] }),
            e => e.Path.StartsWith(pointer, StringComparison.Ordinal) && (code is null || e.Code == code)
        );

    [Theory]
    [InlineData(""","contentSwitch":{"contentType":"landing","path":"/hero/flag_active"}""", null, null)]
    [InlineData(""","contentSwitch":{"contentType":"article","entry":"a1","path":"/hero/flag_active"}""", null, null)]
    [InlineData(
        ""","contentSwitch":{"contentType":"nope","path":"/hero/flag_active"}""",
        "/contentSwitch/contentType",
        "unknown-content-type"
    )]
    [InlineData(
        ""","contentSwitch":{"contentType":"landing","entry":"x","path":"/hero/flag_active"}""",
        "/contentSwitch/entry",
        "not-allowed"
    )]
    [InlineData(""","contentSwitch":{"contentType":"article","path":"/hero/flag_active"}""", "/contentSwitch/entry", "required")]
    [InlineData(""","contentSwitch":{"contentType":"landing","path":"/hero/title"}""", "/contentSwitch/path", "path")]
    [InlineData(""","contentSwitch":{"contentType":"landing","path":"/flag_active"}""", "/contentSwitch/path", "path")]
    [InlineData(""","contentSwitch":{"contentType":"landing","path":"/promos/flag_active"}""", "/contentSwitch/path", "path")]
    [InlineData(""","contentSwitch":{"contentType":"landing","path":"/missing/flag_active"}""", "/contentSwitch/path", "path")]
    [InlineData(""","contentSwitch":{"contentType":"landing","path":"hero/flag_active"}""", "/contentSwitch/path", "path")]
    public void Should_take_a_flag_active_switch_only_on_a_component(string extra, string? pointer, string? code)
    {
        var errors = Errors(Valid(extra));
        if (pointer is null)
        {
            Assert.Empty(errors);
        }
        else
        {
            Assert.Contains(errors, e => e.Path == pointer && e.Code == code);
        }
    }

    [Fact]
    public void Should_refuse_a_prerequisite_that_closes_a_cycle()
    {
        // f -> a -> b -> f
        var errors = Errors(Valid(""","prerequisites":[{"flag":"a","variation":"on"}]"""), new() { ["a"] = ["b"], ["b"] = ["f"] });
        var cycle = Assert.Single(errors);
        Assert.Equal(("/prerequisites/0/flag", "cycle"), (cycle.Path, cycle.Code));
        Assert.Contains("f -> a -> b -> f", cycle.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_accept_a_shared_prerequisite_that_is_no_cycle() =>
        Assert.Empty(
            Errors(
                Valid(""","prerequisites":[{"flag":"a","variation":"on"},{"flag":"b","variation":"on"}]"""),
                new()
                {
                    ["a"] = ["c"],
                    ["b"] = ["c"],
                    ["c"] = [],
                }
            )
        );
}
