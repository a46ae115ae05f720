using System.Text.Json;
using Cx.Core.Common;
using Cx.Core.Content;
using Cx.Core.Personalization;
using Cx.Core.Profiles;

namespace Cx.Core.Tests.Personalization;

/// <summary>The pure decision engine: every strategy, every targeting criterion, the control group.</summary>
public sealed class DecisionEngineTests
{
    internal static readonly ContentSchema Customer = new(
        CustomerProfile.ContentType,
        CustomerProfile.Components.ToDictionary(c => c.Key, StringComparer.Ordinal)
    );

    internal static readonly ContentSchema Schema = DecisionSchema.For(Customer);

    private const long Now = 1_780_000_000_000;

    internal static PlacementVariant Variant(
        string key,
        int priority = 0,
        int weight = 1,
        string[]? segments = null,
        string[]? languages = null,
        string[]? devices = null,
        string[]? stages = null,
        string? rule = null
    ) =>
        new()
        {
            Key = key,
            Entry = "entry-" + key,
            Priority = priority,
            Weight = weight,
            Targeting = new VariantTargeting
            {
                Segments = [.. segments ?? []],
                Languages = [.. languages ?? []],
                Devices = [.. devices ?? []],
                LifecycleStages = [.. stages ?? []],
                Rule = rule is null ? null : JsonLiteral.From(JsonDocument.Parse(rule).RootElement),
            },
        };

    internal static PlacementDefinition Placement(PlacementStrategy strategy, string? fallback, params PlacementVariant[] variants) =>
        new()
        {
            Key = "homepage.hero",
            Name = "Hero",
            ContentType = "banner",
            Strategy = strategy,
            Fallback = fallback,
            Variants = [.. variants],
        };

    private static CompiledPlacement Compile(PlacementDefinition placement) =>
        PlacementCatalog.Compile(Schema, [(placement, "e1")], "f").Find(placement.Key)!;

    private static Decision Decide(
        PlacementDefinition placement,
        string? subject = "c:ana",
        string[]? segments = null,
        string? profile = null,
        RequestContext? request = null,
        string? stage = null,
        Dictionary<string, bool>? holdouts = null,
        bool canStore = true
    )
    {
        var catalog = PlacementCatalog.Compile(Schema, [(placement, "e1")], "f");
        JsonElement? json = profile is null ? null : JsonDocument.Parse(profile).RootElement;
        var language =
            json is { } p && p.TryGetProperty("preferences", out var prefs) && prefs.TryGetProperty("language", out var l)
                ? l.GetString()
                : null;
        var input = new DecisionInput
        {
            Subject = subject,
            Segments = new HashSet<string>(segments ?? [], StringComparer.Ordinal),
            LifecycleStage = stage,
            PreferredLanguage = language,
            Request = request ?? RequestContext.Empty,
            Facts = catalog.LoadFacts(json, request ?? RequestContext.Empty, subject ?? "anonymous"),
            NowMs = Now,
            Holdouts = holdouts ?? new Dictionary<string, bool>(StringComparer.Ordinal),
            CanStoreHoldout = canStore,
        };
        return DecisionEngine.Decide(catalog.Find(placement.Key)!, input);
    }

    [Fact]
    public void Should_pick_the_matching_variant_of_highest_priority_under_first_match()
    {
        var placement = Placement(
            PlacementStrategy.FirstMatch,
            "default",
            Variant("default"),
            Variant("vip", priority: 10, segments: ["big-spenders", "vip"]),
            Variant("vip-pt", priority: 20, segments: ["big-spenders"], languages: ["pt"])
        );

        var ptSpender = Decide(placement, segments: ["big-spenders"], profile: """{"preferences":{"language":"pt-PT"}}""");
        Assert.Equal("vip-pt", ptSpender.Variant!.Key);
        Assert.Equal(DecisionReason.Matched, ptSpender.Reason);
        Assert.Equal(["segment:big-spenders", "language:pt"], ptSpender.Matched);

        var enSpender = Decide(placement, segments: ["vip"], profile: """{"preferences":{"language":"en"}}""");
        Assert.Equal("vip", enSpender.Variant!.Key);

        // The untargeted variant matches everyone: with priority 0 it comes after the targeted ones.
        var nobody = Decide(placement);
        Assert.Equal("default", nobody.Variant!.Key);
        Assert.Equal(DecisionReason.Matched, nobody.Reason);
    }

    [Fact]
    public void Should_keep_list_order_between_equal_priorities()
    {
        var placement = Placement(PlacementStrategy.FirstMatch, null, Variant("first"), Variant("second"));
        Assert.Equal("first", Decide(placement).Variant!.Key);
    }

