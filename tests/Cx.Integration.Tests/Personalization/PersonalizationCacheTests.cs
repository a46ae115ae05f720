using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Cx.Core.Identity;
using Cx.Integration.Tests.Infrastructure;
using Cx.Integration.Tests.Segments;
using static Cx.Integration.Tests.Personalization.PersonalizeApiTests;
using static Cx.Integration.Tests.Personalization.PlacementApiTests;

namespace Cx.Integration.Tests.Personalization;

/// <summary>A local CDN purge endpoint: records every purge body it receives.</summary>
public sealed class PurgeReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stop = new();

    public PurgeReceiver()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Url = $"http://127.0.0.1:{port}/purge/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _ = Task.Run(LoopAsync);
    }

    public string Url { get; }

    public ConcurrentQueue<string> Tags { get; } = new();

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            using (var reader = new StreamReader(context.Request.InputStream))
            {
                var body = JsonNode.Parse(await reader.ReadToEndAsync())!;
                foreach (var tag in body["tags"]!.AsArray())
                {
                    Tags.Enqueue(tag!.GetValue<string>());
                }
            }
            context.Response.StatusCode = 200;
            context.Response.Close();
        }
    }

    private int _disposed;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        _stop.Cancel();
        _listener.Close();
    }
}

/// <summary>The DevHost with the cache on, the default hook poll, and a CDN purge URL pointing at a local receiver.</summary>
public sealed class CachedPersonalizationHostFactory : DevHostFactory
{
    public PurgeReceiver Purges { get; } = new();

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>
        {
            ["Cx:Analytics:MaxBatchDelayMs"] = "20",
            ["Cx:RateLimits:Enabled"] = "false",
            ["Cx:Personalization:CacheSeconds"] = "600",
            ["Cx:Personalization:CdnPurgeUrl"] = Purges.Url,
        };

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Purges.Dispose();
        }
    }
}

/// <summary>The tagged cache: changes expire it by tag within a second, ETags and 304, shareable vs private answers, CDN purges.</summary>
public sealed class PersonalizationCacheTests(CachedPersonalizationHostFactory host) : IClassFixture<CachedPersonalizationHostFactory>
{
    private readonly HttpClient _admin = host.CreateApiClient();

    private async Task<string> CreatePlacementAsync(string type, string variants, string extra = "")
    {
        var key = "cached-" + Guid.NewGuid().ToString("n")[..8] + ".hero";
        await _admin
            .PostAsync("placements", HttpAssertions.Json(PlacementJson(key, type, variants, extra)))
            .ShouldBeAsync(HttpStatusCode.Created);
        return key;
    }

