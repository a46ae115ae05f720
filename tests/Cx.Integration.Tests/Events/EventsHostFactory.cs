using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.Events;

/// <summary>The DevHost with a fast batcher (20 ms) and quick housekeeping, for event tests.</summary>
public class EventsHostFactory : DevHostFactory
{
    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>
        {
            ["Cx:Analytics:MaxBatchDelayMs"] = "20",
            ["Cx:Analytics:ArchiveMaxAgeSeconds"] = "1",
            ["Cx:Events:Embedded:MaintenanceIntervalSeconds"] = "1",
            ["Cx:Events:MaxAliasesPerCustomer"] = "2",
        };
}

public static class EventApi
{
    /// <summary>Posts a body to /events and asserts the status.</summary>
    public static async Task<JsonObject> PostEventsAsync(
        this HttpClient client,
        string json,
        HttpStatusCode expected = HttpStatusCode.Accepted
    )
    {
        var response = await client.PostAsync("events", HttpAssertions.Json(json)).ShouldBeAsync(expected);
        return await response.ReadObjectAsync();
    }

    public static Task<JsonObject> PostEventsAsync(
        this HttpClient client,
        JsonNode body,
        HttpStatusCode expected = HttpStatusCode.Accepted
    ) => client.PostEventsAsync(body.ToJsonString(), expected);

    /// <summary>Polls the stream status until everything appended is processed (a condition, not a sleep).</summary>
    public static async Task WaitForProcessingAsync(this HttpClient client, TimeSpan? timeout = null)
    {
        using var cancellation = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var status = (await client.GetFromJsonAsync<JsonObject>("events/status", cancellation.Token))!;
            if (status["lag"]!.GetValue<long>() == 0 && status["processed"]!.GetValue<long>() == status["appended"]!.GetValue<long>())
            {
                return;
            }
            await Task.Delay(20, cancellation.Token);
        }
    }

    public static async Task<JsonObject> BehaviorAsync(this HttpClient client, string customerId, string query)
    {
        var response = await client.GetAsync($"customers/{customerId}/behavior?{query}").ShouldBeAsync(HttpStatusCode.OK);
        return await response.ReadObjectAsync();
    }

    /// <summary>UTC midnight today, from the system clock (data sets are placed relative to it).</summary>
    public static DateTimeOffset Today()
    {
        var now = TimeProvider.System.GetUtcNow();
        return new DateTimeOffset(now.Year, now.Month, now.Day, 0, 0, 0, TimeSpan.Zero);
    }

    public static string Instant(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    public static JsonObject Event(
        string type,
        string? customerId,
        string? anonymousId,
        DateTimeOffset at,
        string? eventId,
        JsonObject? properties = null,
        string? page = null
    )
    {
        var e = new JsonObject { ["type"] = type, ["timestamp"] = Instant(at) };
        if (customerId is not null)
        {
            e["customerId"] = customerId;
        }
        if (anonymousId is not null)
        {
            e["anonymousId"] = anonymousId;
        }
        if (eventId is not null)
        {
            e["eventId"] = eventId;
        }
        if (page is not null)
        {
            e["page"] = page;
        }
        if (properties is not null)
        {
            e["properties"] = properties;
        }
        return e;
    }

    public static JsonObject Batch(params JsonObject[] events) => new() { ["events"] = new JsonArray([.. events]) };
}
