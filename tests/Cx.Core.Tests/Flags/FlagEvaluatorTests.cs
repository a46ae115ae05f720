using Cx.Core.Flags;
using static Cx.Core.Tests.Flags.FlagTestData;

namespace Cx.Core.Tests.Flags;

public sealed class FlagEvaluatorTests
{
    private sealed class Stored(int flagIndex, int variation) : IFlagExposureView
    {
        public int Find(int index) => index == flagIndex ? variation : -1;
    }

    private static string Gold(string fallthrough = """{"variation":"off"}""") =>
        $$$$"""
            {"key":"gold-only","name":"Gold","valueType":"boolean","enabled":true,"offVariation":"off","variations":{{{{BooleanVariations}}}},
             "rules":[{"criteria":{"field":"loyaltyTier","op":"eq","value":"gold"},"serve":{"variation":"on"}}],
             "fallthrough":{{{{fallthrough}}}}}
            """;

    [Fact]
    public void Should_serve_the_off_variation_when_disabled()
    {
        var set = Set(Gold().Replace("\"enabled\":true", "\"enabled\":false", StringComparison.Ordinal));
        var result = FlagEvaluator.Evaluate(set, 0, Context(set, "c1", """{"loyaltyTier":"gold"}"""));
        Assert.Equal((1, FlagReason.Disabled), (result.Variation, result.Reason));
    }

    private sealed class Switches(bool off) : IFlagSwitches
    {
        public bool IsOff(int flagIndex) => off;
    }

    [Fact]
    public void Should_serve_the_off_variation_while_the_content_switch_is_not_on()
    {
        var set = Set(
            Gold()
                .Replace(
                    "\"rules\"",
                    "\"contentSwitch\":{\"contentType\":\"landing\",\"path\":\"/hero/flag_active\"},\"rules\"",
                    StringComparison.Ordinal
                )
        );
        // The set knows it has a switch (evaluation reads entries only then).
        Assert.True(set.AnyContentSwitch);
        Assert.False(Set(Gold()).AnyContentSwitch);
        var facts = Context(set, "c1", """{"loyaltyTier":"gold"}""");
        FlagContext With(IFlagSwitches? switches) => new(facts.UnitId, facts.Facts, null, 0, null, switches);
        Assert.Equal(FlagReason.Disabled, FlagEvaluator.Evaluate(set, 0, With(new Switches(off: true))).Reason);
        Assert.Equal(FlagReason.Disabled, FlagEvaluator.Evaluate(set, 0, With(null)).Reason);
        Assert.Equal(
            (0, FlagReason.TargetingMatch),
            (
                FlagEvaluator.Evaluate(set, 0, With(new Switches(off: false))).Variation,
                FlagEvaluator.Evaluate(set, 0, With(new Switches(off: false))).Reason
            )
        );
    }

    [Fact]
    public void Should_serve_the_rule_that_matches_the_context()
    {
        var set = Set(Gold());
        var gold = FlagEvaluator.Evaluate(set, 0, Context(set, "c1", """{"loyaltyTier":"gold"}"""));
        var silver = FlagEvaluator.Evaluate(set, 0, Context(set, "c1", """{"loyaltyTier":"silver"}"""));
        Assert.Equal((0, FlagReason.TargetingMatch, 0), (gold.Variation, gold.Reason, gold.Rule));
        Assert.Equal((1, FlagReason.Default, -1), (silver.Variation, silver.Reason, silver.Rule));
    }

    [Fact]
    public void Should_require_every_segment_of_a_rule()
    {
        var set = Set(
            $$$$"""
            {"key":"vip","name":"V","valueType":"boolean","enabled":true,"offVariation":"off","variations":{{{{BooleanVariations}}}},
             "rules":[{"segments":["vip","eu"],"serve":{"variation":"on"}}],"fallthrough":{"variation":"off"}}
            """
        );
        Assert.Equal("on", Serve(set, "vip", Context(set, "c1", segments: new HashSet<string> { "vip", "eu", "x" })));
        Assert.Equal("off", Serve(set, "vip", Context(set, "c1", segments: new HashSet<string> { "vip" })));
        Assert.Equal("off", Serve(set, "vip", Context(set, "c1")));
    }

