using Microsoft.AspNetCore.Http;

namespace Cx.Http.Content;

/// <summary>
/// The generic content routes (<c>/content/{type}</c>, <c>/singles/{type}</c>): entries of any
/// content type that is not customer-scoped, to callers allowed to read it (see
/// <see cref="EntryEndpoints.EnsureContentRouteAsync"/>).
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

    public async Task<IResult> GetSingleAsync(HttpRequest request, string typeKey, CancellationToken cancellationToken)
    {
        await entries.EnsureContentRouteAsync(typeKey, cancellationToken);
        return await entries.GetSingleAsync(request, typeKey, cancellationToken);
    }

    public async Task<IResult> PutSingleAsync(HttpRequest request, string typeKey, CancellationToken cancellationToken)
    {
        await entries.EnsureContentRouteAsync(typeKey, cancellationToken);
        return await entries.PutSingleAsync(request, typeKey, ContentRoutes.SingleLocation, cancellationToken);
    }

    public async Task<IResult> PatchSingleAsync(HttpRequest request, string typeKey, CancellationToken cancellationToken)
    {
        await entries.EnsureContentRouteAsync(typeKey, cancellationToken);
        return await entries.PatchSingleAsync(request, typeKey, cancellationToken);
    }

    public async Task<IResult> DeleteSingleAsync(HttpRequest request, string typeKey, CancellationToken cancellationToken)
    {
        await entries.EnsureContentRouteAsync(typeKey, cancellationToken);
        return await entries.DeleteSingleAsync(request, typeKey, cancellationToken);
    }
}
