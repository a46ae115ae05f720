using System.Text.Json;
using Cx.Core.Analytics;
using Cx.Core.Content;
using Cx.Core.Documents;
using Cx.Core.Identity;
using Cx.Core.Segments;
using GraphQL;

namespace Cx.Http.GraphQL;

/// <summary>
/// What resolvers of one request share: the services the REST handlers use (no logic of
/// their own), the per-request batch loader and the caller. Passed as the execution's user context.
/// </summary>
public sealed class GraphQLRequestContext(
    EntryService entries,
    ContentTypeRegistry registry,
    SegmentService segments,
    FunnelService funnels,
    IDocumentStore store,
    TimeProvider time,
    Microsoft.Extensions.Options.IOptions<AnalyticsOptions> analytics
) : Dictionary<string, object?>
{
    public EntryService Entries { get; } = entries;

    public ContentTypeRegistry Registry { get; } = registry;

    public SegmentService Segments { get; } = segments;

    public FunnelService Funnels { get; } = funnels;

    public TimeProvider Time { get; } = time;

    public AnalyticsOptions Analytics { get; } = analytics.Value;

    public DocumentBatchLoader Loader { get; } = new(store);

    /// <summary>The HTTP request of this execution: the request context of personalize reads its headers as REST does.</summary>
    public Microsoft.AspNetCore.Http.HttpRequest? Request { get; set; }

    /// <summary>The caller, as the request gate authenticated it.</summary>
    public static Actor Actor => CurrentActor.Get();

    /// <summary>
    /// The same check the gate makes per route, here per field: the permission, and for a
    /// customer holding only its self form, the customer id the field reads (null: any).
    /// </summary>
    public static void Require(string permission, string? customerId = null)
    {
        var actor = Actor;
        if (!actor.Can(permission, customerId))
        {
            throw new ForbiddenException($"{Describe(actor)} may not read this field ({permission}).");
        }
    }

    /// <summary>Reading entries of a type needs what its REST routes need.</summary>
    public static void RequireType(ContentType type, string? customerId)
    {
        if (type.Storage.Container == Containers.Customers)
        {
            Require(Permissions.CustomersRead, customerId);
            return;
        }
        Require(Permissions.ContentRead);
        if (type.ReadPermission is { } permission)
        {
            Require(permission);
        }
    }

    public static GraphQLRequestContext Of(IResolveFieldContext context) => (GraphQLRequestContext)context.UserContext;

    public static JsonElement Parse(StoredDocument document) => JsonSerializer.Deserialize<JsonElement>(document.Json.Span);

    private static string Describe(Actor actor) =>
        actor.Kind switch
        {
            ActorKind.Customer => "A customer",
            ActorKind.ApiKey => "This API key",
            _ => "Your role",
        };
}
