using Cx.Core.Content;
using Cx.Core.Events;
using Cx.Http.Paging;
using Cx.Http.Requests;
using Cx.Http.Responses;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Cx.Http.Events;

/// <summary>
/// HTTP handling of the event-type registry: event-type definitions (the names clients send and
/// the schema of their properties) and the registry-wide settings.
/// </summary>
public sealed class EventTypeEndpoints(
    EventTypeRegistry registry,
    IOptions<EventOptions> eventOptions,
    IOptions<HttpOptions> httpOptions,
    IOptions<ContentOptions> contentOptions
)
{
    public async Task<IResult> ListAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var page = PageRequest.Read(
            request,
            contentOptions.Value,
            EventTypeRegistry.Document,
            "Event types are listed by key; use limit and cursor."
        );
        var (items, next) = await registry.ListAsync(page.Limit, page.After, cancellationToken);
        return new PageResult(items, page.NextCursor(next));
    }

    public async Task<IResult> GetAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var document = (await registry.GetAsync(key, cancellationToken)).Document;
        return ETags.IfNoneMatch(request, document.ETag) ? new NotModifiedResult(document.ETag) : new DocumentResult(document);
    }

    public async Task<IResult> CreateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var body = await RequestBody.ReadObjectAsync(request, httpOptions.Value, cancellationToken);
        var saved = await registry.CreateAsync(DefinitionDocuments.FromRequest<EventTypeDefinition>(body), cancellationToken);
        return new DocumentResult(saved.Document, StatusCodes.Status201Created, EventRoutes.TypeLocation(saved.Definition.Key));
    }

    public async Task<IResult> ReplaceAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var ifMatch = ETags.ReadIfMatch(request);
        var body = await RequestBody.ReadObjectAsync(request, httpOptions.Value, cancellationToken);
        var saved = await registry.ReplaceAsync(
            key,
            DefinitionDocuments.FromRequest<EventTypeDefinition>(body),
            ifMatch,
            cancellationToken
        );
        return new DocumentResult(saved.Document);
    }

    public async Task<IResult> DeleteAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        await registry.DeleteAsync(key, ETags.ReadIfMatch(request), cancellationToken);
        return NoContentResult.Instance;
    }

    /// <summary>The settings document, or the defaults from configuration (no ETag) while none was saved.</summary>
    public async Task<IResult> GetSettingsAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var settings = await registry.GetSettingsAsync(cancellationToken);
        if (settings is not null)
        {
            return ETags.IfNoneMatch(request, settings.Document.ETag)
                ? new NotModifiedResult(settings.Document.ETag)
                : new DocumentResult(settings.Document);
        }
        var unknownTypes = eventOptions.Value.UnknownTypes;
        return new JsonContractResult<DefaultEventTypeSettingsView>(
            new DefaultEventTypeSettingsView(
                EventTypeRegistry.SettingsId,
                EventTypeRegistry.SettingsDocument,
                1,
                unknownTypes == UnknownEventTypePolicy.Custom ? "custom" : "reject"
            ),
            EventJsonContext.Default.DefaultEventTypeSettingsView
        );
    }

    public async Task<IResult> PutSettingsAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var ifMatch = ETags.ReadIfMatch(request);
        var body = await RequestBody.ReadObjectAsync(request, httpOptions.Value, cancellationToken);
        var saved = await registry.SaveSettingsAsync(DefinitionDocuments.FromRequest<EventTypeSettings>(body), ifMatch, cancellationToken);
        return new DocumentResult(saved.Document);
    }
}
