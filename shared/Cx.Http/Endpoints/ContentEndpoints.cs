using Cx.Http.Routes;
using Microsoft.AspNetCore.Http;

namespace Cx.Http.Endpoints;

/// <summary>
/// The generic content routes (<c>/content/{type}</c>, <c>/singles/{type}</c>): entries of any
/// content type that is not customer-scoped (see <see cref="EntryEndpoints.EnsureContentRouteAsync"/>).
/// </summary>
public sealed class ContentEndpoints(EntryEndpoints entries)
{
    public async Task<IResult> ListAsync(HttpRequest request, string typeKey, CancellationToken cancellationToken)
    {
        await entries.EnsureContentRouteAsync(typeKey, cancellationToken);
        return await entries.ListAsync(request, typeKey, cancellationToken);
    }

    public async Task<IResult> CreateAsync(HttpRequest request, string typeKey, CancellationToken cancellationToken)
    {
        await entries.EnsureContentRouteAsync(typeKey, cancellationToken);
        return await entries.CreateAsync(request, typeKey, id => ContentRoutes.Location(typeKey, id), cancellationToken);
    }

    public async Task<IResult> GetAsync(HttpRequest request, string typeKey, string id, CancellationToken cancellationToken)
    {
        await entries.EnsureContentRouteAsync(typeKey, cancellationToken);
        return await entries.GetAsync(request, typeKey, id, cancellationToken);
    }

    public async Task<IResult> ReplaceAsync(HttpRequest request, string typeKey, string id, CancellationToken cancellationToken)
    {
        await entries.EnsureContentRouteAsync(typeKey, cancellationToken);
        return await entries.ReplaceAsync(request, typeKey, id, cancellationToken);
    }

    public async Task<IResult> PatchAsync(HttpRequest request, string typeKey, string id, CancellationToken cancellationToken)
    {
        await entries.EnsureContentRouteAsync(typeKey, cancellationToken);
        return await entries.PatchAsync(request, typeKey, id, cancellationToken);
    }

    public async Task<IResult> DeleteAsync(HttpRequest request, string typeKey, string id, CancellationToken cancellationToken)
    {
        await entries.EnsureContentRouteAsync(typeKey, cancellationToken);
        return await entries.DeleteAsync(request, typeKey, id, cancellationToken);
    }

    public Task<IResult> GetSingleAsync(HttpRequest request, string typeKey, CancellationToken cancellationToken) =>
        entries.GetSingleAsync(request, typeKey, cancellationToken);

    public Task<IResult> PutSingleAsync(HttpRequest request, string typeKey, CancellationToken cancellationToken) =>
        entries.PutSingleAsync(request, typeKey, ContentRoutes.SingleLocation, cancellationToken);

    public Task<IResult> PatchSingleAsync(HttpRequest request, string typeKey, CancellationToken cancellationToken) =>
        entries.PatchSingleAsync(request, typeKey, cancellationToken);

    public Task<IResult> DeleteSingleAsync(HttpRequest request, string typeKey, CancellationToken cancellationToken) =>
        entries.DeleteSingleAsync(request, typeKey, cancellationToken);
}
