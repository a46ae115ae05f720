using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cx.Core.Identity;
using Cx.Http.OpenApi;
using Microsoft.OpenApi;

namespace Cx.Http.Audit;

/// <summary>Where a chain breaks first.</summary>
public sealed record AuditBreakView(string EntryId, string Reason, string Detail, long? Seq = null);

/// <summary>The result of checking one month's hash chain: ok, or the first broken entry and why.</summary>
public sealed record AuditVerificationView(
    string Partition,
    bool Ok,
    long Entries,
    long? HeadSeq = null,
    string? HeadHash = null,
    AuditBreakView? Break = null
);

/// <summary>The serializer contracts of the audit verification endpoint (the response and its OpenAPI schema).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AuditVerificationView))]
public sealed partial class AuditVerifyJsonContext : JsonSerializerContext
{
    /// <summary>The context with readable escaping, as every Cx response.</summary>
    public static AuditVerifyJsonContext Relaxed { get; } =
        new(
            new JsonSerializerOptions(JsonSerializerDefaults.Web)
            {
                Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
                DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            }
        );
}

public static class AuditVerifyRoutes
{
    public const string Verify = "v1/audit/verify";

    /// <summary>The OpenAPI operations of these routes, one per function (see <see cref="ApiCatalog"/>).</summary>
    [ApiOperations]
    internal static IEnumerable<ApiOperation> Operations =>
        [
            new()
            {
                OperationId = "VerifyAudit",
                Method = "GET",
                Route = Verify,
                Tag = ApiTags.Administration,
                Summary = "Check the audit log's hash chain of a month",
                Description =
                    "Walks the month's entries in sequence and answers ok, or the first broken entry and why: edited (its content "
                    + "does not match its hash, or it does not link to the entry before), deleted (a gap, or the chain head is missing), "
                    + "reordered (an entry out of its place), unchained (no chain fields) or truncated (the chain ends before the entry "
                    + "the head anchors). A tail cut together with its head is only caught against a head recorded elsewhere: keep "
                    + "headSeq and headHash (docs/security.md).",
                Permission = Permissions.AuditRead,
                Parameters =
                [
                    new ApiParameter(
                        "partition",
                        ApiParameterLocation.Query,
                        "The month, yyyy-MM (UTC); the current month when left out.",
                        ApiSchemaRef.Inline(() =>
                            new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$" }
                        )
                    ),
                ],
                Responses =
                [
                    new(200, "The verification (also when the chain is broken: see ok and break).")
                    {
                        Schema = ApiSchemaRef.FromJson(AuditVerifyJsonContext.Default.AuditVerificationView),
                    },
                ],
                Problems = [400],
            },
        ];
}