    [Fact]
    public void Should_serve_the_fallback_when_nothing_matches_and_nothing_without_one()
    {
        var withFallback = Placement(
            PlacementStrategy.FirstMatch,
            "generic",
            Variant("mobile", devices: ["mobile"]),
            Variant("generic", devices: ["kiosk"])
        );
        var fallback = Decide(withFallback, request: new RequestContext { Device = "desktop" });
        Assert.Equal(DecisionReason.Fallback, fallback.Reason);
        Assert.Equal("generic", fallback.Variant!.Key);

        var without = Decide(withFallback with { Fallback = null }, request: new RequestContext { Device = "desktop" });
        Assert.Equal(DecisionReason.None, without.Reason);
        Assert.Null(without.Variant);

        Assert.Equal("mobile", Decide(withFallback, request: new RequestContext { Device = "mobile" }).Variant!.Key);
    }

    [Fact]
    public void Should_require_every_criterion_of_a_variant()
    {
        var placement = Placement(PlacementStrategy.FirstMatch, null, Variant("loyal-mobile", stages: ["loyal"], devices: ["mobile"]));
        Assert.Null(Decide(placement, stage: "loyal", request: new RequestContext { Device = "desktop" }).Variant);
        Assert.Null(Decide(placement, stage: "new", request: new RequestContext { Device = "mobile" }).Variant);
        var both = Decide(placement, stage: "loyal", request: new RequestContext { Device = "mobile" });
        Assert.Equal("loyal-mobile", both.Variant!.Key);
        Assert.Equal(["lifecycleStage:loyal", "device:mobile"], both.Matched);
    }

    [Fact]
    public void Should_evaluate_rules_over_the_profile_and_the_request_context()
    {
        var placement = Placement(
            PlacementStrategy.FirstMatch,
            null,
            Variant(
                "gold-evening-campaign",
                rule: """
                {"all":[{"field":"loyaltyTier","op":"eq","value":"gold"},
                        {"field":"request.localHour","op":"gte","value":18},
                        {"field":"request.utmCampaign","op":"eq","value":"winter"},
                        {"field":"request.country","op":"in","value":["PT","ES"]},
                        {"field":"request.referrer","op":"contains","value":"news"}]}
                """
            )
        );
        var context = new RequestContext
        {
            LocalHour = 19,
            UtmCampaign = "winter",
            Country = "PT",
            Referrer = "news.example.com",
        };
        var gold = """{"loyaltyTier":"gold"}""";
        Assert.Equal("gold-evening-campaign", Decide(placement, profile: gold, request: context).Variant!.Key);
        Assert.Equal(["rule"], Decide(placement, profile: gold, request: context).Matched);
        Assert.Null(Decide(placement, profile: gold, request: context with { LocalHour = 9 }).Variant);
        Assert.Null(Decide(placement, profile: gold, request: context with { Country = "FR" }).Variant);
        Assert.Null(Decide(placement, profile: """{"loyaltyTier":"silver"}""", request: context).Variant);
        // An anonymous visitor has no profile: profile conditions see missing values.
        Assert.Null(Decide(placement, subject: "a:web-1", request: context).Variant);
    }

    [Fact]
    public void Should_compute_local_time_from_a_time_zone()
    {
        var context = RequestContext.Empty.WithLocalTime(DateTimeOffset.Parse("2026-12-07T23:30:00Z"), "Asia/Tokyo");
        Assert.Equal(8, context.LocalHour);
        Assert.Equal("tuesday", context.LocalDay);
        Assert.Null(RequestContext.Empty.WithLocalTime(DateTimeOffset.UnixEpoch, "Not/AZone").LocalHour);
    }

    [Fact]
    public void Should_score_by_the_share_of_criteria_held_and_respect_the_threshold()
    {
        var placement = Placement(
            PlacementStrategy.Score,
            "generic",
            Variant("generic"),
            Variant("two-of-three", priority: 1, segments: ["a"], devices: ["mobile"], languages: ["pt"]),
            Variant("half", priority: 5, segments: ["a", "b"])
        ) with
        {
            Threshold = 0.6,
        };
        // two-of-three scores 2/3; half scores 1/2 (one of its two segments): 2/3 wins.
        var decision = Decide(placement, segments: ["a"], request: new RequestContext { Device = "mobile" });
        Assert.Equal("two-of-three", decision.Variant!.Key);
        Assert.Equal(0.6667, decision.Score);
        Assert.Equal(DecisionReason.Matched, decision.Reason);

        // Below the threshold: the fallback, with the best score for the record.
        var low = Decide(placement, segments: ["b"]);
        Assert.Equal(DecisionReason.Fallback, low.Reason);
        Assert.Equal("generic", low.Variant!.Key);
        Assert.Equal(0.5, low.Score);

        // Equal scores: the higher priority wins.
        var tie = Decide(placement with { Threshold = 0.5 }, segments: ["a", "b"], request: new RequestContext { Device = "mobile" });
        Assert.Equal("half", tie.Variant!.Key);
        Assert.Equal(1, tie.Score);
    }

