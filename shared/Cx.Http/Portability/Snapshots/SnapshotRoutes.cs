using Cx.Core.Identity;
using Cx.Http.OpenApi;
using Cx.Http.Requests;
using Microsoft.OpenApi;

namespace Cx.Http.Portability.Snapshots;

/// <summary>The routes of store snapshots (ADR 0444).</summary>
public static class SnapshotRoutes
{
    /// <summary><c>POST</c>: start a snapshot now; <c>GET</c>: the complete snapshots and the run.</summary>
    public const string Collection = "v1/snapshots";

    /// <summary><c>GET</c>: one snapshot's manifest.</summary>
    public const string ById = "v1/snapshots/{snapshotId}";

    private static readonly ApiSchemaRef Manifest = ApiSchemaRef.FromJson(SnapshotJson.Default.SnapshotManifest);

    [ApiOperations]
    internal static IEnumerable<ApiOperation> Operations =>
        [
            new()
            {
                OperationId = "StartSnapshot",
                Method = "POST",
                Route = Collection,
                Tag = ApiTags.Administration,
                Summary = "Start a store snapshot now",
                Description =
                    "Starts the singleton Durable orchestration that the nightly timer (Cx:Snapshots:Schedule) starts: one activity "
                    + "per table part writes a Parquet file, the manifest (row counts, table fingerprints, SHA-256 of every file) is "
                    + "written last, then the retention policy runs (docs/snapshots.md). 409 while a snapshot is pending or running, "
                    + "for an id that is complete already, or when the store has no snapshot adapter. Needs "
                    + Permissions.SnapshotsManage
                    + ".",
                RequestBody = new(ApiSchemaRef.Inline(StartBody), [RequestBody.Json], "Optionally the snapshot id."),
                Responses =
                [
                    new(202, "Started; follow it with GET.") { Schema = ApiSchemaRef.FromJson(SnapshotJson.Default.SnapshotRunState) },
                ],
                Problems = [400, 409, 413, 415],
            },
            new()
            {
                OperationId = "ListSnapshots",
                Method = "GET",
                Route = Collection,
                Tag = ApiTags.Administration,
                Summary = "List the complete snapshots",
                Description =
                    "Every complete snapshot (one with a manifest), newest first, each with its manifest, and the state of the "
                    + "current or last snapshot run the Durable backend knows (absent when it knows none).",
                Responses = [new(200, "The snapshots.") { Schema = ApiSchemaRef.FromJson(SnapshotJson.Default.SnapshotListView) }],
                Problems = [400],
            },
            new()
            {
                OperationId = "GetSnapshot",
                Method = "GET",
                Route = ById,
                Tag = ApiTags.Administration,
                Summary = "Read a snapshot's manifest",
                Description = "The manifest of a complete snapshot; 404 for an unknown or incomplete one.",
                Parameters =
                [
                    new(
                        "snapshotId",
                        ApiParameterLocation.Path,
                        "The snapshot id.",
                        ApiSchemaRef.Inline(() =>
                            new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^snap-[A-Za-z0-9_-]{1,59}$" }
                        )
                    )
                    {
                        Required = true,
                    },
                ],
                Responses = [new(200, "The manifest.") { Schema = Manifest }],
                Problems = [400, 404],
            },
        ];

    private static OpenApiSchema StartBody() =>
        new()
        {
            Type = JsonSchemaType.Object,
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["snapshotId"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    MinLength = 6,
                    MaxLength = 64,
                    Pattern = "^snap-[A-Za-z0-9_-]{1,59}$",
                    Description = "The snapshot id (default: snap- and the UTC time).",
                },
            },
            AdditionalPropertiesAllowed = false,
        };
}
