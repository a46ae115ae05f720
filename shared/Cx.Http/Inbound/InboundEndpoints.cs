using System.Text.RegularExpressions;
using Cx.Core.Common;
using Cx.Core.Inbound;
using Cx.Http.Definitions;
using Cx.Http.Requests;
using Cx.Http.Responses;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Cx.Http.Inbound;

/// <summary>HTTP handling of inbound webhooks: vendor deliveries, and the source documents for admins.</summary>
public sealed partial class InboundEndpoints(
    InboundService service,
    InboundSourceRegistry registry,
    DefinitionHandler definitions,
    IOptions<InboundOptions> options
)
{
    private static readonly string[] JsonOnly = [RequestBody.Json];

    [GeneratedRegex(InboundRoutes.KeyPattern, RegexOptions.CultureInvariant)]
    private static partial Regex KeyFormat();

    /// <summary><c>POST inbound/{source}</c>: the raw body is what the vendor signed, so it is read as bytes first.</summary>
    public async Task<IResult> ReceiveAsync(HttpRequest request, string source, CancellationToken cancellationToken)
    {
        CheckKey(source, "source");
        QueryParameters.RejectAny(request);
        RequestBody.CheckMediaType(request, JsonOnly);
        using var body = await RequestBody.ReadAsync(request, options.Value.MaxBodyBytes, cancellationToken);
        var headers = request.Headers;
        var receipt = await service.ReceiveAsync(
            source,
            name => headers.TryGetValue(name, out var value) && value.Count == 1 ? value[0] : null,
            body.Memory,
            cancellationToken
        );
        return new JsonContractResult<InboundReceiptView>(
            new InboundReceiptView(receipt.Status, receipt.Source, receipt.DeliveryId, receipt.TicketId, receipt.InteractionId),
            InboundJsonContext.Relaxed.InboundReceiptView
        );
    }

    public Task<IResult> ListAsync(HttpRequest request, CancellationToken cancellationToken) =>
        definitions.ListAsync(
            request,
            InboundSourceRegistry.Document,
            "Inbound sources are listed by key; use limit and cursor.",
            registry.ListAsync,
            cancellationToken
        );

    public Task<IResult> GetAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        CheckKey(key, "sourceKey");
        return definitions.GetAsync(request, ct => registry.GetAsync(key, ct), cancellationToken);
    }

    public Task<IResult> CreateAsync(HttpRequest request, CancellationToken cancellationToken) =>
        definitions.CreateAsync<InboundSource>(request, registry.CreateAsync, s => InboundRoutes.Location(s.Key), cancellationToken);

    public Task<IResult> ReplaceAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        CheckKey(key, "sourceKey");
        return definitions.ReplaceAsync<InboundSource>(
            request,
            (s, ifMatch, ct) => registry.ReplaceAsync(key, s, ifMatch, ct),
            cancellationToken
        );
    }

    public Task<IResult> DeleteAsync(HttpRequest request, string key, CancellationToken cancellationToken)
    {
        CheckKey(key, "sourceKey");
        return definitions.DeleteAsync(request, (ifMatch, ct) => registry.DeleteAsync(key, ifMatch, ct), cancellationToken);
    }

    private static void CheckKey(string key, string parameter)
    {
        if (!KeyFormat().IsMatch(key))
        {
            throw new ValidationException(
                new FieldError(parameter, "pattern", "A source key: 1-32 of a-z, 0-9, '-', starting with a letter.", ErrorLocation.Route),
                "The route is not valid."
            );
        }
    }
}