    [Fact]
    public void Should_serve_the_off_variation_when_a_prerequisite_serves_another_variation()
    {
        var set = Set(
            Gold(),
            $$$$"""
            {"key":"child","name":"C","valueType":"string","enabled":true,"offVariation":"none",
             "variations":[{"key":"none","value":"none"},{"key":"shiny","value":"shiny"}],
             "prerequisites":[{"flag":"gold-only","variation":"on"}],"fallthrough":{"variation":"shiny"}}
            """
        );
        Assert.Equal("shiny", Serve(set, "child", Context(set, "c1", """{"loyaltyTier":"gold"}""")));
        var failed = FlagEvaluator.Evaluate(set, set.IndexOf("child"), Context(set, "c1", """{"loyaltyTier":"bronze"}"""));
        Assert.Equal((0, FlagReason.PrerequisiteFailed), (failed.Variation, failed.Reason));
    }

    [Fact]
    public void Should_fail_a_prerequisite_that_is_not_published()
    {
        var set = Set(
            $$$$"""
            {"key":"child","name":"C","valueType":"boolean","enabled":true,"offVariation":"off","variations":{{{{BooleanVariations}}}},
             "prerequisites":[{"flag":"missing","variation":"on"}],"fallthrough":{"variation":"on"}}
            """
        );
        Assert.Equal(FlagReason.PrerequisiteFailed, FlagEvaluator.Evaluate(set, 0, Context(set, "c1")).Reason);
    }

    private static string Rollout(int coverage) =>
        $$$$"""
            {"key":"rollout","name":"R","valueType":"boolean","enabled":true,"offVariation":"off","variations":{{{{BooleanVariations}}}},
             "fallthrough":{"rollout":{"coverage":{{{{coverage}}}},"weights":[{"variation":"on","weight":10000}]}}}
            """;

    [Fact]
    public void Should_include_exactly_the_units_whose_bucket_is_below_the_coverage()
    {
        var set = Set(Rollout(2500));
        for (var i = 0; i < 2000; i++)
        {
            var unit = "u" + i;
            var result = FlagEvaluator.Evaluate(set, 0, Context(set, unit));
            var included = FlagBuckets.Bucket("rollout", unit) < 2500;
            Assert.Equal(included ? 0 : 1, result.Variation);
            Assert.Equal(included ? FlagReason.Split : FlagReason.Default, result.Reason);
            Assert.Equal(included, result.NewExposure);
        }
    }

    [Fact]
    public void Should_keep_a_stored_exposure_when_the_rollout_is_lowered()
    {
        var unit = Enumerable.Range(0, 1000).Select(i => "u" + i).First(u => FlagBuckets.Bucket("rollout", u) is >= 1000 and < 5000);
        var wide = Set(Rollout(5000));
        Assert.Equal("on", Serve(wide, "rollout", Context(wide, unit)));
        var narrow = Set(Rollout(1000));
        Assert.Equal("off", Serve(narrow, "rollout", Context(narrow, unit)));
        var kept = FlagEvaluator.Evaluate(narrow, 0, Context(narrow, unit, exposures: new Stored(0, 0)));
        Assert.Equal((0, FlagReason.Split, false), (kept.Variation, kept.Reason, kept.NewExposure));
    }

    [Fact]
    public void Should_need_a_targeting_key_for_a_rollout()
    {
        var set = Set(Rollout(10000));
        var result = FlagEvaluator.Evaluate(set, 0, Context(set, null));
        Assert.Equal((-1, FlagReason.Error, FlagErrorCode.TargetingKeyMissing), (result.Variation, result.Reason, result.Error));
    }

    [Fact]
    public void Should_split_units_by_the_weights()
    {
        var set = Set(
            """
            {"key":"abc","name":"ABC","valueType":"json","enabled":true,"offVariation":"a",
             "variations":[{"key":"a","value":{"c":"red"}},{"key":"b","value":{"c":"blue"}},{"key":"c","value":{"c":"green"}}],
             "fallthrough":{"rollout":{"weights":[{"variation":"a","weight":5000},{"variation":"b","weight":3000},{"variation":"c","weight":2000}]}}}
            """
        );
        var counts = new int[3];
        for (var i = 0; i < 50_000; i++)
        {
            counts[FlagEvaluator.Evaluate(set, 0, Context(set, "unit-" + i)).Variation]++;
        }
        double[] expected = [25_000, 15_000, 10_000];
        var chi = counts.Select((c, i) => Math.Pow(c - expected[i], 2) / expected[i]).Sum();
        Assert.True(chi < 13.82, $"chi-square {chi:F2} (2 degrees of freedom, 0.999 quantile 13.82): {string.Join(",", counts)}");
    }
}
