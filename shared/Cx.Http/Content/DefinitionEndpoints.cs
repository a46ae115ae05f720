using Cx.Core.Content;
using Cx.Http.Definitions;
using Microsoft.AspNetCore.Http;

namespace Cx.Http.Content;

/// <summary>HTTP handling of content types and components (the schema admin's API), on <see cref="DefinitionHandler"/>.</summary>
public sealed class DefinitionEndpoints(ContentTypeRegistry registry, DefinitionHandler definitions)
{
    private const string ListHint = "Definitions are listed by key; use limit and cursor.";

    public Task<IResult> ListContentTypesAsync(HttpRequest request, CancellationToken cancellationToken) =>
        definitions.ListAsync(
            request,
            ContentTypeRegistry.ContentTypeDocument,
            ListHint,
            (limit, after, ct) => registry.ListAsync(ContentTypeRegistry.ContentTypeDocument, limit, after, ct),
            cancellationToken
        );

    public Task<IResult> ListComponentsAsync(HttpRequest request, CancellationToken cancellationToken) =>
        definitions.ListAsync(
            request,
            ContentTypeRegistry.ComponentDocument,
            ListHint,
            (limit, after, ct) => registry.ListAsync(ContentTypeRegistry.ComponentDocument, limit, after, ct),
            cancellationToken
        );

    public Task<IResult> GetContentTypeAsync(HttpRequest request, string key, CancellationToken cancellationToken) =>
        definitions.GetAsync(request, ct => registry.GetContentTypeAsync(key, ct), cancellationToken);

    public Task<IResult> GetComponentAsync(HttpRequest request, string key, CancellationToken cancellationToken) =>
        definitions.GetAsync(request, ct => registry.GetComponentAsync(key, ct), cancellationToken);

    public Task<IResult> CreateContentTypeAsync(HttpRequest request, CancellationToken cancellationToken) =>
        definitions.CreateAsync<ContentType>(
            request,
            registry.CreateContentTypeAsync,
            type => ContentTypeRoutes.Location(type.Key),
            cancellationToken
        );

    public Task<IResult> ReplaceContentTypeAsync(HttpRequest request, string key, CancellationToken cancellationToken) =>
        definitions.ReplaceAsync<ContentType>(
            request,
            (type, ifMatch, ct) => registry.ReplaceContentTypeAsync(key, type, ifMatch, ct),
            cancellationToken
        );

    public Task<IResult> DeleteContentTypeAsync(HttpRequest request, string key, CancellationToken cancellationToken) =>
        definitions.DeleteAsync(request, (ifMatch, ct) => registry.DeleteContentTypeAsync(key, ifMatch, ct), cancellationToken);

    public Task<IResult> CreateComponentAsync(HttpRequest request, CancellationToken cancellationToken) =>
        definitions.CreateAsync<ComponentDefinition>(
            request,
            registry.CreateComponentAsync,
            component => ComponentRoutes.Location(component.Key),
            cancellationToken
        );

    public Task<IResult> ReplaceComponentAsync(HttpRequest request, string key, CancellationToken cancellationToken) =>
        definitions.ReplaceAsync<ComponentDefinition>(
            request,
            (component, ifMatch, ct) => registry.ReplaceComponentAsync(key, component, ifMatch, ct),
            cancellationToken
        );

    public Task<IResult> DeleteComponentAsync(HttpRequest request, string key, CancellationToken cancellationToken) =>
        definitions.DeleteAsync(request, (ifMatch, ct) => registry.DeleteComponentAsync(key, ifMatch, ct), cancellationToken);
}