    private async Task UntilPurgedAsync(string tag)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (!host.Purges.Tags.Contains(tag))
        {
            Assert.True(
                TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(1),
                $"No purge of {tag} within a second: {string.Join(" ", host.Purges.Tags)}"
            );
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task Should_expire_entries_placements_and_memberships_by_tag_within_a_second_and_purge_the_cdn()
    {
        var segment = "cached-" + Guid.NewGuid().ToString("n")[..8];
        await _admin.CreateSegmentAsync(segment, """{"field":"loyaltyTier","op":"eq","value":"gold"}""");
        var type = await CreateBannerTypeAsync(_admin, "plain", "gold");
        var key = await CreatePlacementAsync(
            type,
            $$$"""[{"key":"plain","entry":"plain"},{"key":"gold","entry":"gold","priority":5,"targeting":{"segments":["{{{segment}}}"]}}]"""
        );
        var customer = await _admin.CreateCustomerAsync("cached", "\"loyaltyTier\":\"silver\"");
        var self = host.CreateClientFor(Roles.Customer, customer);
        var query = $"placements={key}";
        Assert.Equal("Title plain", Only(await DecideAsync(self, query))["entry"]!["title"]!.GetValue<string>());
        // Cached now: a second call serves the same.
        Assert.Equal("plain", Only(await DecideAsync(self, query))["variant"]!.GetValue<string>());

        // A content edit: the entry's tag expires within a second, and the CDN is asked to purge it.
        using (var patch = new HttpRequestMessage(HttpMethod.Patch, $"content/{type}/plain"))
        {
            patch.Content = HttpAssertions.Json("""{"title":"Edited"}""", "application/merge-patch+json");
            await _admin.SendAsync(patch).ShouldBeAsync(HttpStatusCode.OK);
        }
        await WithinASecondAsync(self, query, a => a["entry"]!["title"]!.GetValue<string>() == "Edited", "the edited entry");
        await UntilPurgedAsync($"entry:{type}/plain");

        // Membership: the profile change moves the customer into the segment; the customer's tag expires.
        using (var patch = new HttpRequestMessage(HttpMethod.Patch, $"customers/{customer}"))
        {
            patch.Content = HttpAssertions.Json("""{"loyaltyTier":"gold"}""", "application/merge-patch+json");
            await _admin.SendAsync(patch).ShouldBeAsync(HttpStatusCode.OK);
        }
        await SegmentApi.UntilAsync(async () => (await _admin.SegmentsOfAsync(customer)).Contains(segment), "membership");
        await WithinASecondAsync(self, query, a => a["variant"]!.GetValue<string>() == "gold", "the segment's variant");
        await UntilPurgedAsync($"customer:{customer}");

        // A placement change on this instance is served at once.
        var current = await _admin.GetAsync($"placements/{key}").ShouldBeAsync(HttpStatusCode.OK);
        using (var put = new HttpRequestMessage(HttpMethod.Put, $"placements/{key}"))
        {
            put.Content = HttpAssertions.Json(PlacementJson(key, type, """[{"key":"plain","entry":"plain"}]"""));
            put.Headers.IfMatch.Add(current.Headers.ETag!);
            await _admin.SendAsync(put).ShouldBeAsync(HttpStatusCode.OK);
        }
        Assert.Equal("plain", Only(await DecideAsync(self, query))["variant"]!.GetValue<string>());
        await UntilPurgedAsync($"placement:{key}");
    }

    [Fact]
    public async Task Should_answer_304_for_an_unchanged_choice_and_separate_shareable_from_private()
    {
        var type = await CreateBannerTypeAsync(_admin, "one", "two");
        var key = await CreatePlacementAsync(
            type,
            """[{"key":"one","entry":"one"},{"key":"two","entry":"two","targeting":{"devices":["mobile"]},"priority":2}]"""
        );
        var customer = await _admin.CreateCustomerAsync("etag");
        var self = host.CreateClientFor(Roles.Customer, customer);

        var first = await self.GetAsync($"personalize?placements={key}").ShouldBeAsync(HttpStatusCode.OK);
        var etag = first.Headers.ETag!;
        Assert.True(first.Headers.CacheControl is { Private: true, NoCache: true, Public: false }, first.Headers.CacheControl?.ToString());
        var keys = first.Headers.GetValues("Surrogate-Key").Single().Split(' ');
        Assert.Contains($"placement:{key}", keys);
        Assert.Contains($"entry:{type}/one", keys);
        Assert.Contains($"customer:{customer}", keys);
        Assert.Equal(string.Join(',', keys), first.Headers.GetValues("Cache-Tag").Single());

        using (var again = new HttpRequestMessage(HttpMethod.Get, $"personalize?placements={key}"))
        {
            again.Headers.IfNoneMatch.Add(etag);
            var notModified = await self.SendAsync(again);
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
            Assert.Equal(etag, notModified.Headers.ETag);
        }
        // Another context chooses another variant: another ETag, a full answer.
        using (var mobile = new HttpRequestMessage(HttpMethod.Get, $"personalize?placements={key}&device=mobile"))
        {
            mobile.Headers.IfNoneMatch.Add(etag);
            var changed = await self.SendAsync(mobile).ShouldBeAsync(HttpStatusCode.OK);
            Assert.NotEqual(etag, changed.Headers.ETag);
            Assert.Equal("two", Only(await changed.ReadObjectAsync())["variant"]!.GetValue<string>());
        }

        var anonymous = await host.CreateClientFor(Roles.Editor)
            .GetAsync($"personalize?placements={key}&anonymousId=web-9")
            .ShouldBeAsync(HttpStatusCode.OK);
        Assert.True(anonymous.Headers.CacheControl is { Public: true, Private: false }, anonymous.Headers.CacheControl?.ToString());
        Assert.Equal(TimeSpan.FromSeconds(60), anonymous.Headers.CacheControl!.MaxAge);
        Assert.DoesNotContain(
            anonymous.Headers.GetValues("Surrogate-Key").Single().Split(' '),
            t => t.StartsWith("customer:", StringComparison.Ordinal)
        );
    }
}
