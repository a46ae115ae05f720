using Cx.Core.Identity;
using Cx.Http.Audit;
using Cx.Http.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cx.Functions.Audit;

/// <summary>Verification of the audit log's hash chain.</summary>
public sealed class AuditVerifyFunctions(AuditVerifyEndpoints endpoints)
{
    [Access(Permissions.AuditRead)]
    [Function(nameof(VerifyAudit))]
    public Task<IResult> VerifyAudit(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = AuditVerifyRoutes.Verify)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.VerifyAsync(request, cancellationToken);
}
