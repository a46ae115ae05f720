using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cx.Integration.Tests.Infrastructure;

/// <summary>Small helpers for JSON over HTTP and problem-details assertions.</summary>
public static class HttpAssertions
{
    public static StringContent Json(string json, string mediaType = "application/json") => new(json, Encoding.UTF8, mediaType);

    public static StringContent Json(JsonNode node, string mediaType = "application/json") => Json(node.ToJsonString(), mediaType);

    public static async Task<JsonObject> ReadObjectAsync(this HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonObject>())!;

    /// <summary>Asserts a problem+json response with the status and code, and returns its body.</summary>
    public static async Task<JsonObject> ShouldBeProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status} {code}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(text)!.AsObject();
        Assert.Equal(code, problem["code"]!.GetValue<string>());
        Assert.Equal("urn:cx:problem:" + code, problem["type"]!.GetValue<string>());
        Assert.Equal((int)status, problem["status"]!.GetValue<int>());
        Assert.False(string.IsNullOrWhiteSpace(problem["detail"]?.GetValue<string>()));
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        return problem;
    }

    /// <summary>The field errors of a problem as (location key, path, code) triples.</summary>
    public static IReadOnlyList<(string Location, string Path, string Code)> Errors(this JsonObject problem) =>
        problem["errors"] is JsonArray errors
            ?
            [
                .. errors.Select(e =>
                {
                    var obj = e!.AsObject();
                    var location =
                        obj.ContainsKey("pointer") ? "pointer"
                        : obj.ContainsKey("parameter") ? "parameter"
                        : "header";
                    return (location, obj[location]!.GetValue<string>(), obj["code"]!.GetValue<string>());
                }),
            ]
            : [];

    public static async Task<HttpResponseMessage> ShouldBeAsync(this Task<HttpResponseMessage> call, HttpStatusCode status)
    {
        var response = await call;
        if (response.StatusCode != status)
        {
            Assert.Fail($"Expected {(int)status}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
        return response;
    }

    public static JsonSerializerOptions Web { get; } = new(JsonSerializerDefaults.Web);
}
