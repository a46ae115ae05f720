using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Cx.Core.Common;
using Cx.Core.Portability.Snapshots;
using Cx.Http.Requests;
using Cx.Http.Responses;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Cx.Http.Portability.Snapshots;

/// <summary>The complete snapshots (newest first, each with its manifest) and the state of the snapshot run.</summary>
public sealed record SnapshotListView(IReadOnlyList<SnapshotManifest> Items, SnapshotRunState? Run);

/// <summary>The serializer contracts of the snapshot endpoints.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SnapshotListView))]
[JsonSerializable(typeof(SnapshotManifest))]
[JsonSerializable(typeof(SnapshotRunState))]
public sealed partial class SnapshotJson : JsonSerializerContext
{
    /// <summary>The context with readable escaping, as every Cx response.</summary>
    public static SnapshotJson Relaxed { get; } =
        new(
            new JsonSerializerOptions(JsonSerializerDefaults.Web)
            {
                Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
                DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            }
        );
}

/// <summary>
/// Store snapshots over HTTP (ADR 0444): start the singleton snapshot orchestration now, list the
/// complete snapshots with their manifests, read one manifest. The Durable client behind
/// <see cref="ISnapshotRuns"/> is the host's (the function binds it).
/// </summary>
public sealed class SnapshotEndpoints(SnapshotService snapshots, TimeProvider time, IOptions<HttpOptions> http)
{
    /// <summary><c>POST snapshots</c> with <c>{}</c> or <c>{"snapshotId": "snap-..."}</c>: 202 with the run, 409 while one runs.</summary>
    public async Task<IResult> StartAsync(HttpRequest request, ISnapshotRuns runs, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var body = await RequestBody.ReadObjectAsync(request, http.Value, cancellationToken);
        var errors = new List<FieldError>();
        string? snapshotId = null;
        foreach (var (name, node) in body)
        {
            if (name == "snapshotId")
            {
                snapshotId = node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
                if (!SnapshotService.IsSnapshotId(snapshotId))
                {
                    errors.Add(new("/snapshotId", "snapshot-id", "snap- and up to 59 letters, digits, '-' or '_'."));
                }
            }
            else
            {
                errors.Add(new("/" + name, "unknown-field", "The body takes snapshotId only."));
            }
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors);
        }
        if (!snapshots.Supported)
        {
            throw new ConflictException(
                "snapshots-unsupported",
                "Snapshots need the embedded SQLite store (Cx:Storage:Provider=Sqlite); this store has no snapshot adapter."
            );
        }
        snapshotId ??= SnapshotService.NewId(time.GetUtcNow());
        if (await snapshots.GetAsync(snapshotId, cancellationToken) is not null)
        {
            throw new ConflictException("snapshot-exists", $"Snapshot '{snapshotId}' is complete already; choose another id.");
        }
        var state =
            await runs.StartAsync(snapshotId, cancellationToken)
            ?? throw new ConflictException(
                "snapshot-in-progress",
                "A snapshot is pending or running; read it with GET and try again when it ends."
            );
        return new JsonContractResult<SnapshotRunState>(state, SnapshotJson.Relaxed.SnapshotRunState, StatusCodes.Status202Accepted);
    }

    /// <summary><c>GET snapshots</c>: the complete snapshots, newest first, and the run the Durable backend knows.</summary>
    public async Task<IResult> ListAsync(HttpRequest request, ISnapshotRuns runs, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var items = await snapshots.ListAsync(cancellationToken);
        var run = await runs.GetAsync(cancellationToken);
        return new JsonContractResult<SnapshotListView>(new SnapshotListView(items, run), SnapshotJson.Relaxed.SnapshotListView);
    }

    /// <summary><c>GET snapshots/{snapshotId}</c>: the manifest of a complete snapshot; 404 otherwise.</summary>
    public async Task<IResult> GetAsync(HttpRequest request, string snapshotId, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var manifest =
            (SnapshotService.IsSnapshotId(snapshotId) ? await snapshots.GetAsync(snapshotId, cancellationToken) : null)
            ?? throw new NotFoundException("Snapshot", snapshotId);
        return new JsonContractResult<SnapshotManifest>(manifest, SnapshotJson.Relaxed.SnapshotManifest);
    }
}
