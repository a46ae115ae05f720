using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cx.Core.Common;
using Cx.Core.Identity;
using Cx.Core.Realtime;
using Cx.Http.Requests;
using Cx.Http.Responses;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Cx.Http.Realtime;

/// <summary>
/// HTTP of live updates: negotiate (SignalR's serverless contract, so the stock client connects to
/// the DevHost's hub or to SignalR Service alike) and subscribing a connection to a channel.
/// </summary>
public sealed partial class RealtimeEndpoints(RealtimeService service, IOptions<HttpOptions> httpOptions)
{
    /// <summary>The query parameter the stock SignalR client adds to its negotiate call.</summary>
    public const string NegotiateVersion = "negotiateVersion";

    [GeneratedRegex("^[A-Za-z0-9_=.-]{1,256}$")]
    private static partial Regex ConnectionIdFormat();

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex EpochFormat();

    public async Task<IResult> NegotiateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var query = QueryParameters.Read(request, [NegotiateVersion]);
        if (query.TryGetValue(NegotiateVersion, out var version) && version is not ("0" or "1"))
        {
            throw new ValidationException(new FieldError(NegotiateVersion, "enum", "0 or 1.", ErrorLocation.Query));
        }
        var requestBase = new Uri($"{request.Scheme}://{request.Host}");
        var result = await service.NegotiateAsync(CurrentActor.Get(), requestBase, cancellationToken);
        return new JsonContractResult<NegotiateView>(new(result.Url, result.AccessToken), RealtimeJsonContext.Relaxed.NegotiateView);
    }

    public async Task<IResult> SubscribeAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        QueryParameters.RejectAny(request);
        var body = await RequestBody.ReadObjectAsync(request, httpOptions.Value, cancellationToken);
        var errors = new List<FieldError>();
        foreach (var property in body)
        {
            if (property.Key is not ("channel" or "connectionId" or "since"))
            {
                errors.Add(new("/" + property.Key, "unknown-property", "The body takes channel, connectionId and since."));
            }
        }
        var channelName = String(body, "channel", "/channel", errors);
        RealtimeChannel? channel = null;
        if (channelName is not null)
        {
            channel = RealtimeChannel.TryParse(channelName);
            if (channel is null)
            {
                errors.Add(
                    new(
                        "/channel",
                        "invalid-channel",
                        "A channel is entry:{typeKey}:{entryId}, customer:{customerId}, segment:{segmentKey}, ticket:{ticketId} or session:{sessionId}."
                    )
                );
            }
        }
        var connectionId = String(body, "connectionId", "/connectionId", errors);
        if (connectionId is not null && !ConnectionIdFormat().IsMatch(connectionId))
        {
            errors.Add(new("/connectionId", "pattern", "The connection id the SignalR client was given (connection.connectionId)."));
        }
        var since = Since(body["since"], errors);
        if (errors.Count > 0)
        {
            throw new ValidationException(errors, "The body is not valid.");
        }
        var result = await service.SubscribeAsync(CurrentActor.Get(), channel!, connectionId!, since, cancellationToken);
        var view = new SubscriptionView(
            result.Channel,
            result.Head.Epoch,
            result.Head.Offset,
            result.Recovered,
            [.. result.Publications.Select(p => new RawJson(p.ToJson()))],
            result.Snapshot is { } snapshot ? new RawJson(snapshot) : null
        );
        return new JsonContractResult<SubscriptionView>(view, RealtimeJsonContext.Relaxed.SubscriptionView);
    }

    private static string? String(JsonObject body, string name, string pointer, List<FieldError> errors)
    {
        if (body[name] is JsonValue value && value.GetValueKind() == JsonValueKind.String)
        {
            return value.GetValue<string>();
        }
        errors.Add(new(pointer, body.ContainsKey(name) ? "type" : "required", $"Required: {name}, a string."));
        return null;
    }

    private static ChannelPosition? Since(JsonNode? node, List<FieldError> errors)
    {
        if (node is null)
        {
            return null;
        }
        if (node is not JsonObject since)
        {
            errors.Add(new("/since", "type", "since is an object: {epoch, offset}, the last position the client has."));
            return null;
        }
        var count = errors.Count;
        foreach (var property in since)
        {
            if (property.Key is not ("epoch" or "offset"))
            {
                errors.Add(new("/since/" + property.Key, "unknown-property", "since takes epoch and offset."));
            }
        }
        var epoch = String(since, "epoch", "/since/epoch", errors);
        if (epoch is not null && !EpochFormat().IsMatch(epoch))
        {
            errors.Add(new("/since/epoch", "pattern", "The epoch a publication or subscription gave."));
        }
        long offset = 0;
        if (
            since["offset"] is not JsonValue value
            || value.GetValueKind() != JsonValueKind.Number
            || !value.TryGetValue(out offset)
            || offset < 0
        )
        {
            errors.Add(new("/since/offset", "type", "Required: offset, a whole number >= 0."));
        }
        return errors.Count == count ? new ChannelPosition(epoch!, offset) : null;
    }
}
