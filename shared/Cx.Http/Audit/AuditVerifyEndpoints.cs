using Cx.Core.Audit;
using Cx.Core.Common;
using Microsoft.AspNetCore.Http;

namespace Cx.Http.Audit;

/// <summary>Checks the audit log's hash chain of a month (admins with audit:read).</summary>
public sealed class AuditVerifyEndpoints(AuditLog audit)
{
    public async Task<IResult> VerifyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        string? partition = null;
        foreach (var (name, values) in request.Query)
        {
            if (name != "partition")
            {
                errors.Add(new(name, "unknown-parameter", "Unknown parameter. Use partition.", ErrorLocation.Query));
            }
            else if (values.Count != 1)
            {
                errors.Add(new(name, "repeated", "'partition' may appear once.", ErrorLocation.Query));
            }
            else
            {
                partition = values[0] ?? "";
            }
        }
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, "The query string is not valid.");
        }
        var result = await audit.VerifyAsync(partition ?? audit.CurrentPartition, cancellationToken);
        return Results.Json(View(result), AuditVerifyJsonContext.Relaxed.AuditVerificationView);
    }

    public static AuditVerificationView View(AuditVerification result) =>
        new(
            result.Partition,
            result.Ok,
            result.Entries,
            result.HeadSeq,
            result.HeadHash,
            result.Break is { } b ? new AuditBreakView(b.EntryId, b.Reason, b.Detail, b.Seq) : null
        );
}
