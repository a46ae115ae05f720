using System.Text.Json;
using Cx.Core.Content;
using Cx.Core.Profiles;
using static Cx.Core.Tests.Segments.SegmentFixture;

namespace Cx.Core.Tests.Segments;

/// <summary>One customer with known fields and events, shared by the operator cases (previews change nothing).</summary>
public sealed class OperatorFixture : IAsyncLifetime
{
    public SegmentFixture Segments { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Segments = await SegmentFixture.StartAsync();
        // A numeric field, as a marketer would add one: the schema grows, rules can use it at once.
        var customer = (await Segments.Content.GetContentTypeAsync(CustomerProfile.TypeKey, CancellationToken.None)).Definition;
        await Segments.Content.ReplaceContentTypeAsync(
            CustomerProfile.TypeKey,
            customer with
            {
                Fields = [.. customer.Fields, new FieldDefinition { Name = "score", Type = FieldType.Integer }],
            },
            null,
            CancellationToken.None
        );
        await Segments.CreateCustomerAsync(
            "c1",
            """
            "name":"Ana Silva","loyaltyTier":"gold","score":42,"lastLogin":"2026-11-20T12:00:00.000Z",
            "preferences":{"language":"pt-PT","newsletter":true},
            "interactionHistory":[{"at":"2026-11-15T12:00:00.000Z","kind":"purchase"},{"at":"2026-11-23T12:00:00.000Z","kind":"page_view"}]
            """
        );
        await Segments.TrackAsync(
            Event("purchase", "c1", Start.AddDays(-3), "o1", """{"amount":100,"category":"shoes"}"""),
            Event("purchase", "c1", Start.AddDays(-1), "o2", """{"amount":50,"category":"hats"}"""),
            Event("page_view", "c1", Start.AddHours(-2), "v1", """{"category":"shoes"}""")
        );
    }

    public async Task DisposeAsync() => await Segments.DisposeAsync();
}

/// <summary>Every operator of the rule language, evaluated the way segments evaluate (profile facts and behaviour aggregates).</summary>
public sealed class SegmentOperatorTests(OperatorFixture fixture) : IClassFixture<OperatorFixture>
{
    /// <summary>Whether the criteria match the customer (a preview: nothing is saved, the sample lists the matches in id order).</summary>
    private async Task<bool> MatchesAsync(string criteria, string customerId = "c1")
    {
        var preview = await fixture.Segments.Service.PreviewAsync(JsonDocument.Parse(criteria).RootElement, 10, CancellationToken.None);
        return preview.Sample.Contains(customerId);
    }

