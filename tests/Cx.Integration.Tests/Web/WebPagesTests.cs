using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.Web;

/// <summary>
/// The web pages of shared/Cx.Web as both hosts serve them (the DevHost runs the function app's
/// own functions): HTML revalidated on every load with its Content-Security-Policy, content-hashed
/// assets cached as immutable, bad names and stray parameters refused as problems.
/// </summary>
public sealed partial class WebPagesTests(DevHostFactory host) : IClassFixture<DevHostFactory>
{
    private readonly HttpClient _anonymous = host.CreateAnonymousClient();

    [GeneratedRegex("(?:src|href)=\"([^\"]+)\"", RegexOptions.CultureInvariant)]
    private static partial Regex Links();

    public static TheoryData<string, string> Pages =>
        new()
        {
            { "/api/v1/reference", "worker-src" },
            { "/api/v2/reference", "worker-src" },
            { "/api/v1/graphql/explorer", "" },
        };

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Should_serve_a_page_anonymously_with_its_csp_and_no_cache_and_its_assets_immutable(string path, string notAllowed)
    {
        using var response = await _anonymous.GetAsync(path);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        Assert.True(response.Headers.CacheControl?.NoCache, "pages are revalidated on every load");
        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self';", csp, StringComparison.Ordinal);
        Assert.Contains("connect-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("http", csp, StringComparison.Ordinal);
        if (notAllowed.Length > 0)
        {
            Assert.DoesNotContain(notAllowed, csp, StringComparison.Ordinal);
        }

        var links = Links()
            .Matches(html)
            .Select(m => m.Groups[1].Value)
            .Where(l => !l.StartsWith("data:", StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(links);
        foreach (var link in links)
        {
            // Relative to the page, on the asset route: nothing from another host.
            Assert.DoesNotContain("//", link, StringComparison.Ordinal);
            var url = new Uri(new Uri("http://localhost" + path), link);
            Assert.StartsWith("/api/web/", url.AbsolutePath, StringComparison.Ordinal);
            using var asset = await _anonymous.GetAsync(url.AbsolutePath);
            Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
            Assert.Equal(
                url.AbsolutePath.EndsWith(".css", StringComparison.Ordinal) ? "text/css" : "text/javascript",
                asset.Content.Headers.ContentType?.MediaType
            );
            Assert.Equal("public, max-age=31536000, immutable", asset.Headers.NonValidated["Cache-Control"].ToString());
            Assert.Equal("nosniff", asset.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.True(asset.Content.Headers.ContentLength > 0);
        }

        using var again = new HttpRequestMessage(HttpMethod.Get, path);
        again.Headers.IfNoneMatch.Add(response.Headers.ETag!);
        using var notModified = await _anonymous.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
    }

    [Fact]
    public async Task Should_answer_unknown_files_and_stray_parameters_with_problems()
    {
        using var missing = await _anonymous.GetAsync("/api/web/nothing-ABCDEF.js");
        await missing.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
        using var traversal = await _anonymous.GetAsync("/api/web/..%2Fpages%2Freference.html");
        Assert.Equal("application/problem+json", traversal.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, traversal.StatusCode);
        // The build's pages are not assets: they are served only at their routes, with their CSP.
        using var page = await _anonymous.GetAsync("/api/web/reference.html");
        await page.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
        foreach (var path in new[] { "/api/v1/reference?token=x", "/api/v1/graphql/explorer?query=x", "/api/web/x.js?v=1" })
        {
            using var stray = await _anonymous.GetAsync(path);
            var problem = await stray.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
            Assert.Contains(problem.Errors(), e => e.Code == "unknown-parameter");
        }
    }

    [Fact]
    public async Task Should_answer_the_standard_introspection_query_but_keep_the_depth_limit_for_data()
    {
        var client = host.CreateApiClient();
        // graphql-js's getIntrospectionQuery (what GraphiQL sends): 15 levels of ofType.
        var introspection = await NodeScript.RunAsync("tests/Cx.Integration.Tests/Web/introspection-query.mjs", []);
        Assert.True(introspection.ExitCode == 0, introspection.Error);
        var answer = await PostAsync(client, introspection.Output.Trim());
        Assert.True(answer["errors"] is null, answer.ToJsonString());
        Assert.Equal("Query", answer["data"]!["__schema"]!["queryType"]!["name"]!.GetValue<string>());

        // Introspection-only documents may nest to 15 (here 13, above the data limit of 10) and no deeper;
        // a document that also reads data keeps the data limit.
        Assert.Null((await PostAsync(client, "{ " + Introspection(8) + " }"))["errors"]);
        Assert.Contains("too nested", await ErrorAsync(client, "{ " + Introspection(12) + " }"), StringComparison.Ordinal);
        Assert.Contains(
            "too nested",
            await ErrorAsync(client, "{ " + Introspection(8) + " customers(first: 1) { edges { node { id } } } }"),
            StringComparison.Ordinal
        );
    }

    /// <summary>__schema down to the types of fields, then <paramref name="ofTypes"/> levels of ofType: depth 5 + ofTypes.</summary>
    private static string Introspection(int ofTypes) =>
        "__schema { types { fields { type { "
        + string.Concat(Enumerable.Repeat("ofType { ", ofTypes))
        + "name"
        + string.Concat(Enumerable.Repeat(" }", ofTypes))
        + " } } } }";

    private static async Task<JsonObject> PostAsync(HttpClient client, string query)
    {
        using var response = await client.PostAsync("graphql", HttpAssertions.Json(new JsonObject { ["query"] = query }));
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    private static async Task<string> ErrorAsync(HttpClient client, string query) =>
        (await PostAsync(client, query))["errors"]?[0]?["message"]?.GetValue<string>() ?? "no error";
}
