using Cx.Core.Content;
using Cx.Core.Events;
using Cx.Http.Definitions;
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
    DefinitionHandler definitions,
    IOptions<EventOptions> eventOptions,
    IOptions<HttpOptions> httpOptions
)
{
    public Task<IResult> ListAsync(HttpRequest request, CancellationToken cancellationToken) =>
        definitions.ListAsync(
            request,
            EventTypeRegistry.Document,
            "Event types are listed by key; use limit and cursor.",
            registry.ListAsync,
            cancellationToken
        );

    public Task<IResult> GetAsync(HttpRequest request, string key, CancellationToken cancellationToken) =>
        definitions.GetAsync(request, ct => registry.GetAsync(key, ct), cancellationToken);

    public Task<IResult> CreateAsync(HttpRequest request, CancellationToken cancellationToken) =>
        definitions.CreateAsync<EventTypeDefinition>(
            request,
            registry.CreateAsync,
            type => EventRoutes.TypeLocation(type.Key),
            cancellationToken
        );

    public Task<IResult> ReplaceAsync(HttpRequest request, string key, CancellationToken cancellationToken) =>
        definitions.ReplaceAsync<EventTypeDefinition>(
            request,
            (type, ifMatch, ct) => registry.ReplaceAsync(key, type, ifMatch, ct),
            cancellationToken
        );

    public Task<IResult> DeleteAsync(HttpRequest request, string key, CancellationToken cancellationToken) =>
        definitions.DeleteAsync(request, (ifMatch, ct) => registry.DeleteAsync(key, ifMatch, ct), cancellationToken);

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