    [Theory]
    // Comparisons on text, numbers, booleans and instants (now is 2026-11-25T12:00Z).
    [InlineData("""{"field":"loyaltyTier","op":"eq","value":"gold"}""", true)]
    [InlineData("""{"field":"loyaltyTier","op":"eq","value":"silver"}""", false)]
    [InlineData("""{"field":"loyaltyTier","op":"ne","value":"silver"}""", true)]
    [InlineData("""{"field":"loyaltyTier","op":"ne","value":"gold"}""", false)]
    [InlineData("""{"field":"score","op":"gt","value":41}""", true)]
    [InlineData("""{"field":"score","op":"gt","value":42}""", false)]
    [InlineData("""{"field":"score","op":"gte","value":42}""", true)]
    [InlineData("""{"field":"score","op":"gte","value":42.5}""", false)]
    [InlineData("""{"field":"score","op":"lt","value":43}""", true)]
    [InlineData("""{"field":"score","op":"lt","value":42}""", false)]
    [InlineData("""{"field":"score","op":"lte","value":42}""", true)]
    [InlineData("""{"field":"score","op":"lte","value":41}""", false)]
    [InlineData("""{"field":"score","op":"between","value":[42,50]}""", true)]
    [InlineData("""{"field":"score","op":"between","value":[43,50]}""", false)]
    [InlineData("""{"field":"lastLogin","op":"between","value":["2026-11-20T12:00:00Z","2026-11-21"]}""", true)]
    [InlineData("""{"field":"lastLogin","op":"lt","value":"2026-11-20T12:00:00Z"}""", false)]
    [InlineData("""{"field":"loyaltyTier","op":"in","value":["silver","gold"]}""", true)]
    [InlineData("""{"field":"loyaltyTier","op":"in","value":["silver","bronze"]}""", false)]
    [InlineData("""{"field":"loyaltyTier","op":"nin","value":["silver","bronze"]}""", true)]
    [InlineData("""{"field":"loyaltyTier","op":"nin","value":["gold"]}""", false)]
    [InlineData("""{"field":"name","op":"contains","value":"a Si"}""", true)]
    [InlineData("""{"field":"name","op":"contains","value":"silva"}""", false)]
    [InlineData("""{"field":"name","op":"startsWith","value":"Ana"}""", true)]
    [InlineData("""{"field":"name","op":"startsWith","value":"Silva"}""", false)]
    [InlineData("""{"field":"preferences.language","op":"exists"}""", true)]
    [InlineData("""{"field":"phone","op":"exists"}""", false)]
    [InlineData("""{"field":"phone","op":"exists","value":false}""", true)]
    [InlineData("""{"field":"preferences.newsletter","op":"eq","value":true}""", true)]
    [InlineData("""{"field":"email","op":"regex","value":"^[a-z0-9]+@example\\.com$"}""", true)]
    [InlineData("""{"field":"email","op":"regex","value":"@example\\.org$"}""", false)]
    [InlineData("""{"field":"interactionHistory.kind","op":"eq","value":"purchase"}""", true)]
    [InlineData("""{"field":"interactionHistory.kind","op":"nin","value":["purchase"]}""", false)]
    // Relative dates: lastLogin is exactly 5 days ago.
    [InlineData("""{"field":"lastLogin","op":"within","value":"P6D"}""", true)]
    [InlineData("""{"field":"lastLogin","op":"within","value":"P5D"}""", false)]
    [InlineData("""{"field":"lastLogin","op":"gte","value":{"ago":"P5D"}}""", true)]
    [InlineData("""{"field":"lastLogin","op":"gt","value":{"ago":"P5D"}}""", false)]
    [InlineData("""{"field":"lastLogin","op":"lte","value":{"ago":"P5D"}}""", true)]
    [InlineData("""{"field":"lastLogin","op":"lt","value":{"ago":"P5D"}}""", false)]
    [InlineData("""{"field":"lastLogin","op":"between","value":[{"ago":"P30D"},{"ago":"P5D"}]}""", true)]
    [InlineData("""{"field":"interactionHistory.at","op":"within","value":"P3D"}""", true)]
    [InlineData("""{"field":"interactionHistory.at","op":"within","value":"P1D"}""", false)]
    // Combinators.
    [InlineData("""{"all":[{"field":"loyaltyTier","op":"eq","value":"gold"},{"field":"score","op":"gt","value":40}]}""", true)]
    [InlineData("""{"all":[{"field":"loyaltyTier","op":"eq","value":"gold"},{"field":"score","op":"gt","value":50}]}""", false)]
    [InlineData("""{"any":[{"field":"loyaltyTier","op":"eq","value":"silver"},{"field":"score","op":"gt","value":40}]}""", true)]
    [InlineData("""{"any":[{"field":"loyaltyTier","op":"eq","value":"silver"},{"field":"score","op":"gt","value":50}]}""", false)]
    [InlineData("""{"not":{"field":"loyaltyTier","op":"eq","value":"silver"}}""", true)]
    [InlineData("""{"not":{"field":"loyaltyTier","op":"eq","value":"gold"}}""", false)]
    public async Task Should_evaluate_every_field_operator(string criteria, bool expected) =>
        Assert.Equal(expected, await MatchesAsync(criteria));