    [Fact]
    public void Should_choose_by_weight_stably_per_customer_among_matching_variants()
    {
        var placement = Placement(
            PlacementStrategy.Weighted,
            null,
            Variant("a", weight: 1),
            Variant("b", weight: 3),
            Variant("mobile-only", weight: 1000, devices: ["mobile"])
        );
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < 4000; i++)
        {
            var subject = "c:customer-" + i;
            var first = Decide(placement, subject: subject).Variant!.Key;
            Assert.Equal(first, Decide(placement, subject: subject).Variant!.Key);
            counts[first] = counts.GetValueOrDefault(first) + 1;
        }
        Assert.False(counts.ContainsKey("mobile-only"));
        // 1:3 over 4000 customers: about 1000 and 3000 (binomial sd is about 27).
        Assert.InRange(counts["a"], 880, 1120);
        Assert.InRange(counts["b"], 2880, 3120);
    }

    [Fact]
    public void Should_answer_the_fallback_under_weighted_when_no_variant_matches()
    {
        var placement = Placement(PlacementStrategy.Weighted, "plain", Variant("plain", weight: 0), Variant("pt", languages: ["pt"]));
        Assert.Equal(DecisionReason.Fallback, Decide(placement).Reason);
        Assert.Equal("pt", Decide(placement, profile: """{"preferences":{"language":"pt-BR"}}""").Variant!.Key);
    }

    [Fact]
    public void Should_hold_out_about_the_percent_and_keep_a_stored_assignment_whatever_the_rules()
    {
        var placement = Placement(PlacementStrategy.FirstMatch, null, Variant("control"), Variant("promo", priority: 5)) with
        {
            Holdout = new PlacementHoldout { Percent = 20, Variant = "control" },
        };
        var held = 0;
        for (var i = 0; i < 4000; i++)
        {
            var decision = Decide(placement, subject: "c:h-" + i);
            Assert.True(decision.NewHoldout);
            if (decision.HeldOut == true)
            {
                held++;
                Assert.Equal("control", decision.Variant!.Key);
                Assert.Equal(DecisionReason.Holdout, decision.Reason);
            }
            else
            {
                // The control variant is never served outside the control group, even though it matches everyone.
                Assert.Equal("promo", decision.Variant!.Key);
            }
        }
        Assert.InRange(held, 700, 900);

        var stored = new Dictionary<string, bool>(StringComparer.Ordinal) { ["homepage.hero"] = true };
        var changedRules = placement with { Variants = [Variant("control"), Variant("promo", priority: 5, segments: ["x"])] };
        var kept = Decide(changedRules, segments: ["x"], holdouts: stored);
        Assert.Equal("control", kept.Variant!.Key);
        Assert.False(kept.NewHoldout);

        var notHeld = new Dictionary<string, bool>(StringComparer.Ordinal) { ["homepage.hero"] = false };
        Assert.Equal(
            "promo",
            Decide(placement with { Holdout = placement.Holdout! with { Percent = 50 } }, holdouts: notHeld).Variant!.Key
        );

        // An anonymous draw is hashed, not stored.
        Assert.False(Decide(placement, subject: "a:web-1", canStore: false).NewHoldout);
    }

    [Fact]
    public void Should_never_match_a_rule_whose_field_left_the_customer_schema()
    {
        var extended = DecisionSchema.For(
            new ContentSchema(
                CustomerProfile.ContentType with
                {
                    Fields =
                    [
                        .. CustomerProfile.ContentType.Fields,
                        new FieldDefinition { Name = "lifecycleStage", Type = FieldType.String },
                    ],
                },
                Customer.Components.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal)
            )
        );
        var placement = Placement(
            PlacementStrategy.FirstMatch,
            null,
            Variant("new", rule: """{"field":"lifecycleStage","op":"eq","value":"new"}""")
        );
        var withField = PlacementCatalog.Compile(extended, [(placement, "e")], "f");
        Assert.NotNull(withField.Find(placement.Key)!.InOrder[0].Rule);
        // Compiled against the schema without the field: the catalog still loads; the rule holds for no one.
        var without = Compile(placement);
        Assert.False(without.InOrder[0].Rule!(new Cx.Core.Rules.ProfileFacts("c", [], []), Now));
    }
}
