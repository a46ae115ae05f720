using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cx.Core.Identity;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.OpenApi;

/// <summary>
/// The OpenAPI document tells the whole contract (issue 18, item 6): for every operation of both
/// versions' documents that takes a JSON body, <c>generate-bodies.mjs</c> (npm json-schema-faker,
/// seeded, every optional property filled, extra properties wherever the schema allows them) makes
/// bodies from the request schema alone, and a real DevHost must not refuse any of them for its
/// shape: a 400 or 422 is a schema looser than the server. The few answers a schema cannot rule
/// out (an id that must name an existing resource, credentials that must be right) are listed in
/// <see cref="Allowed"/> with their reason; anything else at 4xx or 5xx fails.
/// </summary>
public sealed partial class GeneratedBodyTests(BadInputDevHost host) : IClassFixture<BadInputDevHost>
{
    private const string Generator = "tests/Cx.Integration.Tests/OpenApi/generate-bodies.mjs";

    /// <summary>Seeds per operation: each seed is another body from the same schema.</summary>
    private const int Seeds = 3;

    /// <summary>
    /// Answers that are not about the body's shape, per operation: the status, the problem code (or
    /// OAuth error), the errors it may name (<c>pointer:code</c>, array indexes as <c>*</c>; every error
    /// of the answer must be one of them, none listed means any) and the reason no schema can say it.
    /// </summary>
    private static readonly Dictionary<string, Allowance[]> Allowed = new(StringComparer.Ordinal)
    {
        ["CreateSegment"] = [CriteriaFields("criteria fields name fields of the customer schema of the moment")],
        ["ReplaceSegment"] = [CriteriaFields("criteria fields name fields of the customer schema of the moment")],
        ["DryRunSegment"] = [CriteriaFields("criteria fields name fields of the customer schema of the moment")],
        ["PreviewSegment"] = [CriteriaFields("criteria fields name fields of the customer schema of the moment")],
        ["StartSnapshot"] = [new(409, "snapshot-in-progress", [], "one snapshot at a time; the first seed's snapshot is still running")],
        ["EraseCustomerPersonalData"] = [new(404, "not-found", [], "the first seed's erasure removed the customer")],
        ["StartExperimentRun"] = [new(409, "run-in-progress", [], "one significance run at a time; the first seed's run is still going")],
        ["OfrepEvaluateFlag"] = [new(404, "not-found", [], "no fixture: the test creates no flag")],
        ["EvaluateFlag"] = [new(404, "not-found", [], "no fixture: the test creates no flag")],
        ["AssignExperiment"] = [new(404, "not-found", [], "no fixture: the test creates no experiment")],
        ["PatchCustomerTicket"] = [new(404, "not-found", [], "no fixture: the test creates no ticket")],
        ["ReceiveInboundWebhook"] = [new(404, "not-found", [], "no fixture: the test creates no inbound source")],
        ["DryRunNotificationTrigger"] = [new(404, "not-found", [], "no fixture: the test creates no notification trigger")],
        ["PreviewNotificationTrigger"] = [new(404, "not-found", [], "no fixture: the test creates no notification trigger")],
        ["ReplaceDeviceSession"] = [new(404, "not-found", [], "no fixture: the test creates no device session")],
        ["ReplayWebhookDeliveries"] = [new(404, "not-found", [], "no fixture: the test creates no webhook subscription")],
        ["PutClaimsMapping"] =
        [
            new(400, "validation-failed", ["issuerKey:unknown-issuer"], "the issuer of the URL must be configured (Cx:Auth:SsoIssuers)"),
        ],
        ["CreateApiKey"] =
        [
            new(
                400,
                "validation-failed",
                ["/scopes:public-key", "/expiresAt:range"],
                "a public key carries only events:write, and expiresAt is in the future (both in the descriptions)"
            ),
        ],
        ["IssueToken"] =
        [
            new(400, "invalid-grant", [], "the password, refresh token or id_token must be real"),
            new(
                400,
                "validation-failed",
                ["/username:required", "/password:required", "/refresh_token:required", "/subject_token:required"],
                "which fields a grant needs depends on grant_type (in the operation's description)"
            ),
        ],
        ["QueryFunnel"] =
        [
            new(
                400,
                "validation-failed",
                ["/from:range-too-large", "/to:range"],
                "to is after from and the range is at most 92 days (in the descriptions)"
            ),
        ],
        ["CreateJourney"] =
        [
            new(
                400,
                "validation-failed",
                ["/stages/awareness/*:duplicate", "/stages/consideration/*:duplicate", "/stages/action/*:duplicate"],
                "an event type belongs to one stage only (in the description)"
            ),
        ],
        ["ReplaceJourney"] =
        [
            new(
                400,
                "validation-failed",
                ["/stages/awareness/*:duplicate", "/stages/consideration/*:duplicate", "/stages/action/*:duplicate"],
                "an event type belongs to one stage only (in the description)"
            ),
        ],
    };

