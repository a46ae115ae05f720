using Cx.Core.Profiles;
using Cx.Http.OpenApi;
using Microsoft.OpenApi;

namespace Cx.Http.Portability;

/// <summary>The routes of export jobs: one start route beside each streamed export, the job, and its files.</summary>
public static class ExportJobRoutes
{
    public const string Customers = "v1/customers/export/jobs";

    public const string Entries = "v1/content/{typeKey}/export/jobs";

    public const string Events = "v1/events/export/jobs";

    public const string Rollups = "v1/analytics/rollups/export/jobs";

    public const string Job = "v1/exports/{jobId}";

    public const string File = "v1/exports/{jobId}/files/{fileName}";

    public static string JobPath(string jobId) => "v1/exports/" + jobId;

    public static string FilePath(string jobId, string fileName) => $"v1/exports/{jobId}/files/{fileName}";

    private const string StartDescription =
        "Starts a background export with the query parameters of the streamed export beside this route (checked the same way; "
        + "compress is not taken). The job writes the rows as files of Cx:Portability:ExportJobPartRows rows each "
        + "(part-00001.csv, ...) to blob storage, one file per step, and resumes after a restart from the last file saved. "
        + "Read its progress and download links at the Location.";

    private static readonly ApiSchemaRef JobSchema = ApiSchemaRef.FromJson(ExportJobJson.Default.ExportJobView);

    private static ApiParameter Path(string name, string description, string pattern) =>
        new(
            name,
            ApiParameterLocation.Path,
            description,
            ApiSchemaRef.Inline(() => new OpenApiSchema { Type = JsonSchemaType.String, Pattern = pattern })
        )
        {
            Required = true,
        };

    private static ApiOperation Start(
        string operationId,
        string route,
        string tag,
        string summary,
        IReadOnlyList<ApiParameter> parameters
    ) =>
        new()
        {
            OperationId = operationId,
            Method = "POST",
            Route = route,
            Tag = tag,
            Summary = summary,
            Description = StartDescription,
            Parameters = parameters,
            Responses = [new(202, "Started; progress and files at the Location.") { Schema = JobSchema }],
            Problems = [400],
        };

    /// <summary>The OpenAPI operations of these routes, one per function (see <see cref="ApiCatalog"/>).</summary>
    [ApiOperations]
    internal static IEnumerable<ApiOperation> Operations
    {
        get
        {
            var streamed = ExportRoutes.Operations.ToDictionary(o => o.OperationId);
            var analytics = AnalyticsExportRoutes.Operations.ToDictionary(o => o.OperationId);
            IReadOnlyList<ApiParameter> Without(ApiOperation o) => [.. o.Parameters.Where(p => p.Name != "compress")];
            return
            [
                Start(
                    "StartCustomerExportJob",
                    Customers,
                    ApiTags.Customers,
                    "Start an export job of customers",
                    Without(streamed["ExportCustomers"])
                ),
                Start(
                        "StartEntryExportJob",
                        Entries,
                        ApiTags.Content,
                        "Start an export job of a collection type",
                        Without(streamed["ExportEntries"])
                    )
                    .WithProblems(404, 409),
                Start("StartEventExportJob", Events, ApiTags.Events, "Start an export job of events", Without(analytics["ExportEvents"])),
                Start(
                    "StartRollupExportJob",
                    Rollups,
                    ApiTags.Analytics,
                    "Start an export job of roll-up counters",
                    Without(analytics["ExportRollups"])
                ),
                new()
                {
                    OperationId = "GetExportJob",
                    Method = "GET",
                    Route = Job,
                    Tag = ApiTags.Content,
                    Summary = "Read an export job: status, rows, files and their download links",
                    Description =
                        "status is queued, running, succeeded or failed. Each file lists its rows, bytes, SHA-256 and a signed link "
                        + "valid for Cx:Portability:DownloadLinkMinutes; read the job again for fresh links. Readable by callers "
                        + "holding the permission of the streamed export; 404 for anyone else.",
                    Parameters = [Path("jobId", "The job's id.", "^[0-9a-f]{32}$")],
                    Responses = [new(200, "The job.") { Schema = JobSchema }],
                    Problems = [400, 404],
                },
                new()
                {
                    OperationId = "DownloadExportFile",
                    Anonymous = true,
                    Method = "GET",
                    Route = File,
                    Tag = ApiTags.Content,
                    Summary = "Download a file of an export job through its signed link",
                    Description =
                        "No credentials: the link's signature (HMAC-SHA256 over job, file and expiry) is the authorisation. "
                        + "A wrong or expired signature is a 403.",
                    Parameters =
                    [
                        Path("jobId", "The job's id.", "^[0-9a-f]{32}$"),
                        Path("fileName", "The file's name.", "^part-[0-9]{5}\\.(json|ndjson|csv|parquet)$"),
                        new(
                            "expires",
                            ApiParameterLocation.Query,
                            "The link's expiry, Unix seconds.",
                            ApiSchemaRef.Inline(() => new OpenApiSchema { Type = JsonSchemaType.Integer })
                        )
                        {
                            Required = true,
                        },
                        new(
                            "signature",
                            ApiParameterLocation.Query,
                            "The link's signature.",
                            ApiSchemaRef.Inline(() => SchemaBuilder.String())
                        )
                        {
                            Required = true,
                        },
                    ],
                    Responses =
                    [
                        new(200, "The file.")
                        {
                            FileMediaTypes = ["application/json", "application/x-ndjson", "text/csv", "application/vnd.apache.parquet"],
                        },
                    ],
                    Problems = [400, 403, 404],
                },
            ];
        }
    }
}
