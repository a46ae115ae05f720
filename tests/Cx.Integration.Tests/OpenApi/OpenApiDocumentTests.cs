using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.OpenApi;

/// <summary>The live document: valid OpenAPI 3.1, and following the content types as marketers change them.</summary>
public sealed class OpenApiDocumentTests(DevHostFactory host) : IClassFixture<DevHostFactory>
{
    private readonly HttpClient _client = host.CreateApiClient();

    private async Task<(JsonObject Document, EntityTagHeaderValue ETag)> ReadDocumentAsync()
    {
        var response = await _client.GetAsync("openapi.json").ShouldBeAsync(HttpStatusCode.OK);
        return (await response.ReadObjectAsync(), response.Headers.ETag!);
    }

    private static JsonObject Schema(JsonObject document, string name) => document["components"]!["schemas"]![name]!.AsObject();

    private async Task DefineAsync(string path, string json) =>
        await _client.PostAsync(path, HttpAssertions.Json(json)).ShouldBeAsync(HttpStatusCode.Created);

    [Theory]
    [InlineData("/api/v1/openapi.json", "GetOpenApiDocument")]
    [InlineData("/api/v2/openapi.json", "GetOpenApiDocumentV2")]
    public async Task Should_serve_a_document_per_version_that_an_openapi_3_1_reader_accepts(string path, string operationId)
    {
        var response = await _client.GetAsync(path).ShouldBeAsync(HttpStatusCode.OK);
        var json = await response.Content.ReadAsStringAsync();

        var result = Microsoft.OpenApi.OpenApiDocument.Parse(json, "json");

        Assert.StartsWith("3.1.", JsonNode.Parse(json)!["openapi"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(result.Diagnostic!.Errors);
        Assert.Equal(Microsoft.OpenApi.OpenApiSpecVersion.OpenApi3_1, result.Diagnostic.SpecificationVersion);
        Assert.NotNull(result.Document!.GetOperationById(operationId));
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task Should_answer_not_modified_when_the_definitions_have_not_changed()
    {
        var (_, etag) = await ReadDocumentAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "openapi.json");
        request.Headers.IfNoneMatch.Add(etag);

        var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        Assert.Equal(etag, response.Headers.ETag);
    }

    [Fact]
    public async Task Should_tag_each_version_s_document_on_its_own()
    {
        var v1 = (await _client.GetAsync("/api/v1/openapi.json").ShouldBeAsync(HttpStatusCode.OK)).Headers.ETag!;
        var v2 = (await _client.GetAsync("/api/v2/openapi.json").ShouldBeAsync(HttpStatusCode.OK)).Headers.ETag!;
        Assert.NotEqual(v1.Tag, v2.Tag);

        using var crossed = new HttpRequestMessage(HttpMethod.Get, "/api/v2/openapi.json");
        crossed.Headers.IfNoneMatch.Add(v1);
        Assert.Equal(HttpStatusCode.OK, (await _client.SendAsync(crossed)).StatusCode);
        using var same = new HttpRequestMessage(HttpMethod.Get, "/api/v2/openapi.json");
        same.Headers.IfNoneMatch.Add(v2);
        Assert.Equal(HttpStatusCode.NotModified, (await _client.SendAsync(same)).StatusCode);
    }

    [Fact]
    public async Task Should_show_a_field_when_a_marketer_adds_it_to_the_customer_type()
    {
        var (before, etagBefore) = await ReadDocumentAsync();
        Assert.False(Schema(before, "CustomerEntry")["properties"]!.AsObject().ContainsKey("favouriteColour"));
        var read = await _client.GetAsync("content-types/customer").ShouldBeAsync(HttpStatusCode.OK);
        var customer = await read.ReadObjectAsync();
        customer["fields"]!
            .AsArray()
            .Add(
                new JsonObject
                {
                    ["name"] = "favouriteColour",
                    ["type"] = "enumeration",
                    ["values"] = new JsonArray("red", "green"),
                    ["description"] = "For the kiosk theme.",
                }
            );
        using var put = new HttpRequestMessage(HttpMethod.Put, "content-types/customer") { Content = HttpAssertions.Json(customer) };
        put.Headers.IfMatch.Add(read.Headers.ETag!);
        await _client.SendAsync(put).ShouldBeAsync(HttpStatusCode.OK);

        var (after, etagAfter) = await ReadDocumentAsync();

        Assert.NotEqual(etagBefore, etagAfter);
        var entryField = Schema(after, "CustomerEntry")["properties"]!["favouriteColour"]!;
        Assert.Equal("string", entryField["type"]!.GetValue<string>());
        Assert.Equal(["red", "green"], entryField["enum"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Equal("For the kiosk theme.", entryField["description"]!.GetValue<string>());
        Assert.True(Schema(after, "CustomerInput")["properties"]!.AsObject().ContainsKey("favouriteColour"));
        Assert.True(Schema(after, "CustomerPatch")["properties"]!.AsObject().ContainsKey("favouriteColour"));
        var created = await _client
            .PostAsync("customers", HttpAssertions.Json("""{"email":"colour@example.com","favouriteColour":"green"}"""))
            .ShouldBeAsync(HttpStatusCode.Created);
        Assert.Equal("green", (await created.ReadObjectAsync())["favouriteColour"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_keep_system_managed_fields_out_of_the_input_schemas()
    {
        var (document, _) = await ReadDocumentAsync();

        var input = Schema(document, "CustomerInput");
        var patch = Schema(document, "CustomerPatch");
        var entry = Schema(document, "CustomerEntry");

        Assert.False(input["properties"]!.AsObject().ContainsKey("segmentMembership"));
        Assert.False(patch["properties"]!.AsObject().ContainsKey("segmentMembership"));
        Assert.False(input["additionalProperties"]!.GetValue<bool>());
        Assert.Equal(["email"], input["required"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.True(entry["properties"]!["segmentMembership"]!["readOnly"]!.GetValue<bool>());
        Assert.True(entry["properties"]!["createdAt"]!["readOnly"]!.GetValue<bool>());
        Assert.Equal("email", entry["properties"]!["email"]!["format"]!.GetValue<string>());
        Assert.Equal("date-time", entry["properties"]!["lastLogin"]!["format"]!.GetValue<string>());
        Assert.Equal(
            ["null", "string"],
            patch["properties"]!["name"]!["type"]!.AsArray().Select(v => v!.GetValue<string>()).Order(StringComparer.Ordinal)
        );
    }

    [Fact]
    public async Task Should_describe_components_dynamic_zones_and_relations_of_a_new_type()
    {
        await DefineAsync(
            "components",
            """{"key":"hero","displayName":"Hero","fields":[{"name":"title","type":"string","required":true,"maxLength":80}]}"""
        );
        await DefineAsync("components", """{"key":"quote","displayName":"Quote","fields":[{"name":"text","type":"text"}]}""");
        await DefineAsync(
            "content-types",
            """
            {"key":"landing-page","displayName":"Landing page","fields":[
              {"name":"slug","type":"string","required":true,"unique":true,"indexed":true,"pattern":"[a-z0-9-]+"},
              {"name":"price","type":"decimal","min":0,"max":1000},
              {"name":"owner","type":"relation","target":"customer"},
              {"name":"hero","type":"component","component":"hero"},
              {"name":"blocks","type":"dynamicZone","components":["hero","quote"],"maxItems":10}
            ]}
            """
        );

        var (document, _) = await ReadDocumentAsync();

        var entry = Schema(document, "LandingPageEntry")["properties"]!;
        Assert.Equal("^(?:[a-z0-9-]+)$", entry["slug"]!["pattern"]!.GetValue<string>());
        Assert.Equal("number", entry["price"]!["type"]!.GetValue<string>());
        Assert.Equal(1000, entry["price"]!["maximum"]!.GetValue<int>());
        Assert.Equal("string", entry["owner"]!["type"]!.GetValue<string>());
        Assert.Equal("#/components/schemas/HeroComponent", entry["hero"]!["$ref"]!.GetValue<string>());
        var items = entry["blocks"]!["items"]!;
        Assert.Equal(
            ["#/components/schemas/HeroComponent", "#/components/schemas/QuoteComponent"],
            items["oneOf"]!.AsArray().Select(o => o!["$ref"]!.GetValue<string>())
        );
        Assert.Equal("__component", items["discriminator"]!["propertyName"]!.GetValue<string>());
        Assert.Equal("#/components/schemas/QuoteComponent", items["discriminator"]!["mapping"]!["quote"]!.GetValue<string>());
        var inputItems = Schema(document, "LandingPageInput")["properties"]!["blocks"]!["items"]!;
        Assert.Equal("#/components/schemas/HeroComponentInput", inputItems["oneOf"]![0]!["$ref"]!.GetValue<string>());
        Assert.Equal(["title"], Schema(document, "HeroComponentInput")["required"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Equal(
            "#/components/schemas/LandingPageEntry",
            document["x-cx-content-types"]!["landing-page"]!["entry"]!.GetValue<string>()
        );
    }

    [Fact]
    public async Task Should_validate_a_stored_entry_against_its_type_schema_and_catch_a_broken_one()
    {
        await DefineAsync("components", """{"key":"banner","displayName":"Banner","fields":[{"name":"label","type":"string"}]}""");
        await DefineAsync(
            "content-types",
            """
            {"key":"promo","displayName":"Promo","fields":[
              {"name":"title","type":"string","required":true,"maxLength":40},
              {"name":"startsAt","type":"dateTime"},
              {"name":"tier","type":"enumeration","values":["all","gold"]},
              {"name":"blocks","type":"dynamicZone","components":["banner"],"maxItems":3}
            ]}
            """
        );
        var created = await _client
            .PostAsync(
                "content/promo",
                HttpAssertions.Json(
                    """{"title":"Winter","startsAt":"2026-12-01","tier":"gold","blocks":[{"__component":"banner","label":"Now"}]}"""
                )
            )
            .ShouldBeAsync(HttpStatusCode.Created);
        var entry = JsonDocument.Parse(await created.Content.ReadAsByteArrayAsync()).RootElement;
        var (document, _) = await ReadDocumentAsync();
        var validator = new JsonSchemaValidator(JsonDocument.Parse(document.ToJsonString()).RootElement);

        var valid = validator.Validate(entry, "#/components/schemas/PromoEntry");
        var broken = JsonNode.Parse(entry.GetRawText())!;
        broken["tier"] = "platinum";
        broken["blocks"]![0]!["__component"] = "video";
        var errors = validator.Validate(JsonDocument.Parse(broken.ToJsonString()).RootElement, "#/components/schemas/PromoEntry");

        Assert.Empty(valid);
        Assert.Contains(errors, e => e.InstancePath == "/tier");
        Assert.Contains(errors, e => e.InstancePath == "/blocks/0");
    }

    [Fact]
    public async Task Should_reject_query_parameters_on_the_document()
    {
        var response = await _client.GetAsync("openapi.json?format=yaml");

        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
    }

    [Fact]
    public async Task Should_fail_the_call_when_a_live_response_breaks_the_document()
    {
        var created = await _client
            .PostAsync("customers", HttpAssertions.Json("""{"email":"tampered@example.com"}"""))
            .ShouldBeAsync(HttpStatusCode.Created);
        var id = (await created.ReadObjectAsync())["id"]!.GetValue<string>();
        var tampering = host.CreateDefaultClient(new OpenApiValidatingHandler(), new BreakEmails());
        tampering.BaseAddress = new Uri(tampering.BaseAddress!, "/api/v1/");

        var failure = await Assert.ThrowsAsync<OpenApiContractException>(() => tampering.GetAsync($"customers/{id}"));

        Assert.Contains("/email", failure.Message, StringComparison.Ordinal);
        Assert.Contains("GetCustomer", failure.Message, StringComparison.Ordinal);
    }

    /// <summary>Turns every e-mail in an API response (not the document) into a number, as a buggy server might.</summary>
    private sealed class BreakEmails : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (request.RequestUri!.AbsolutePath == OpenApiValidatingHandler.DocumentPath || response.Content.Headers.ContentLength == 0)
            {
                return response;
            }
            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!;
            body["email"] = 42;
            var media = response.Content.Headers.ContentType!.MediaType!;
            response.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, media);
            return response;
        }
    }
}