    [Theory]
    // Purchases: 100 three days ago and 50 yesterday; a page view two hours ago.
    [InlineData("""{"behavior":{"event":"purchase","aggregate":"count","op":"eq","value":2}}""", true)]
    [InlineData("""{"behavior":{"event":"purchase","aggregate":"count","op":"ne","value":2}}""", false)]
    [InlineData("""{"behavior":{"event":"purchase","aggregate":"count","window":"P2D","op":"eq","value":1}}""", true)]
    [InlineData("""{"behavior":{"event":"purchase","aggregate":"count","op":"gt","value":1}}""", true)]
    [InlineData("""{"behavior":{"event":"purchase","aggregate":"count","op":"gte","value":3}}""", false)]
    [InlineData("""{"behavior":{"event":"purchase","aggregate":"count","op":"lt","value":3}}""", true)]
    [InlineData("""{"behavior":{"event":"purchase","aggregate":"count","op":"lte","value":1}}""", false)]
    [InlineData("""{"behavior":{"event":"purchase","aggregate":"count","op":"between","value":[2,5]}}""", true)]
    [InlineData("""{"behavior":{"event":"purchase","aggregate":"sum","property":"amount","window":"P90D","op":"eq","value":150}}""", true)]
    [InlineData("""{"behavior":{"event":"purchase","aggregate":"sum","property":"amount","window":"P2D","op":"gt","value":50}}""", false)]
    [InlineData("""{"behavior":{"event":"purchase","aggregate":"min","property":"amount","op":"lte","value":50}}""", true)]
    [InlineData("""{"behavior":{"event":"purchase","aggregate":"max","property":"amount","op":"gte","value":101}}""", false)]
    [InlineData("""{"behavior":{"event":"purchase","aggregate":"avg","property":"amount","op":"eq","value":75}}""", true)]
    [InlineData("""{"behavior":{"event":"purchase","aggregate":"distinct","property":"category","op":"gte","value":2}}""", true)]
    [InlineData(
        """{"behavior":{"event":"page_view","aggregate":"distinct","property":"category","window":"P7D","op":"gte","value":2}}""",
        false
    )]
    [InlineData("""{"behavior":{"event":"purchase","aggregate":"first","op":"gt","value":{"ago":"P4D"}}}""", true)]
    [InlineData("""{"behavior":{"event":"purchase","aggregate":"first","op":"lt","value":{"ago":"P4D"}}}""", false)]
    [InlineData("""{"behavior":{"event":"purchase","aggregate":"last","op":"within","value":"P2D"}}""", true)]
    [InlineData("""{"behavior":{"event":"purchase","aggregate":"last","op":"gte","value":{"ago":"P1D"}}}""", true)]
    [InlineData("""{"behavior":{"event":"purchase","aggregate":"last","op":"lte","value":{"ago":"P2D"}}}""", false)]
    // No events of the type: counts are 0, sums 0, min/max/first/last have no value.
    [InlineData("""{"behavior":{"event":"cart_abandoned","aggregate":"count","op":"eq","value":0}}""", true)]
    [InlineData("""{"behavior":{"event":"cart_abandoned","aggregate":"max","property":"value","op":"lt","value":1}}""", false)]
    [InlineData("""{"behavior":{"event":"cart_abandoned","aggregate":"max","property":"value","op":"ne","value":1}}""", true)]
    [InlineData("""{"behavior":{"event":"cart_abandoned","aggregate":"last","op":"within","value":"P30D"}}""", false)]
    // Behaviour and fields together.
    [InlineData(
        """{"all":[{"field":"loyaltyTier","op":"eq","value":"gold"},{"not":{"behavior":{"event":"cart_abandoned","aggregate":"count","op":"gte","value":1}}}]}""",
        true
    )]
    public async Task Should_evaluate_every_behaviour_operator(string criteria, bool expected) =>
        Assert.Equal(expected, await MatchesAsync(criteria));

    [Fact]
    public async Task Should_give_up_on_a_catastrophic_regex_within_its_time_limit_instead_of_hanging()
    {
        await fixture.Segments.CreateCustomerAsync("c2", "\"name\":\"" + new string('a', 40) + "!\"");
        Assert.False(await MatchesAsync("""{"field":"name","op":"regex","value":"^(a+)+$"}""", "c2"));
        Assert.True(await MatchesAsync("""{"field":"name","op":"regex","value":"^a+!$"}""", "c2"));
    }
}
