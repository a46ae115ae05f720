using Cx.Core.Identity;
using Cx.Http.Audit;
using Cx.Http.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Cx.Functions.Audit;

/// <summary>The append-only audit log (staff with audit:read).</summary>
public sealed class AuditFunctions(AuditEndpoints endpoints)
{
    [Access(Permissions.AuditRead)]
    [Function(nameof(QueryAudit))]
    public Task<IResult> QueryAudit(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = AuditRoutes.Collection)] HttpRequest request,
        CancellationToken cancellationToken
    ) => endpoints.QueryAsync(request, cancellationToken);
}
