using System.Globalization;
using System.Text.Json;
using Cx.Core.Common;
using Cx.Core.Rules;
using Cx.Core.Tests.Content;

namespace Cx.Core.Tests.Rules;

public sealed class RuleEngineTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static long NowMs => Now.ToUnixTimeMilliseconds();

    private const string Profile = """
        {"id":"c1","email":"ana@example.com","name":"Ana Silva","loyaltyTier":"gold","lastLogin":"2026-11-20T12:00:00.000Z",
         "preferences":{"language":"pt-PT","newsletter":true},
         "interactionHistory":[{"at":"2026-11-01T00:00:00.000Z","kind":"purchase"},{"at":"2026-11-10T00:00:00.000Z","kind":"page_view"}],
         "segmentMembership":[{"segment":"vip","since":"2026-01-01T00:00:00.000Z"}]}
        """;

    private static Condition Parse(string json) => RuleParser.Parse(JsonDocument.Parse(json).RootElement, SchemaBuilder.Customer());

    private static bool Evaluate(string rule, string profile = Profile, params (BehaviorKey Key, double Value)[] behaviors)
    {
        var condition = Parse(rule);
        var slots = new RuleSlots(SchemaBuilder.Customer());
        var compiled = RuleCompiler.Compile(condition, slots);
        var facts = slots.Load(JsonDocument.Parse(profile).RootElement, "c1");
        foreach (var (key, value) in behaviors)
        {
            facts.Behaviors[slots.Behavior(key)] = value;
        }
        var result = compiled(facts, NowMs);
        Assert.Equal(result, RuleExplainer.Explain(condition, slots, facts, NowMs).Result);
        return result;
    }

    [Theory]
    [InlineData("""{"field":"loyaltyTier","op":"eq","value":"gold"}""", true)]
    [InlineData("""{"field":"loyaltyTier","op":"ne","value":"gold"}""", false)]
    [InlineData("""{"field":"loyaltyTier","op":"in","value":["silver","gold"]}""", true)]
    [InlineData("""{"field":"loyaltyTier","op":"nin","value":["silver","gold"]}""", false)]
    [InlineData("""{"field":"email","op":"eq","value":"ANA@example.com"}""", true)]
    [InlineData("""{"field":"name","op":"contains","value":"Silva"}""", true)]
    [InlineData("""{"field":"name","op":"startsWith","value":"Silva"}""", false)]
    [InlineData("""{"field":"name","op":"regex","value":"^Ana\\s"}""", true)]
    [InlineData("""{"field":"name","op":"gt","value":"Ana"}""", true)]
    [InlineData("""{"field":"lastLogin","op":"gte","value":"2026-11-20T12:00:00Z"}""", true)]
    [InlineData("""{"field":"lastLogin","op":"gt","value":"2026-11-20T12:00:00Z"}""", false)]
    [InlineData("""{"field":"lastLogin","op":"between","value":["2026-11-01","2026-11-30"]}""", true)]
    [InlineData("""{"field":"preferences.newsletter","op":"eq","value":true}""", true)]
    [InlineData("""{"field":"preferences.language","op":"exists"}""", true)]
    [InlineData("""{"field":"phone","op":"exists","value":false}""", true)]
    [InlineData("""{"field":"interactionHistory.kind","op":"eq","value":"purchase"}""", true)]
    [InlineData("""{"field":"interactionHistory.kind","op":"ne","value":"purchase"}""", false)]
    [InlineData("""{"field":"segmentMembership.segment","op":"in","value":["vip"]}""", true)]
    [InlineData("""{"field":"interactionHistory","op":"exists"}""", true)]
    public void Should_apply_every_operator(string rule, bool expected) => Assert.Equal(expected, Evaluate(rule));

    [Theory]
    [InlineData("""{"field":"phone","op":"eq","value":"+351"}""", false)]
    [InlineData("""{"field":"phone","op":"ne","value":"+351"}""", true)]
    [InlineData("""{"field":"phone","op":"nin","value":["+351"]}""", true)]
    [InlineData("""{"field":"phone","op":"gt","value":""}""", false)]
    [InlineData("""{"field":"phone","op":"contains","value":"3"}""", false)]
    [InlineData("""{"not":{"field":"phone","op":"eq","value":"+351"}}""", true)]
    public void Should_match_a_missing_field_only_with_ne_nin_and_negation(string rule, bool expected) =>
        Assert.Equal(expected, Evaluate(rule));

    [Fact]
    public void Should_combine_with_all_any_and_not()
    {
        Assert.True(
            Evaluate(
                """{"all":[{"field":"loyaltyTier","op":"eq","value":"gold"},{"any":[{"field":"preferences.language","op":"eq","value":"en"},{"field":"preferences.language","op":"eq","value":"pt-PT"}]}]}"""
            )
        );
        Assert.False(
            Evaluate(
                """{"all":[{"field":"loyaltyTier","op":"eq","value":"gold"},{"not":{"field":"preferences.newsletter","op":"eq","value":true}}]}"""
            )
        );
    }

    [Theory]
    // lastLogin is 2026-11-20T12:00Z, now is 2026-11-25T12:00Z: exactly 5 days ago.
    [InlineData("P5D", false)]
    [InlineData("P6D", true)]
    [InlineData("PT120H1S", true)]
    public void Should_cut_relative_windows_exactly_at_their_boundary(string window, bool expected)
    {
        Assert.Equal(expected, Evaluate($$"""{"field":"lastLogin","op":"within","value":"{{window}}"}"""));
        // gte "now - 5 days" includes the boundary itself; gt excludes it.
        Assert.True(Evaluate("""{"field":"lastLogin","op":"gte","value":{"ago":"P5D"}}"""));
        Assert.False(Evaluate("""{"field":"lastLogin","op":"gt","value":{"ago":"P5D"}}"""));
        Assert.True(Evaluate("""{"field":"lastLogin","op":"between","value":[{"ago":"P30D"},{"ago":"P1D"}]}"""));
        Assert.False(Evaluate("""{"field":"lastLogin","op":"between","value":[{"ago":"P30D"},{"ago":"P6D"}]}"""));
    }

    [Fact]
    public void Should_not_count_a_future_instant_as_within_the_last_days()
    {
        var future = Profile.Replace("2026-11-20T12:00:00.000Z", "2026-11-26T12:00:00.000Z", StringComparison.Ordinal);
        Assert.False(Evaluate("""{"field":"lastLogin","op":"within","value":"P30D"}""", future));
    }

    [Fact]
    public void Should_compare_behaviour_aggregates()
    {
        var spend = new BehaviorKey("purchase", BehaviorFunction.Sum, "amount", TimeSpan.FromDays(90));
        const string rule =
            """{"behavior":{"event":"purchase","aggregate":"sum","property":"amount","window":"P90D","op":"gt","value":500}}""";
        Assert.True(Evaluate(rule, behaviors: (spend, 500.01)));
        Assert.False(Evaluate(rule, behaviors: (spend, 500)));
        Assert.False(Evaluate(rule));

        var categories = new BehaviorKey("page_view", BehaviorFunction.Distinct, "category", TimeSpan.FromDays(7));
        Assert.True(
            Evaluate(
                """{"behavior":{"event":"page_view","aggregate":"distinct","property":"category","window":"P7D","op":"gte","value":3}}""",
                behaviors: (categories, 3)
            )
        );

        var abandoned = new BehaviorKey("cart_abandoned", BehaviorFunction.Count, null, TimeSpan.FromHours(24));
        Assert.True(
            Evaluate(
                """{"behavior":{"event":"cart_abandoned","aggregate":"count","window":"PT24H","op":"gte","value":1}}""",
                behaviors: (abandoned, 1)
            )
        );
        Assert.True(
            Evaluate(
                """{"behavior":{"event":"cart_abandoned","aggregate":"count","window":"PT24H","op":"between","value":[1,2]}}""",
                behaviors: (abandoned, 2)
            )
        );

        var last = new BehaviorKey("purchase", BehaviorFunction.Last, null, null);
        const string lastWithinWeek = """{"behavior":{"event":"purchase","aggregate":"last","op":"within","value":"P7D"}}""";
        Assert.True(Evaluate(lastWithinWeek, behaviors: (last, Now.AddDays(-2).ToUnixTimeMilliseconds())));
        Assert.False(Evaluate(lastWithinWeek, behaviors: (last, Now.AddDays(-8).ToUnixTimeMilliseconds())));
        Assert.False(Evaluate(lastWithinWeek));
    }

    [Fact]
    public void Should_treat_a_catastrophic_regex_as_no_match_instead_of_hanging()
    {
        var profile = Profile.Replace("Ana Silva", new string('a', 40) + "!", StringComparison.Ordinal);
        Assert.False(Evaluate("""{"field":"name","op":"regex","value":"^(a+)+$"}""", profile));
    }

    public static TheoryData<string, string, string> InvalidRules =>
        new()
        {
            { """{"field":"nope","op":"eq","value":1}""", "/field", "unknown-field" },
            { """{"field":"loyaltyTier","op":"eq","value":"diamond"}""", "/value", "enum" },
            { """{"field":"loyaltyTier","op":"like","value":"gold"}""", "/op", "operator" },
            { """{"field":"lastLogin","op":"gt","value":"yesterday"}""", "/value", "type" },
            { """{"field":"preferences.newsletter","op":"gt","value":true}""", "/op", "operator" },
            { """{"field":"name","op":"regex","value":"(unclosed"}""", "/value", "pattern" },
            { """{"field":"name","op":"regex","value":"(a)\\1"}""", "/value", "pattern" },
            { """{"field":"name","op":"regex","value":"^(?=An)"}""", "/value", "pattern" },
            { """{"field":"lastLogin","op":"within","value":"P1M"}""", "/value", "duration" },
            { """{"field":"name","op":"within","value":"P1D"}""", "/op", "operator" },
            { """{"all":[]}""", "/all", "type" },
            { """{"all":[{"field":"name","op":"eq","value":1}]}""", "/all/0/value", "type" },
            { """{"any":[{"field":"name","op":"eq","value":"x"}],"extra":1}""", "", "shape" },
            { """{"not":{"field":"preferences","op":"eq","value":"x"}}""", "/not/op", "operator" },
            {
                """{"behavior":{"event":"purchase","aggregate":"sum","window":"P90D","op":"gt","value":500}}""",
                "/behavior/property",
                "required"
            },
            {
                """{"behavior":{"event":"purchase","aggregate":"median","property":"amount","op":"gt","value":1}}""",
                "/behavior/aggregate",
                "enum"
            },
            { """{"behavior":{"event":"Purchase!","aggregate":"count","op":"gt","value":1}}""", "/behavior/event", "required" },
            {
                """{"behavior":{"event":"purchase","aggregate":"count","window":"P90D","op":"gt","value":"five"}}""",
                "/behavior/value",
                "type"
            },
            {
                """{"behavior":{"event":"purchase","aggregate":"count","property":"amount","op":"gt","value":1}}""",
                "/behavior/property",
                "not-applicable"
            },
            { """{"field":"lastLogin","op":"between","value":["2026-12-01","2026-01-01"]}""", "/value", "range" },
            { "[1]", "", "type" },
        };

    [Theory]
    [MemberData(nameof(InvalidRules))]
    public void Should_reject_an_invalid_rule_with_the_path_of_the_problem(string rule, string pointer, string code)
    {
        var error = Assert.Throws<ValidationException>(() =>
            RuleParser.Parse(JsonDocument.Parse(rule).RootElement, SchemaBuilder.Customer(), "/criteria")
        );
        Assert.Contains(error.Errors, e => e.Path == "/criteria" + pointer && e.Code == code);
    }

    [Fact]
    public void Should_reject_rules_that_are_too_deep()
    {
        var rule = string.Concat(Enumerable.Repeat("""{"not":""", 20)) + """{"field":"name","op":"exists"}""" + new string('}', 20);
        var error = Assert.Throws<ValidationException>(() => Parse(rule));
        Assert.Contains(error.Errors, e => e.Code == "too-deep");
    }

    [Fact]
    public void Should_explain_each_condition_with_what_it_saw()
    {
        var condition = Parse(
            """{"all":[{"field":"loyaltyTier","op":"eq","value":"gold"},{"field":"lastLogin","op":"within","value":"P3D"}]}"""
        );
        var slots = new RuleSlots(SchemaBuilder.Customer());
        Assert.Throws<InvalidOperationException>(() =>
            RuleExplainer.Explain(condition, slots, slots.Load(JsonDocument.Parse(Profile).RootElement, "c1"), NowMs)
        );
        slots.Register(condition);
        var facts = slots.Load(JsonDocument.Parse(Profile).RootElement, "c1");
        var explanation = RuleExplainer.Explain(condition, slots, facts, NowMs);
        Assert.False(explanation.Result);
        Assert.Equal("all of", explanation.Condition);
        Assert.Equal(
            ("loyaltyTier eq gold", true, "gold"),
            (explanation.Children![0].Condition, explanation.Children[0].Result, explanation.Children[0].Observed)
        );
        Assert.False(explanation.Children[1].Result);
        Assert.Equal("2026-11-20T12:00:00.000Z", explanation.Children[1].Observed);
        Assert.Contains("2026-11-22T12:00:00.000Z", explanation.Children[1].Condition, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_agree_with_the_explainer_on_thousands_of_generated_profiles()
    {
        var random = new Random(7);
        string[] tiers = ["none", "bronze", "silver", "gold", "platinum"];
        string[] languages = ["en", "pt-PT", "es"];
        var rules = new[]
        {
            """{"all":[{"field":"loyaltyTier","op":"in","value":["gold","platinum"]},{"field":"lastLogin","op":"within","value":"P30D"}]}""",
            """{"any":[{"field":"preferences.language","op":"eq","value":"en"},{"not":{"field":"preferences.newsletter","op":"eq","value":true}}]}""",
            """{"all":[{"field":"name","op":"regex","value":"[AEIOU]"},{"field":"lastLogin","op":"between","value":[{"ago":"P60D"},{"ago":"P10D"}]}]}""",
            """{"field":"interactionHistory.kind","op":"nin","value":["purchase"]}""",
        };
        var slots = new RuleSlots(SchemaBuilder.Customer());
        var compiled = rules.Select(r => (Condition: Parse(r), Rule: RuleCompiler.Compile(Parse(r), slots))).ToList();
        for (var i = 0; i < 2000; i++)
        {
            var lastLogin =
                random.Next(3) == 0
                    ? "null"
                    : $"\"{Now.AddDays(-random.Next(0, 90)).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)}\"";
            var kinds = string.Join(
                ",",
                Enumerable
                    .Range(0, random.Next(0, 3))
                    .Select(_ => $$"""{"at":"2026-11-01T00:00:00.000Z","kind":"{{(random.Next(2) == 0 ? "purchase" : "page_view")}}"}""")
            );
            var profile = $$"""
                {"name":"{{(random.Next(2) == 0 ? "Ana" : "Bdx")}}","loyaltyTier":"{{tiers[random.Next(5)]}}","lastLogin":{{lastLogin}},
                 "preferences":{"language":"{{languages[random.Next(3)]}}","newsletter":{{(random.Next(2) == 0 ? "true" : "false")}}},
                 "interactionHistory":[{{kinds}}]}
                """;
            var facts = slots.Load(JsonDocument.Parse(profile).RootElement, "p" + i);
            foreach (var (condition, rule) in compiled)
            {
                Assert.Equal(RuleExplainer.Explain(condition, slots, facts, NowMs).Result, rule(facts, NowMs));
            }
        }
    }

    [Fact]
    public void Should_evaluate_without_allocating()
    {
        var condition = Parse(
            """
            {"all":[{"field":"loyaltyTier","op":"in","value":["gold","platinum"]},{"field":"lastLogin","op":"within","value":"P30D"},
                    {"field":"preferences.newsletter","op":"eq","value":true},{"field":"interactionHistory.kind","op":"eq","value":"purchase"},
                    {"behavior":{"event":"purchase","aggregate":"sum","property":"amount","window":"P90D","op":"gt","value":500}}]}
            """
        );
        var slots = new RuleSlots(SchemaBuilder.Customer());
        var rule = RuleCompiler.Compile(condition, slots);
        var facts = slots.Load(JsonDocument.Parse(Profile).RootElement, "c1");
        facts.Behaviors[0] = 600;
        Assert.True(rule(facts, NowMs));
        var before = GC.GetAllocatedBytesForCurrentThread();
        var matches = 0;
        for (var i = 0; i < 10_000; i++)
        {
            matches += rule(facts, NowMs) ? 1 : 0;
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(10_000, matches);
    }
}
