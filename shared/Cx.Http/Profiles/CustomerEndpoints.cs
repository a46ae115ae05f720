using Cx.Core.Profiles;
using Cx.Http.Content;
using Cx.Http.Responses;
using Cx.Http.Versioning;
using Microsoft.AspNetCore.Http;

namespace Cx.Http.Profiles;

/// <summary>
/// The customer profile API: entries of the built-in <c>customer</c> content type, served by the
/// entry handling of <see cref="EntryEndpoints"/> under the customer routes, whose access rules
/// protect each customer's data. List pages come from <see cref="CustomerListCache"/> (ADR 0403)
/// when one is registered: the same query string answers the same page until a write.
/// </summary>
public sealed class CustomerEndpoints(EntryEndpoints entries, CustomerListCache? listCache = null)
{
    public async Task<IResult> ListAsync(HttpRequest request, CancellationToken cancellationToken) =>
        listCache is null
            ? await entries.ListAsync(request, CustomerProfile.TypeKey, cancellationToken)
            : await listCache.GetOrCreateAsync(
                request.QueryString.Value ?? "",
                (entries, request),
                static (state, token) => state.entries.ListAsync(state.request, CustomerProfile.TypeKey, token),
                cancellationToken
            );

    /// <summary>The v2 list: the v1 list's page (same parameters, same checks) in the v2 envelope.</summary>
    public async Task<IResult> ListV2Async(HttpRequest request, CancellationToken cancellationToken) =>
        await ListAsync(request, cancellationToken) is PageResult page
            ? new DataPageResult(page)
            : throw new InvalidOperationException("The entry list answers a page.");

    public Task<IResult> CreateAsync(HttpRequest request, CancellationToken cancellationToken) =>
        entries.CreateAsync(request, CustomerProfile.TypeKey, CustomerRoutes.Location, cancellationToken);

    public Task<IResult> GetAsync(HttpRequest request, string customerId, CancellationToken cancellationToken) =>
        entries.GetAsync(request, CustomerProfile.TypeKey, customerId, cancellationToken);

    public Task<IResult> ReplaceAsync(HttpRequest request, string customerId, CancellationToken cancellationToken) =>
        entries.ReplaceAsync(request, CustomerProfile.TypeKey, customerId, cancellationToken);

    public Task<IResult> PatchAsync(HttpRequest request, string customerId, CancellationToken cancellationToken) =>
        entries.PatchAsync(request, CustomerProfile.TypeKey, customerId, cancellationToken);

    public Task<IResult> DeleteAsync(HttpRequest request, string customerId, CancellationToken cancellationToken) =>
        entries.DeleteAsync(request, CustomerProfile.TypeKey, customerId, cancellationToken);
}
