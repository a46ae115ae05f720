using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.OpenApi;

/// <summary>The response check every API client runs: a response that breaks the document must fail the call.</summary>
public sealed class OpenApiValidatingHandlerTests
{
    private const string Document = """
        {
          "openapi": "3.1.2",
          "info": { "title": "t", "version": "1" },
          "paths": {
            "/api/v1/things/{id}": {
              "get": {
                "operationId": "GetThing",
                "responses": {
                  "200": {
                    "description": "ok",
                    "headers": { "ETag": { "$ref": "#/components/headers/ETag" } },
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Thing" } } }
                  },
                  "304": { "description": "not modified" },
                  "404": { "$ref": "#/components/responses/NotFound" }
                }
              }
            },
            "/api/v1/things/special": {
              "get": { "operationId": "GetSpecialThing", "responses": { "204": { "description": "nothing" } } }
            }
          },
          "components": {
            "schemas": {
              "Thing": {
                "type": "object",
                "required": ["id"],
                "properties": { "id": { "type": "string" }, "size": { "type": "integer", "minimum": 1 } }
              },
              "Problem": {
                "type": "object",
                "required": ["type", "status"],
                "properties": { "type": { "type": "string" }, "status": { "type": "integer" } }
              }
            },
            "headers": { "ETag": { "required": true, "schema": { "type": "string", "pattern": "^\"[^\"]*\"$" } } },
            "responses": {
              "NotFound": {
                "description": "not found",
                "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
              }
            }
          }
        }
        """;

    private const string Problem = """{"type":"urn:cx:problem:not-found","status":404}""";

    private static async Task<HttpResponseMessage> SendAsync(
        string path,
        HttpStatusCode status,
        string? body,
        string mediaType = "application/json",
        string? etag = "\"v1\""
    )
    {
        var server = new StubServer { Respond = () => Canned(status, body, mediaType, etag) };
        using var client = new HttpClient(new OpenApiValidatingHandler(server)) { BaseAddress = new Uri("http://cx.test/") };
        return await client.GetAsync(new Uri(path, UriKind.Relative));
    }

    private static HttpResponseMessage Canned(
        HttpStatusCode status,
        string? body,
        string mediaType = "application/json",
        string? etag = "\"v1\""
    )
    {
        var response = new HttpResponseMessage(status);
        if (body is not null)
        {
            response.Content = new StringContent(body, Encoding.UTF8, mediaType);
        }
        if (etag is not null)
        {
            response.Headers.ETag = EntityTagHeaderValue.Parse(etag);
        }
        return response;
    }

    [Fact]
    public async Task Should_pass_a_response_that_keeps_the_document()
    {
        var response = await SendAsync("/api/v1/things/t1", HttpStatusCode.OK, """{"id":"t1","size":3}""");

        Assert.Equal("""{"id":"t1","size":3}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Should_fail_when_the_body_breaks_the_schema()
    {
        var failure = await Assert.ThrowsAsync<OpenApiContractException>(() =>
            SendAsync("/api/v1/things/t1", HttpStatusCode.OK, """{"id":"t1","size":0}""")
        );

        Assert.Contains("/size", failure.Message, StringComparison.Ordinal);
        Assert.Contains("GetThing", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_fail_when_the_status_is_not_documented()
    {
        var failure = await Assert.ThrowsAsync<OpenApiContractException>(() =>
            SendAsync("/api/v1/things/t1", HttpStatusCode.Conflict, Problem, "application/problem+json")
        );

        Assert.Contains("409", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_fail_when_the_content_type_is_not_documented()
    {
        var failure = await Assert.ThrowsAsync<OpenApiContractException>(() =>
            SendAsync("/api/v1/things/t1", HttpStatusCode.OK, """{"id":"t1"}""", "text/plain")
        );

        Assert.Contains("text/plain", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_fail_when_a_required_header_is_missing()
    {
        var failure = await Assert.ThrowsAsync<OpenApiContractException>(() =>
            SendAsync("/api/v1/things/t1", HttpStatusCode.OK, """{"id":"t1"}""", etag: null)
        );

        Assert.Contains("ETag", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_fail_when_a_header_breaks_its_schema()
    {
        var failure = await Assert.ThrowsAsync<OpenApiContractException>(() =>
            SendAsync("/api/v1/things/t1", HttpStatusCode.OK, """{"id":"t1"}""", etag: "W/\"weak\"")
        );

        Assert.Contains("header ETag", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_fail_when_a_response_documented_without_a_body_has_one()
    {
        await Assert.ThrowsAsync<OpenApiContractException>(() =>
            SendAsync("/api/v1/things/t1", HttpStatusCode.NotModified, """{"id":"t1"}""")
        );
    }

    [Fact]
    public async Task Should_fail_when_a_problem_breaks_the_problem_schema()
    {
        await Assert.ThrowsAsync<OpenApiContractException>(() =>
            SendAsync("/api/v1/things/t1", HttpStatusCode.NotFound, """{"title":"no type"}""", "application/problem+json")
        );
    }

    [Fact]
    public async Task Should_match_literal_paths_before_templated_ones()
    {
        var response = await SendAsync("/api/v1/things/special", HttpStatusCode.NoContent, body: null, etag: null);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Fact]
    public async Task Should_fail_when_a_route_missing_from_the_document_answers()
    {
        var failure = await Assert.ThrowsAsync<OpenApiContractException>(() => SendAsync("/api/v1/gadgets", HttpStatusCode.OK, """{}"""));

        Assert.Contains("not an operation of the document", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Should_accept_the_problem_the_host_answers_for_an_unknown_route()
    {
        var response = await SendAsync("/api/v1/gadgets", HttpStatusCode.NotFound, Problem, "application/problem+json", etag: null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Should_read_the_document_again_only_when_its_etag_changes()
    {
        var server = new StubServer { Respond = () => Canned(HttpStatusCode.OK, """{"id":"t1"}""") };
        using var client = new HttpClient(new OpenApiValidatingHandler(server)) { BaseAddress = new Uri("http://cx.test/") };

        await client.GetAsync(new Uri("/api/v1/things/t1", UriKind.Relative));
        await client.GetAsync(new Uri("/api/v1/things/t2", UriKind.Relative));

        Assert.Equal(1, server.DocumentBodiesSent);
        Assert.Equal(1, server.NotModifiedSent);
    }

    /// <summary>Serves the document (with an ETag, honouring If-None-Match) and a canned response for anything else.</summary>
    private sealed class StubServer : HttpMessageHandler
    {
        private const string DocumentETag = "\"doc-1\"";

        public Func<HttpResponseMessage> Respond { get; set; } = () => new HttpResponseMessage(HttpStatusCode.OK);

        public int DocumentBodiesSent { get; private set; }

        public int NotModifiedSent { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri!.AbsolutePath != OpenApiValidatingHandler.DocumentPath)
            {
                return Task.FromResult(Respond());
            }
            var response = request.Headers.IfNoneMatch.Any(t => t.Tag == DocumentETag)
                ? new HttpResponseMessage(HttpStatusCode.NotModified)
                : new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(Document, Encoding.UTF8, "application/json") };
            if (response.StatusCode == HttpStatusCode.OK)
            {
                DocumentBodiesSent++;
            }
            else
            {
                NotModifiedSent++;
            }
            response.Headers.ETag = EntityTagHeaderValue.Parse(DocumentETag);
            return Task.FromResult(response);
        }
    }
}
