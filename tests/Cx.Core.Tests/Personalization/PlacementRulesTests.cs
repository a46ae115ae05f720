using System.Text.Json;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Personalization;
using static Cx.Core.Tests.Personalization.DecisionEngineTests;

namespace Cx.Core.Tests.Personalization;

/// <summary>What a placement must satisfy at save: every problem with its JSON Pointer.</summary>
public sealed class PlacementRulesTests
{
    private static readonly ContentType Banner = new()
    {
        Key = "banner",
        DisplayName = "Banner",
        Fields = [new FieldDefinition { Name = "title", Type = FieldType.String }],
    };

    private static PlacementDefinition Valid() =>
        Placement(PlacementStrategy.FirstMatch, "default", Variant("default"), Variant("vip", priority: 5, segments: ["big-spenders"]));

    private static IReadOnlyList<FieldError> Errors(PlacementDefinition placement, ContentType? type = null) =>
        Assert.Throws<ValidationException>(() => PlacementRules.Validate(placement, type ?? Banner, Schema)).Errors;

    private static JsonLiteral Json(string json) => JsonLiteral.From(JsonDocument.Parse(json).RootElement);

    [Fact]
    public void Should_accept_a_valid_placement_and_default_the_score_threshold()
    {
        Assert.Equal(Valid(), PlacementRules.Validate(Valid(), Banner, Schema));
        var scored = PlacementRules.Validate(Valid() with { Strategy = PlacementStrategy.Score }, Banner, Schema);
        Assert.Equal(0.5, scored.Threshold);
    }

    [Fact]
    public void Should_point_at_an_unknown_or_unservable_content_type()
    {
        var unknown = Errors(Valid() with { ContentType = "nope" }, type: null!);
        Assert.Contains(unknown, e => e.Path == "/contentType" && e.Code == "unknown-content-type");
        Assert.Contains(
            Errors(Valid() with { ContentType = "customer" }, Customer.Type),
            e => e.Path == "/contentType" && e.Code == "not-servable"
        );
        Assert.Contains(
            Errors(Valid() with { ContentType = "single" }, Banner with { Key = "single", Kind = ContentKind.Single }),
            e => e.Path == "/contentType" && e.Code == "not-servable"
        );
    }

    [Fact]
    public void Should_point_into_an_invalid_rule()
    {
        var placement = Valid() with
        {
            Variants =
            [
                Variant("default"),
                Variant("bad") with
                {
                    Targeting = new VariantTargeting { Rule = Json("""{"all":[{"field":"request.planet","op":"eq","value":"mars"}]}""") },
                },
            ],
        };
        var error = Assert.Single(Errors(placement));
        Assert.Equal("/variants/1/targeting/rule/all/0/field", error.Path);
        Assert.Equal("unknown-field", error.Code);
    }

    [Fact]
    public void Should_refuse_behaviour_conditions_in_placement_rules()
    {
        var placement = Valid() with
        {
            Variants =
            [
                Variant("default"),
                Variant("b") with
                {
                    Targeting = new VariantTargeting
                    {
                        Rule = Json("""{"behavior":{"event":"purchase","aggregate":"count","op":"gte","value":1}}"""),
                    },
                },
            ],
        };
        Assert.Contains(Errors(placement), e => e.Path == "/variants/1/targeting/rule" && e.Code == "behavior-not-allowed");
    }

    [Fact]
    public void Should_point_at_bad_weights_keys_and_targeting_values()
    {
        var placement = Valid() with
        {
            Variants =
            [
                Variant("default"),
                Variant("default", weight: -1),
                Variant("x", weight: 20_000, segments: ["Not A Key"], devices: ["watch"], languages: ["p"]) with
                {
                    Entry = "",
                },
            ],
        };
        var errors = Errors(placement);
        Assert.Contains(errors, e => e.Path == "/variants/1/key" && e.Code == "duplicate");
        Assert.Contains(errors, e => e.Path == "/variants/1/weight");
        Assert.Contains(errors, e => e.Path == "/variants/2/weight");
        Assert.Contains(errors, e => e.Path == "/variants/2/entry");
        Assert.Contains(errors, e => e.Path == "/variants/2/targeting/segments/0");
        Assert.Contains(errors, e => e.Path == "/variants/2/targeting/devices/0");
        Assert.Contains(errors, e => e.Path == "/variants/2/targeting/languages/0");
    }

    [Fact]
    public void Should_require_a_positive_weight_under_the_weighted_strategy()
    {
        var placement = Valid() with
        {
            Strategy = PlacementStrategy.Weighted,
            Variants = [Variant("a", weight: 0), Variant("b", weight: 0)],
        };
        Assert.Contains(Errors(placement with { Fallback = null }), e => e.Path == "/variants" && e.Code == "weights");
    }

    [Fact]
    public void Should_check_key_name_threshold_fallback_and_holdout()
    {
        var errors = Errors(
            Valid() with
            {
                Key = "Homepage..hero",
                Name = "",
                Threshold = 0.3,
                Fallback = "ghost",
                Holdout = new PlacementHoldout { Percent = 80, Variant = "nobody" },
            }
        );
        Assert.Contains(errors, e => e.Path == "/key");
        Assert.Contains(errors, e => e.Path == "/name");
        Assert.Contains(errors, e => e.Path == "/threshold" && e.Code == "not-applicable");
        Assert.Contains(errors, e => e.Path == "/fallback" && e.Code == "unknown-variant");
        Assert.Contains(errors, e => e.Path == "/holdout/percent");
        Assert.Contains(errors, e => e.Path == "/holdout/variant");
        Assert.Contains(
            Errors(Valid() with { Strategy = PlacementStrategy.Score, Threshold = 1.5 }),
            e => e.Path == "/threshold" && e.Code == "range"
        );
        Assert.Contains(
            Errors(
                Valid() with
                {
                    Holdout = new PlacementHoldout { Percent = 10, Variant = "default" },
                }
            ),
            e => e.Path == "/holdout/variant" && e.Code == "control-is-fallback"
        );
        Assert.Contains(Errors(Valid() with { Variants = [], Fallback = null }), e => e.Path == "/variants" && e.Code == "min-items");
    }

    [Theory]
    [InlineData("homepage.hero", true)]
    [InlineData("checkout", true)]
    [InlineData("app.home.top-banner", true)]
    [InlineData("Homepage.hero", false)]
    [InlineData("homepage.", false)]
    [InlineData(".hero", false)]
    [InlineData("a.b.c.d.e.f", false)]
    public void Should_accept_dotted_lower_case_keys(string key, bool valid) => Assert.Equal(valid, PlacementRules.IsPlacementKey(key));
}
