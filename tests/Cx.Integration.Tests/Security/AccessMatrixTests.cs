using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text;
using Cx.Core.Identity;
using Cx.DevHost;
using Cx.Http.Security;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.Security;

/// <summary>A host whose auth endpoints are not rate limited, so the table can call them for every role.</summary>
public sealed class UnlimitedDevHostFactory : DevHostFactory
{
    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?> { ["Cx:RateLimits:Enabled"] = "false" };
}

/// <summary>
/// What each kind of caller may do on every route, written out here independently of the code,
/// and checked over HTTP: an allowed call is never 401/403 and never a 5xx, a denied one is 403
/// (401 when anonymous). Adding a function without a row here, or keeping a row for a function
/// that is gone, fails <see cref="Should_have_a_row_for_every_http_function_and_no_other"/>. The
/// worker's middleware is held to the same table by <see cref="WorkerAccessTests"/>.
/// </summary>
public sealed class AccessMatrixTests(UnlimitedDevHostFactory host) : IClassFixture<UnlimitedDevHostFactory>
{
    private const string Admin = "admin";
    private const string Marketer = "marketer";
    private const string Editor = "editor";
    private const string Support = "support_agent";
    private const string Self = "customer-self";
    private const string Other = "customer-other";
    private const string ServiceKey = "service-key";
    private const string PublicKey = "public-key";
    internal const string Anonymous = "anonymous";

    public static readonly string[] Callers = [Admin, Marketer, Editor, Support, Self, Other, ServiceKey, PublicKey, Anonymous];

    private static readonly string[] Everyone = Callers;
    private static readonly string[] Authenticated = [Admin, Marketer, Editor, Support, Self, Other, ServiceKey, PublicKey];