    private sealed record Allowance(int Status, string Code, string[] Errors, string Reason)
    {
        public bool Covers(int status, string code, IReadOnlyList<string> errors) =>
            status == Status && code == Code && (Errors.Length == 0 || errors.All(e => Errors.Any(allowed => Matches(allowed, e))));

        /// <summary><c>pointer:code</c> exactly, or <c>**/name:code</c>: that last pointer segment and code at any depth of the pointer's first segment.</summary>
        private static bool Matches(string allowed, string error)
        {
            var deep = allowed.IndexOf("/**/", StringComparison.Ordinal);
            return deep < 0
                ? allowed == error
                : error.StartsWith(allowed[..(deep + 1)], StringComparison.Ordinal)
                    && error.EndsWith(allowed[(deep + 3)..], StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// Segment criteria name fields of the customer schema of the moment, and each field's value has
    /// that field's type: a schema generated once for every deployment cannot list them (the rule
    /// language's shape is in the document, from docs/schemas/segment-criteria.schema.json). A
    /// between range is [low, high] with low &lt;= high, which JSON Schema cannot compare (value:type).
    /// </summary>
    private static Allowance CriteriaFields(string reason) =>
        new(400, "validation-failed", ["/criteria/**/field:unknown-field", "/criteria/**/value:type"], reason);

    /// <summary>
    /// Operations whose documented request schema is still looser than the server, with what the
    /// server checks that the document does not say. Each must still be refused at least once (so
    /// the list cannot go stale): tightening a schema removes its line.
    /// </summary>
    private static readonly Dictionary<string, string> StillLooser = new(StringComparer.Ordinal)
    {
        ["CreateComponent"] = "field definitions",
        ["ReplaceComponent"] = "field definitions",
        ["CreateContentType"] = "field definitions",
        ["ReplaceContentType"] = "field definitions",
        ["PatchEntry"] = "components is not a field of a type without components",
        ["PatchSingle"] = "components is not a field of a type without components",
        ["CreateCustomer"] = "date-time fields",
        ["ReplaceCustomer"] = "date-time fields",
        ["PatchCustomer"] = "date-time fields; email cannot be removed",
        ["RecordCustomerInteraction"] = "ticket names a ticket of the customer",
        ["SendCustomerNotification"] = "channel names a configured channel",
        ["CreateCustomerTicket"] = "a new ticket starts as new",
        ["CreateEventType"] = "event property definitions",
        ["ReplaceEventType"] = "event property definitions",
        ["TrackEvents"] = "event shape",
        ["CreateExperiment"] = "experiment shape",
        ["ReplaceExperiment"] = "experiment shape",
        ["CreateFlag"] = "flag shape",
        ["ReplaceFlag"] = "flag shape",
        ["Identify"] = "exactly one of customerId, email or authId; e-mail format",
        ["CreateInboundSource"] = "inbound source shape",
        ["ReplaceInboundSource"] = "inbound source shape",
        ["CreateNotificationTrigger"] = "on.kind, condition, delay, channels, topic",
        ["ReplaceNotificationTrigger"] = "on.kind, condition, delay, channels, topic",
        ["PreviewPersonalization"] = "customerId, profile, segment keys, device, language",
        ["CreatePlacement"] = "content type, weights, threshold, fallback, holdout",
        ["ReplacePlacement"] = "content type, weights, threshold, fallback, holdout",
        ["ReplayMutations"] = "mutation counters and ifMatch",
        ["SubscribeRealtime"] = "channel names",
        ["CreateWebhook"] = "url and filters",
        ["ReplaceWebhook"] = "url and filters",
    };

    private readonly HttpClient _client = CreateClient(host);

    private static HttpClient CreateClient(BadInputDevHost host)
    {
        var client = host.CreateRawClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", host.IssueToken(Roles.Admin));
        return client;
    }

    [GeneratedRegex(@"\{([^}]+)\}", RegexOptions.CultureInvariant)]
    private static partial Regex PathParameter();

    [Fact]
    public async Task Should_accept_a_body_generated_from_the_request_schema_of_every_operation()
    {
        var bodies = new List<JsonObject>();
        foreach (var version in new[] { "v1", "v2" })
        {
            bodies.AddRange(await GenerateAsync(await _client.GetStringAsync($"/api/{version}/openapi.json")));
        }
        Assert.True(bodies.Count >= 60 * Seeds, $"only {bodies.Count} generated bodies");

        var values = await BadInputContractTests.PathValuesAsync(_client);
        var failures = new List<string>();
        var operations = new HashSet<string>(StringComparer.Ordinal);
        var refused = new HashSet<string>(StringComparer.Ordinal);
        // The erasure removes the customer the other operations use, so it goes last.
        foreach (var generated in bodies.OrderBy(b => b["operationId"]!.GetValue<string>() == "EraseCustomerPersonalData"))
        {
            var operationId = generated["operationId"]!.GetValue<string>();
            operations.Add(operationId);
            var body = generated["body"];
            SameAsUrl(generated, body, values);
            var path = PathParameter()
                .Replace(
                    generated["path"]!.GetValue<string>(),
                    m => Uri.EscapeDataString(BadInputContractTests.Value(values, generated["path"]!.GetValue<string>(), m.Value))
                );
            using var request = new HttpRequestMessage(new HttpMethod(generated["method"]!.GetValue<string>()), path)
            {
                Content = new StringContent(body?.ToJsonString() ?? "null", Encoding.UTF8),
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(generated["mediaType"]!.GetValue<string>());
            using var response = await _client.SendAsync(request);
            var status = (int)response.StatusCode;
            if (status < 400)
            {
                continue;
            }
            var text = await response.Content.ReadAsStringAsync();
            var code = Code(text);
            if (Allowed.TryGetValue(operationId, out var allowed) && allowed.Any(a => a.Covers(status, code, Errors(text))))
            {
                continue;
            }
            if (status < 500 && StillLooser.ContainsKey(operationId))
            {
                refused.Add(operationId);
                continue;
            }
            failures.Add(
                $"{operationId} seed {generated["seed"]}: {status} {Excerpt(text, 1500)}\n    body {Excerpt(body?.ToJsonString() ?? "", 400)}"
            );
        }

        Assert.True(operations.Count >= 60, $"only {operations.Count} operations with a JSON body");
        Assert.True(failures.Count == 0, $"{failures.Count} generated bodies refused:\n" + string.Join("\n", failures));
        var stale = StillLooser.Keys.Where(o => !refused.Contains(o)).ToList();
        Assert.True(stale.Count == 0, "Accepted now, remove from StillLooser: " + string.Join(", ", stale));
    }

    /// <summary>
    /// What no schema can say, set by the test: a body's <c>key</c> (or an entry's <c>id</c>) equals the
    /// resource key of the URL it is sent to, and an erasure's <c>confirm</c> repeats the customer id.
    /// </summary>
    private static void SameAsUrl(JsonObject generated, JsonNode? body, Dictionary<string, string> values)
    {
        if (body is not JsonObject fields)
        {
            return;
        }
        var path = generated["path"]!.GetValue<string>();
        var replaces = generated["method"]!.GetValue<string>() is "PUT" or "PATCH";
        var last = PathParameter().Matches(path).LastOrDefault();
        if (last is null || !replaces || !path.EndsWith(last.Value, StringComparison.Ordinal))
        {
            if (fields.ContainsKey("confirm") && path.EndsWith("/erasure", StringComparison.Ordinal))
            {
                fields["confirm"] = values["customerId"];
            }
            return;
        }
        var value = BadInputContractTests.Value(values, path, last.Value);
        foreach (var name in (string[])["key", "id"])
        {
            if (fields.ContainsKey(name))
            {
                fields[name] = value;
            }
        }
    }

    private static async Task<IReadOnlyList<JsonObject>> GenerateAsync(string document)
    {
        var file = Path.Combine(Path.GetTempPath(), "cx-openapi-bodies-" + Guid.NewGuid().ToString("n") + ".json");
        await File.WriteAllTextAsync(file, document);
        try
        {
            var (exit, output, error) = await NodeScript.RunAsync(
                Generator,
                [file, Seeds.ToString(System.Globalization.CultureInfo.InvariantCulture)]
            );
            Assert.True(exit == 0, error);
            return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonNode.Parse(line)!.AsObject())];
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>The errors a problem names, as <c>pointer:code</c> (or <c>parameter:code</c>) with array indexes as <c>*</c>.</summary>
    private static List<string> Errors(string text)
    {
        try
        {
            return JsonNode.Parse(text)?["errors"] is JsonArray errors
                ?
                [
                    .. errors.Select(e =>
                        Index().Replace((e?["pointer"] ?? e?["parameter"])?.GetValue<string>() ?? "", "/*")
                        + ":"
                        + e?["code"]?.GetValue<string>()
                    ),
                ]
                : [];
        }
        catch (System.Text.Json.JsonException)
        {
            return [];
        }
    }

    [GeneratedRegex(@"/[0-9]+(?=/|$)", RegexOptions.CultureInvariant)]
    private static partial Regex Index();

    /// <summary>The problem's code or the OAuth error code of an answer.</summary>
    private static string Code(string text)
    {
        try
        {
            var node = JsonNode.Parse(text);
            return node?["code"]?.GetValue<string>() ?? node?["error"]?.GetValue<string>() ?? "";
        }
        catch (System.Text.Json.JsonException)
        {
            return "";
        }
    }

    private static string Excerpt(string text, int length) => text.Length > length ? text[..length] + "..." : text;
}
