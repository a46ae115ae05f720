using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Cx.Core.Identity;
using Cx.Integration.Tests.Infrastructure;
using Cx.Integration.Tests.Segments;
using static Cx.Integration.Tests.Events.EventApi;
using static Cx.Integration.Tests.Personalization.PlacementApiTests;

namespace Cx.Integration.Tests.Personalization;

/// <summary>The edge contract: a short-lived ES256 token verified by jose, and an edge choice made from it without the origin.</summary>
public sealed class EdgeTokenTests(PersonalizationHostFactory host) : IClassFixture<PersonalizationHostFactory>
{
    private const string Script = "tests/Cx.Integration.Tests/Personalization/edge-choose.mjs";

    private readonly HttpClient _admin = host.CreateApiClient();

    [Fact]
    public async Task Should_issue_a_token_jose_verifies_and_an_edge_function_chooses_with()
    {
        var segment = "edge-" + Guid.NewGuid().ToString("n")[..8];
        await _admin.CreateSegmentAsync(segment, """{"field":"loyaltyTier","op":"eq","value":"gold"}""");
        var type = await CreateBannerTypeAsync(_admin, "generic", "gold", "control");
        var key = "edge-" + Guid.NewGuid().ToString("n")[..8] + ".hero";
        await _admin
            .PostAsync(
                "placements",
                HttpAssertions.Json(
                    PlacementJson(
                        key,
                        type,
                        $$$"""[{"key":"generic","entry":"generic"},{"key":"control","entry":"control"},{"key":"gold","entry":"gold","priority":5,"targeting":{"segments":["{{{segment}}}"]}}]""",
                        ""","holdout":{"percent":1,"variant":"control"}"""
                    )
                )
            )
            .ShouldBeAsync(HttpStatusCode.Created);
        var customer = await _admin.CreateCustomerAsync("edge", "\"loyaltyTier\":\"gold\"");
        await SegmentApi.UntilAsync(async () => (await _admin.SegmentsOfAsync(customer)).Contains(segment), "membership");
        var self = host.CreateClientFor(Roles.Customer, customer);

        var issued = await (await self.GetAsync("personalize/token").ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        var token = issued["token"]!.GetValue<string>();
        Assert.Equal("c:" + customer, issued["subject"]!.GetValue<string>());
        Assert.Contains(segment, issued["segments"]!.AsArray().Select(s => s!.GetValue<string>()));
        var bucket = issued["holdoutBucket"]!.GetValue<int>();
        Assert.InRange(bucket, 0, 99);
        var expires = DateTimeOffset.Parse(issued["expiresAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expires - TimeProvider.System.GetUtcNow(), TimeSpan.FromSeconds(200), TimeSpan.FromSeconds(301));

        var jwks = new Uri(_admin.BaseAddress!, "auth/jwks.json").ToString();
        var placement = await _admin.GetObjectAsync($"placements/{key}");
        var input = new JsonObject { ["token"] = token, ["placement"] = placement }.ToJsonString();
        var (exit, output, error) = await NodeScript.RunAsync(Script, [jwks, "cx"], input);
        Assert.True(exit == 0, error);
        var choice = JsonNode.Parse(output)!;
        var heldOut = issued["holdouts"]![key]!.GetValue<bool>();
        Assert.Equal(heldOut ? "control" : "gold", choice["variant"]!.GetValue<string>());
        Assert.Equal("c:" + customer, choice["subject"]!.GetValue<string>());

        // The edge's choice agrees with the origin's.
        var origin = (await (await self.GetAsync($"personalize?placements={key}").ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync())[
            "placements"
        ]![0]!;
        Assert.Equal(origin["variant"]!.GetValue<string>(), choice["variant"]!.GetValue<string>());

        // A tampered token fails verification; a token for the edge is no access token for the API.
        var tampered = token[..^4] + (token[^4] == 'A' ? "BAAA" : "AAAA");
        var (rejected, _, reason) = await NodeScript.RunAsync(
            Script,
            [jwks, "cx"],
            new JsonObject { ["token"] = tampered, ["placement"] = placement.DeepClone() }.ToJsonString()
        );
        Assert.Equal(1, rejected);
        Assert.Contains("ERR_JWS_SIGNATURE_VERIFICATION_FAILED", reason, StringComparison.Ordinal);
        var misuse = host.CreateAnonymousClient();
        misuse.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        await (await misuse.GetAsync($"customers/{customer}")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Should_give_anonymous_visitors_a_stable_bucket_and_refuse_other_customers()
    {
        var editor = host.CreateClientFor(Roles.Editor);
        var first = await (
            await editor.GetAsync("personalize/token?anonymousId=web-42").ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        var second = await (
            await editor.GetAsync("personalize/token?anonymousId=web-42").ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        Assert.Equal("a:web-42", first["subject"]!.GetValue<string>());
        Assert.Empty(first["segments"]!.AsArray());
        Assert.Equal(first["holdoutBucket"]!.GetValue<int>(), second["holdoutBucket"]!.GetValue<int>());

        await (await editor.GetAsync("personalize/token")).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        await (await editor.GetAsync("personalize/token?customerId=someone")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        var other = host.CreateClientFor(Roles.Customer, "not-me");
        await (await other.GetAsync("personalize/token?customerId=someone")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }
}