    /// <summary>Function → who may call it. The service key holds customers:read and content:read.</summary>
    internal static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["ListCustomers"] = [Admin, Marketer, Support, ServiceKey],
        ["ListCustomersV2"] = [Admin, Marketer, Support, ServiceKey],
        ["CreateCustomer"] = [Admin, Support],
        ["GetCustomer"] = [Admin, Marketer, Support, Self, ServiceKey],
        ["ReplaceCustomer"] = [Admin, Support, Self],
        ["PatchCustomer"] = [Admin, Support, Self],
        ["DeleteCustomer"] = [Admin],
        ["ExportCustomers"] = [Admin, Marketer, Support, ServiceKey],
        ["ExportEntries"] = [Admin, Marketer, Editor, Support, Self, Other, ServiceKey],
        ["ExportEvents"] = [Admin, Marketer, Support],
        ["ExportRollups"] = [Admin, Marketer],
        ["StartCustomerExportJob"] = [Admin, Marketer, Support, ServiceKey],
        ["StartEntryExportJob"] = [Admin, Marketer, Editor, Support, Self, Other, ServiceKey],
        ["StartEventExportJob"] = [Admin, Marketer, Support],
        ["StartRollupExportJob"] = [Admin, Marketer],
        ["GetExportJob"] = Authenticated,
        ["DownloadExportFile"] = Everyone,
        ["ImportCustomers"] = [Admin, Support],
        // Store snapshots (ADR 0444): snapshots:manage, admins only.
        ["StartSnapshot"] = [Admin],
        ["ListSnapshots"] = [Admin],
        ["GetSnapshot"] = [Admin],
        ["ImportEntries"] = [Admin, Marketer, Editor],
        ["ListContentTypes"] = [Admin, Marketer, Editor],
        ["GetContentType"] = [Admin, Marketer, Editor],
        ["CreateContentType"] = [Admin, Editor],
        ["ReplaceContentType"] = [Admin, Editor],
        ["DeleteContentType"] = [Admin, Editor],
        ["ListComponents"] = [Admin, Marketer, Editor],
        ["GetComponent"] = [Admin, Marketer, Editor],
        ["CreateComponent"] = [Admin, Editor],
        ["ReplaceComponent"] = [Admin, Editor],
        ["DeleteComponent"] = [Admin, Editor],
        ["ListEntries"] = [Admin, Marketer, Editor, Support, Self, Other, ServiceKey],
        ["GetEntry"] = [Admin, Marketer, Editor, Support, Self, Other, ServiceKey],
        ["GetSingle"] = [Admin, Marketer, Editor, Support, Self, Other, ServiceKey],
        ["CreateEntry"] = [Admin, Marketer, Editor],
        ["ReplaceEntry"] = [Admin, Marketer, Editor],
        ["PatchEntry"] = [Admin, Marketer, Editor],
        ["DeleteEntry"] = [Admin, Marketer, Editor],
        ["PutSingle"] = [Admin, Marketer, Editor],
        ["PatchSingle"] = [Admin, Marketer, Editor],
        ["DeleteSingle"] = [Admin, Marketer, Editor],
        ["Health"] = Everyone,
        ["GetOpenApiDocument"] = Everyone,
        ["GetOpenApiDocumentV2"] = Everyone,
        ["GetApiReference"] = Everyone,
        ["GetApiReferenceV2"] = Everyone,
        ["GetGraphQLExplorer"] = Everyone,
        ["GetWebAsset"] = Everyone,
        ["IssueToken"] = Everyone,
        ["RevokeToken"] = Everyone,
        ["GetSigningKeys"] = Everyone,
        ["SignOut"] = Authenticated,
        ["SignOutEverywhere"] = Authenticated,
        ["GetCurrentActor"] = Authenticated,
        ["ListAccounts"] = [Admin],
        ["CreateAccount"] = [Admin],
        ["GetAccount"] = [Admin],
        ["UpdateAccount"] = [Admin],
        ["SetAccountPassword"] = [Admin],
        ["DeleteAccount"] = [Admin],
        ["ListApiKeys"] = [Admin],
        ["CreateApiKey"] = [Admin],
        ["RevokeApiKey"] = [Admin],
        ["QueryAudit"] = [Admin],
        ["VerifyAudit"] = [Admin],
        ["GetClaimsMapping"] = [Admin],
        ["PutClaimsMapping"] = [Admin],
        ["DeleteClaimsMapping"] = [Admin],
        // A customer token passes the gate for events and identify; the handler then refuses
        // any event or link naming another customer (EventAccessTests).
        ["TrackEvents"] = [Admin, Marketer, Self, Other, PublicKey],
        ["Identify"] = [Admin, Marketer, Self, Other, PublicKey],
        ["GetEventStreamStatus"] = [Admin, Marketer, Support],
        ["ListEventTypes"] = [Admin, Marketer, Editor],
        ["GetEventType"] = [Admin, Marketer, Editor],
        ["GetEventTypeSettings"] = [Admin, Marketer, Editor],
        ["CreateEventType"] = [Admin, Editor],
        ["ReplaceEventType"] = [Admin, Editor],
        ["ReplaceEventTypeSettings"] = [Admin, Editor],
        ["DeleteEventType"] = [Admin, Editor],
        ["GetCustomerTimeline"] = [Admin, Marketer, Support, Self],
        ["GetCustomerPersonalData"] = [Admin, Self],
        ["EraseCustomerPersonalData"] = [Admin],
        ["GetCustomerBehavior"] = [Admin, Marketer, Support, Self],
        // Analytics is for staff who hold analytics:read; journey definitions change with journeys:write.
        ["GetRollups"] = [Admin, Marketer],
        ["QueryFunnel"] = [Admin, Marketer],
        ["ListJourneys"] = [Admin, Marketer],
        ["GetJourney"] = [Admin, Marketer],
        ["GetJourneyReport"] = [Admin, Marketer],
        ["CreateJourney"] = [Admin, Marketer],
        ["ReplaceJourney"] = [Admin, Marketer],
        ["DeleteJourney"] = [Admin, Marketer],
        // Segments: segments:read for marketers and support agents, segments:write for marketers.
        // A customer never reads segment rules, its own explanation included.
        // Placements: personalization:read and :write, marketers and admins.
        ["ListPlacements"] = [Admin, Marketer],
        ["GetPlacement"] = [Admin, Marketer],
        ["CreatePlacement"] = [Admin, Marketer],
        ["ReplacePlacement"] = [Admin, Marketer],
        ["DeletePlacement"] = [Admin, Marketer],
        // Decisions: content:read (a customer for itself, keys for anonymous visitors); preview and the log with personalization:read.
        ["Personalize"] = [Admin, Marketer, Editor, Support, Self, Other, ServiceKey],
        ["GetPersonalizationEdgeToken"] = [Admin, Marketer, Editor, Support, Self, Other, ServiceKey],
        ["PreviewPersonalization"] = [Admin, Marketer],
        ["ListPersonalizationDecisions"] = [Admin, Marketer],
        ["ListSegments"] = [Admin, Marketer, Support],
        ["GetSegment"] = [Admin, Marketer, Support],
        ["CreateSegment"] = [Admin, Marketer],
        ["ReplaceSegment"] = [Admin, Marketer],
        ["DeleteSegment"] = [Admin, Marketer],
        ["ListSegmentVersions"] = [Admin, Marketer, Support],
        ["ListSegmentMembers"] = [Admin, Marketer, Support],
        ["PreviewSegment"] = [Admin, Marketer, Support],
        ["DryRunSegment"] = [Admin, Marketer, Support],
        ["GetSegmentRecompute"] = [Admin, Marketer, Support],
        ["StartSegmentRecompute"] = [Admin, Marketer],
        ["ExplainSegmentMembership"] = [Admin, Marketer, Support],
        // Feature flags: flags:read, flags:write and flags:evaluate for marketers (and admins); no customer reads flag documents.
        ["ListFlags"] = [Admin, Marketer],
        ["GetFlag"] = [Admin, Marketer],
        ["CreateFlag"] = [Admin, Marketer],
        ["ReplaceFlag"] = [Admin, Marketer],
        ["DeleteFlag"] = [Admin, Marketer],
        ["PublishFlag"] = [Admin, Marketer],
        ["ListFlagVersions"] = [Admin, Marketer],
        ["EvaluateFlag"] = [Admin, Marketer],
        ["OfrepEvaluateFlag"] = [Admin, Marketer],
        ["OfrepEvaluateFlags"] = [Admin, Marketer],
        // Experiments reuse the flag permissions (ADR 0412).
        ["ListExperiments"] = [Admin, Marketer],
        ["GetExperiment"] = [Admin, Marketer],
        ["CreateExperiment"] = [Admin, Marketer],
        ["ReplaceExperiment"] = [Admin, Marketer],
        ["DeleteExperiment"] = [Admin, Marketer],
        ["AssignExperiment"] = [Admin, Marketer],
        ["StartExperimentRun"] = [Admin, Marketer],
        ["GetExperimentRun"] = [Admin, Marketer],
        // Dead letters of lifecycle hooks: lifecycle:manage, admins only (no API-key scope grants it).
        ["ListDeadLetters"] = [Admin],
        ["GetDeadLetter"] = [Admin],
        ["ReplayDeadLetter"] = [Admin],
        ["DiscardDeadLetter"] = [Admin],
        // Outbound webhooks: webhooks:manage, admins (and API keys given that scope).
        ["ListWebhooks"] = [Admin],
        ["CreateWebhook"] = [Admin],
        ["GetWebhook"] = [Admin],
        ["ReplaceWebhook"] = [Admin],
        ["DeleteWebhook"] = [Admin],
        ["ListWebhookDeliveries"] = [Admin],
        ["GetWebhookDelivery"] = [Admin],
        ["ReplayWebhookDelivery"] = [Admin],
        ["ReplayWebhookDeliveries"] = [Admin],
        // Support: tickets:read and :write for agents; a customer reads its own tickets and records its own self-service events.
        ["ListCustomerTickets"] = [Admin, Support, Self],
        ["CreateCustomerTicket"] = [Admin, Support],
        ["GetCustomerTicket"] = [Admin, Support, Self],
        ["PatchCustomerTicket"] = [Admin, Support],
        ["RecordCustomerInteraction"] = [Admin, Support],
        ["RecordSelfServiceEvent"] = [Admin, Marketer, Self, PublicKey],
        ["GetSupportContext"] = [Admin, Support],
        // Realtime: any caller negotiates and subscribes; each channel is authorised by the service (RealtimeTests).
        ["NegotiateRealtime"] = Authenticated,
        ["SubscribeRealtime"] = Authenticated,
        ["ReplayMutations"] = Authenticated,
        ["CreateDeviceSession"] = Authenticated,
        ["GetDeviceSession"] = Authenticated,
        ["ReplaceDeviceSession"] = Authenticated,
        ["RevokeDeviceSession"] = Authenticated,
        // GraphQL: the route takes any credentials; each field checks its REST permission (GraphQLTests).
        ["ExecuteGraphQL"] = Authenticated,
        ["ExecuteGraphQLByGet"] = Authenticated,
        // Inbound webhooks: a delivery carries no token (its signature is checked; an unknown source is 404);
        // the source documents need webhooks:manage.
        ["ReceiveInboundWebhook"] = Everyone,
        ["ListInboundSources"] = [Admin],
        ["CreateInboundSource"] = [Admin],
        ["GetInboundSource"] = [Admin],
        ["ReplaceInboundSource"] = [Admin],
        ["DeleteInboundSource"] = [Admin],
        // Feedback: a customer gives its own; staff with events:write (marketers) and public keys may record it.
        ["RecordCustomerFeedback"] = [Admin, Marketer, Self, PublicKey],
        ["GetNpsReport"] = [Admin, Marketer],
        ["GetNpsAdoption"] = [Admin, Marketer],
        // Notifications: triggers, delivery logs and direct sends need notifications:manage (admins, marketers);
        // the inbox is the customer's own (customers:read / customers:write with :self, like the profile).
        ["ListNotificationTriggers"] = [Admin, Marketer],
        ["CreateNotificationTrigger"] = [Admin, Marketer],
        ["GetNotificationTrigger"] = [Admin, Marketer],
        ["ReplaceNotificationTrigger"] = [Admin, Marketer],
        ["DeleteNotificationTrigger"] = [Admin, Marketer],
        ["ListCustomerNotifications"] = [Admin, Marketer],
        ["SendCustomerNotification"] = [Admin, Marketer],
        ["ListCustomerInbox"] = [Admin, Marketer, Support, Self, ServiceKey],
        ["MarkInboxMessageRead"] = [Admin, Support, Self],
        ["PreviewNotificationTrigger"] = [Admin, Marketer],
        ["DryRunNotificationTrigger"] = [Admin, Marketer],
        ["GetNotificationPreferences"] = [Admin, Marketer, Support, Self, ServiceKey],
        ["UpdateNotificationPreferences"] = [Admin, Support, Self],
        // The unsubscribe link is anonymous: its HMAC signature is the authorization.
        ["UnsubscribeNotifications"] = Everyone,
        ["ListNotificationDeadLetters"] = [Admin, Marketer],
        ["ReplayNotificationDeadLetter"] = [Admin, Marketer],
    };

    internal static IReadOnlyList<FunctionDescriptor> HttpFunctions =>
        [.. FunctionMetadata.Load(Path.Combine(AppContext.BaseDirectory, FunctionMetadata.FileName)).Where(f => f.Http is not null)];

    public static TheoryData<string> FunctionNames()
    {
        var data = new TheoryData<string>();
        foreach (var function in HttpFunctions)
        {
            data.Add(function.Name);
        }
        return data;
    }

    [Fact]
    public void Should_have_a_row_for_every_http_function_and_no_other()
    {
        var functions = HttpFunctions.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        Assert.Empty(functions.Except(Allowed.Keys).Order(StringComparer.Ordinal));
        // A row for a function that no longer exists checks nothing: remove it.
        Assert.Empty(Allowed.Keys.Except(functions).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Should_declare_an_access_policy_on_every_function()
    {
        var undeclared = typeof(Cx.Functions.ProblemDetailsMiddleware)
            .Assembly.GetTypes()
            .SelectMany(t => t.GetMethods())
            .Where(m =>
                m.GetCustomAttribute<Microsoft.Azure.Functions.Worker.FunctionAttribute>() is not null
                && m.GetCustomAttribute<AccessAttribute>() is null
            )
            .Select(m => m.Name)
            .ToList();
        Assert.Empty(undeclared);
    }

    [Theory]
    [MemberData(nameof(FunctionNames))]
    public async Task Should_allow_exactly_the_callers_of_the_table(string functionName)
    {
        Assert.True(Allowed.TryGetValue(functionName, out var allowed), $"{functionName} has no row in the access table.");
        var function = HttpFunctions.Single(f => f.Name == functionName);
        var (serviceKey, publicKey) = await CreateKeysAsync(host);
        var failures = new List<string>();
        foreach (var caller in Callers)
        {
            var selfId = "self-" + Guid.NewGuid().ToString("n")[..8];
            var request = BuildRequest(function, selfId);
            Authorize(request, caller, selfId, serviceKey, publicKey);
            var response = await host.CreateAnonymousClient().SendAsync(request);
            var status = (int)response.StatusCode;
            var shouldPass = allowed.Contains(caller);
            var denied = caller == Anonymous ? 401 : 403;
            if (status >= 500)
            {
                // A crash is not an answer: it says nothing about whether the caller was let in.
                failures.Add($"{caller} got {status}: {await response.Content.ReadAsStringAsync()}");
            }
            else if (shouldPass && status is 401 or 403)
            {
                failures.Add($"{caller} was refused with {status}: {await response.Content.ReadAsStringAsync()}");
            }
            else if (!shouldPass && status != denied)
            {
                failures.Add($"{caller} should get {denied} but got {status}");
            }
        }
        Assert.True(failures.Count == 0, $"{functionName}: " + string.Join("; ", failures));
    }

    /// <summary>The value of each parameter of a route: the caller's own id for <c>customerId</c>, fixed samples otherwise.</summary>
    internal static Dictionary<string, string> RouteValues(string route, string selfId)
    {
        var samples = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["customerId"] = selfId,
            ["typeKey"] = "matrix-type",
            ["entryId"] = "e1",
            ["componentKey"] = "matrix-component",
            ["accountId"] = "acct-unknown",
            ["keyId"] = "unknown-key",
            ["issuerKey"] = "unknown-issuer",
            ["eventType"] = "matrix_event",
            ["journeyKey"] = "matrix-journey",
            ["segmentKey"] = "matrix-segment",
            ["placementKey"] = "matrix.placement",
            ["flagKey"] = "matrix-flag",
            ["experimentKey"] = "matrix-experiment",
            ["hook"] = "segments",
            ["deadLetterId"] = new string('0', 40),
            ["webhookKey"] = "matrix-webhook",
            ["deliveryId"] = "msg_" + new string('0', 32),
            ["ticketId"] = "t1",
            ["sessionId"] = "matrix-session",
            ["source"] = "matrix-source",
            ["sourceKey"] = "matrix-source",
            ["triggerKey"] = "matrix-trigger",
            ["messageId"] = "inb_" + new string('0', 32),
            ["jobId"] = new string('0', 32),
            ["fileName"] = "part-00001.csv",
            ["snapshotId"] = "snap-matrix",
            ["file"] = "matrix-ABCDEF.js",
        };
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Text.RegularExpressions.Match match in System.Text.RegularExpressions.Regex.Matches(route, "{([^}:?]+)[^}]*}"))
        {
            var name = match.Groups[1].Value;
            values[name] = samples.TryGetValue(name, out var value)
                ? value
                : throw new InvalidOperationException($"Route parameter {{{name}}} of {route} has no sample value in the access matrix.");
        }
        return values;
    }

    private static HttpRequestMessage BuildRequest(FunctionDescriptor function, string selfId)
    {
        var path = function.Http!.Route!;
        foreach (var (name, value) in RouteValues(path, selfId))
        {
            path = path.Replace("{" + name + "}", value, StringComparison.Ordinal);
        }
        var method = new HttpMethod(function.Http.Methods![0]);
        var request = new HttpRequestMessage(method, "/api/" + path);
        if (method != HttpMethod.Get && method != HttpMethod.Delete)
        {
            request.Content = new StringContent(
                "{}",
                Encoding.UTF8,
                method == HttpMethod.Patch ? "application/merge-patch+json" : "application/json"
            );
        }
        return request;
    }

    private void Authorize(HttpRequestMessage request, string caller, string selfId, string serviceKey, string publicKey)
    {
        if (Credentials(host, caller, selfId, serviceKey, publicKey) is { } credentials)
        {
            request.Headers.TryAddWithoutValidation(credentials.Header, credentials.Value);
        }
    }

    /// <summary>The header that identifies a kind of caller (none for anonymous).</summary>
    internal static (string Header, string Value)? Credentials(
        DevHostFactory host,
        string caller,
        string selfId,
        string serviceKey,
        string publicKey
    )
    {
        var subject = "matrix-" + Guid.NewGuid().ToString("n")[..8];
        return caller switch
        {
            Self => ("Authorization", "Bearer " + host.IssueToken(Roles.Customer, selfId)),
            Other => ("Authorization", "Bearer " + host.IssueToken(Roles.Customer, "other-" + subject)),
            ServiceKey => (RequestGate.ApiKeyHeader, serviceKey),
            PublicKey => (RequestGate.ApiKeyHeader, publicKey),
            Anonymous => null,
            _ => ("Authorization", "Bearer " + host.IssueToken(caller, subject: subject)),
        };
    }

    /// <summary>A service key (customers:read, content:read) and a public key (events:write) of the host.</summary>
    internal static async Task<(string ServiceKey, string PublicKey)> CreateKeysAsync(DevHostFactory host) =>
        (
            await CreateKeyAsync(host, [Permissions.CustomersRead, Permissions.ContentRead], isPublic: false),
            await CreateKeyAsync(host, [Permissions.EventsWrite], isPublic: true)
        );

    private static async Task<string> CreateKeyAsync(DevHostFactory host, string[] scopes, bool isPublic)
    {
        var body = new System.Text.Json.Nodes.JsonObject
        {
            ["name"] = "matrix",
            ["scopes"] = new System.Text.Json.Nodes.JsonArray([.. scopes.Select(s => (System.Text.Json.Nodes.JsonNode)s)]),
            ["public"] = isPublic,
        };
        var response = await host.CreateApiClient().PostAsync("api-keys", HttpAssertions.Json(body)).ShouldBeAsync(HttpStatusCode.Created);
        return (await response.ReadObjectAsync())["secret"]!.GetValue<string>();
    }
}
