using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cx.Core.Identity;
using Cx.Http.OpenApi;
using Cx.Http.Responses;
using Microsoft.OpenApi;

namespace Cx.Http.Lifecycle;

/// <summary>The error a hook failed with last.</summary>
public sealed record DeadLetterErrorView(string Type, string Message);

/// <summary>The change a hook failed on; the bodies only when one dead letter is read.</summary>
public sealed record DeadLetterChangeView(
    string Position,
    string Container,
    string DocumentId,
    string PartitionKey,
    string DocumentType,
    string Kind,
    string ETag,
    string CommittedAt,
    JsonElement? Before = null,
    JsonElement? After = null
);

/// <summary>A change a lifecycle hook failed on: still retrying, dead-lettered, or replayed.</summary>
public sealed record DeadLetterView(
    string Id,
    string Hook,
    string Status,
    int Attempts,
    string FirstFailedAt,
    string LastFailedAt,
    DeadLetterErrorView Error,
    DeadLetterChangeView Change,
    string? DeadAt = null,
    string? ReplayedAt = null,
    string? ReplayedBy = null
);

/// <summary>What a replay did: replayed, already-replayed (nothing ran) or failed (the attempt is counted).</summary>
public sealed record DeadLetterReplayView(string Outcome, DeadLetterView DeadLetter);

/// <summary>The serializer contracts of the dead-letter endpoints: the responses use them and the OpenAPI document is derived from them.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DeadLetterView))]
[JsonSerializable(typeof(ItemsPage<DeadLetterView>))]
[JsonSerializable(typeof(DeadLetterReplayView))]
public sealed partial class DeadLetterJsonContext : JsonSerializerContext
{
    /// <summary>The context with readable escaping, as every Cx response.</summary>
    public static DeadLetterJsonContext Relaxed { get; } =
        new(
            new JsonSerializerOptions(JsonSerializerDefaults.Web)
            {
                Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
                DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            }
        );
}

public static class DeadLetterRoutes
{
    public const string Collection = "v1/dead-letters";

    public const string ById = "v1/dead-letters/{hook}/{deadLetterId}";

    /// <summary><c>POST</c>: run the hook again on the stored change.</summary>
    public const string Replay = "v1/dead-letters/{hook}/{deadLetterId}/replay";

    /// <summary>What a hook name looks like (the hooks of the app are named in code: <c>segments</c>).</summary>
    public const string HookPattern = "^[a-z][a-z0-9-]{0,63}$";

    private const string IdPattern = "^[0-9a-f]{40}$";

    private static readonly ApiParameter[] RouteParameters =
    [
        new("hook", ApiParameterLocation.Path, "The hook's name (segments).", ApiSchemaRef.Inline(() => Pattern(HookPattern)))
        {
            Required = true,
        },
        new("deadLetterId", ApiParameterLocation.Path, "The dead letter's id.", ApiSchemaRef.Inline(() => Pattern(IdPattern)))
        {
            Required = true,
        },
    ];

    private static OpenApiSchema Pattern(string pattern) => new() { Type = JsonSchemaType.String, Pattern = pattern };

    private static ApiSchemaRef View => ApiSchemaRef.FromJson(DeadLetterJsonContext.Default.DeadLetterView);

    /// <summary>The OpenAPI operations of these routes, one per function (see <see cref="ApiCatalog"/>).</summary>
    [ApiOperations]
    internal static IEnumerable<ApiOperation> Operations =>
        [
            new()
            {
                OperationId = "ListDeadLetters",
                Method = "GET",
                Route = Collection,
                Tag = ApiTags.Administration,
                Summary = "List the changes lifecycle hooks failed on",
                Description =
                    "Newest failure first, without the change bodies. filter[hook]=name and filter[status]=retrying|dead|replayed. "
                    + "A change is retried until it has failed Cx:Hooks:MaxAttempts times, then dead-lettered and skipped.",
                Permission = Permissions.LifecycleManage,
                Parameters =
                [
                    new ApiParameter(
                        "filter",
                        ApiParameterLocation.Query,
                        "Equality on hook and status (retrying, dead, replayed).",
                        ApiSchemaRef.Inline(() => new OpenApiSchema { Type = JsonSchemaType.Object })
                    )
                    {
                        DeepObject = true,
                    },
                    ApiParameters.Limit,
                    ApiParameters.Cursor,
                ],
                Responses =
                [
                    new(200, "A page of dead letters.")
                    {
                        Schema = ApiSchemaRef.FromJson(DeadLetterJsonContext.Default.ItemsPageDeadLetterView),
                        Headers = [ApiHeaders.Link],
                    },
                ],
                Problems = [400],
            },
            new()
            {
                OperationId = "GetDeadLetter",
                Method = "GET",
                Route = ById,
                Tag = ApiTags.Administration,
                Summary = "Inspect a dead letter",
                Description =
                    "The attempts, the last error and the change with its before and after bodies (as the change feed delivered them).",
                Permission = Permissions.LifecycleManage,
                Parameters = RouteParameters,
                Responses = [new(200, "The dead letter.") { Schema = View }],
                Problems = [400, 404],
            },
            new()
            {
                OperationId = "ReplayDeadLetter",
                Method = "POST",
                Route = Replay,
                Tag = ApiTags.Administration,
                Summary = "Run the failed hook again on the stored change",
                Description =
                    "Idempotent: a replayed dead letter is not run again (outcome already-replayed). When the hook fails again the "
                    + "outcome is failed and the attempt is counted. A change still being retried by the dispatcher is a 409. Audited.",
                Permission = Permissions.LifecycleManage,
                Parameters = RouteParameters,
                Responses =
                [
                    new(200, "What the replay did.") { Schema = ApiSchemaRef.FromJson(DeadLetterJsonContext.Default.DeadLetterReplayView) },
                ],
                Problems = [400, 404, 409],
            },
            new()
            {
                OperationId = "DiscardDeadLetter",
                Method = "DELETE",
                Route = ById,
                Tag = ApiTags.Administration,
                Summary = "Discard a dead letter",
                Description =
                    "Deletes a dead or replayed letter; the audit entry keeps what it was. A change still being retried is a 409.",
                Permission = Permissions.LifecycleManage,
                Parameters = RouteParameters,
                Responses = [new(204, "Discarded.")],
                Problems = [400, 404, 409],
            },
        ];
}
