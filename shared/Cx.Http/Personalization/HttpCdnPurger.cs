using System.Net.Http.Json;
using Cx.Core.Personalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cx.Http.Personalization;

/// <summary>
/// Asks a CDN to purge by tag: <c>POST {Cx:Personalization:CdnPurgeUrl}</c> with
/// <c>{"tags":["entry:banner/vip", ...]}</c>, the same tags the decision responses carry in
/// <c>Surrogate-Key</c> / <c>Cache-Tag</c>. A failure is logged, not thrown: the cached answers
/// expire by their own max-age, and a save or a hook never fails because the CDN is down.
/// </summary>
public sealed partial class HttpCdnPurger(
    IHttpClientFactory clients,
    IOptions<PersonalizationOptions> options,
    ILogger<HttpCdnPurger> logger
) : ICdnPurger
{
    public const string ClientName = "cx-cdn-purge";

    public async ValueTask PurgeAsync(IReadOnlyCollection<string> tags, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(options.Value.CdnPurgeUrl) || tags.Count == 0)
        {
            return;
        }
        try
        {
            using var client = clients.CreateClient(ClientName);
            using var response = await client.PostAsJsonAsync(
                options.Value.CdnPurgeUrl,
                new PurgeRequest([.. tags]),
                PurgeJsonContext.Default.PurgeRequest,
                cancellationToken
            );
            if (!response.IsSuccessStatusCode)
            {
                LogFailed(logger, (int)response.StatusCode, tags.Count);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            LogUnreachable(logger, ex.Message, tags.Count);
        }
    }

    [LoggerMessage(EventId = 2420, Level = LogLevel.Warning, Message = "CDN purge answered {Status} for {Count} tags")]
    private static partial void LogFailed(ILogger logger, int status, int count);

    [LoggerMessage(EventId = 2421, Level = LogLevel.Warning, Message = "CDN purge failed ({Error}) for {Count} tags")]
    private static partial void LogUnreachable(ILogger logger, string error, int count);
}

/// <summary>The body of a purge request.</summary>
public sealed record PurgeRequest(IReadOnlyList<string> Tags);

[System.Text.Json.Serialization.JsonSerializable(typeof(PurgeRequest))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
internal sealed partial class PurgeJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
