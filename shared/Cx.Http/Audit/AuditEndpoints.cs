using Cx.Core.Audit;
using Cx.Core.Content;
using Cx.Http.Paging;
using Cx.Http.Responses;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Cx.Http.Audit;

/// <summary>HTTP handling of the append-only audit log: queries, newest first, filtered by actor, action, outcome, target and time.</summary>
public sealed class AuditEndpoints(AuditLog audit, IOptions<ContentOptions> content)
{
    public async Task<IResult> QueryAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var page = PageRequest.Read(
            request,
            content.Value,
            "audit",
            "The audit log is newest first and has no field selection.",
            allowFilters: true
        );
        var result = await audit.QueryAsync(page.Parameters.Filters, page.Limit, page.After, cancellationToken);
        return new PageResult(result.Items, page.NextCursor(result.Next));
    }
}
