using System.Net;
using System.Text.Json.Nodes;
using Cx.Core.Identity;
using Cx.Integration.Tests.Infrastructure;

namespace Cx.Integration.Tests.Realtime;

/// <summary>
/// Offline replay against a real DevHost: a client's queued mutations sent twice are applied once
/// (the entry's channel, watched by the stock SignalR client, gets one publication per mutation),
/// a stale ETag answers 409 with the current entry, and bad input is a 400 naming each field.
/// </summary>
public sealed class OfflineReplayTests(RealtimeHostFactory host) : IClassFixture<RealtimeHostFactory>
{
    private readonly HttpClient _admin = host.CreateApiClient();

    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("n")[..8];

    private string Api => new Uri(_admin.BaseAddress!, ".").ToString().TrimEnd('/');

    private async Task<(string Type, string Id, string ETag)> CreateEntryAsync()
    {
        var type = Unique("off");
        await _admin
            .PostAsync(
                "content-types",
                HttpAssertions.Json(
                    $$"""{"key":"{{type}}","displayName":"Offline","fields":[{"name":"title","type":"string"},{"name":"count","type":"integer"}]}"""
                )
            )
            .ShouldBeAsync(HttpStatusCode.Created);
        var created = await _admin
            .PostAsync($"content/{type}", HttpAssertions.Json("""{"title":"start"}"""))
            .ShouldBeAsync(HttpStatusCode.Created);
        var body = await created.ReadObjectAsync();
        return (type, body["id"]!.GetValue<string>(), created.Headers.ETag!.Tag.Trim('"'));
    }

    private static JsonObject Mutation(long counter, string type, string id, JsonObject patch, string? ifMatch = null)
    {
        var mutation = new JsonObject
        {
            ["counter"] = counter,
            ["type"] = type,
            ["id"] = id,
            ["patch"] = patch,
        };
        if (ifMatch is not null)
        {
            mutation["ifMatch"] = ifMatch;
        }
        return mutation;
    }

    [Fact]
    public async Task Should_apply_100_offline_mutations_replayed_twice_exactly_once()
    {
        var (type, id, _) = await CreateEntryAsync();
        var token = host.IssueToken(Roles.Editor);
        var mutations = new JsonArray();
        for (var i = 1; i <= 100; i++)
        {
            mutations.Add(Mutation(i, type, id, new JsonObject { ["count"] = i }));
        }
        var (exit, output, error) = await NodeScript.RunAsync(
            "tests/Cx.Integration.Tests/Realtime/realtime-client.mjs",
            [],
            new JsonObject
            {
                ["mode"] = "replay",
                ["api"] = Api,
                ["token"] = token,
                ["channel"] = $"entry:{type}:{id}",
                ["replay"] = new JsonObject { ["clientId"] = "phone-1", ["mutations"] = mutations },
                ["times"] = 2,
                ["writes"] = new JsonArray(
                    new JsonObject
                    {
                        ["method"] = "PATCH",
                        ["url"] = $"{Api}/content/{type}/{id}",
                        ["token"] = token,
                        ["body"] = new JsonObject { ["title"] = "sentinel" },
                    }
                ),
                ["marker"] = "sentinel",
            }.ToJsonString()
        );
        Assert.True(exit == 0, $"realtime-client.mjs exited {exit}: {error}\n{output}");
        var result = JsonNode.Parse(output)!.AsObject();
        var responses = result["responses"]!.AsArray();
        Assert.All(responses, r => Assert.Equal(200, r!["status"]!.GetValue<int>()));
        Assert.All(responses, r => Assert.Equal(100, r!["body"]!["lastApplied"]!.GetValue<long>()));
        Assert.All(responses[0]!["body"]!["results"]!.AsArray(), r => Assert.Equal("applied", r!["status"]!.GetValue<string>()));
        Assert.All(responses[1]!["body"]!["results"]!.AsArray(), r => Assert.Equal("duplicate", r!["status"]!.GetValue<string>()));

        // One write per mutation, then the sentinel: 101 publications, counts 1..100 in order.
        var received = result["received"]!.AsArray().Select(p => p!["data"]!).ToList();
        Assert.Equal(101, received.Count);
        Assert.Equal(Enumerable.Range(1, 100), received.Take(100).Select(d => d["count"]!.GetValue<int>()));
        var entry = await (await _admin.GetAsync($"content/{type}/{id}")).ReadObjectAsync();
        Assert.Equal(100, entry["count"]!.GetValue<int>());
    }

    [Fact]
    public async Task Should_answer_a_stale_etag_with_409_and_the_current_entry_and_apply_nothing_after_it()
    {
        var (type, id, etag) = await CreateEntryAsync();
        await _admin
            .PatchAsync($"content/{type}/{id}", HttpAssertions.Json("""{"title":"changed elsewhere"}""", "application/merge-patch+json"))
            .ShouldBeAsync(HttpStatusCode.OK);
        var body = new JsonObject
        {
            ["clientId"] = "tablet",
            ["mutations"] = new JsonArray(
                Mutation(1, type, id, new JsonObject { ["count"] = 1 }),
                Mutation(2, type, id, new JsonObject { ["title"] = "offline edit" }, ifMatch: "\"" + etag + "\""),
                Mutation(3, type, id, new JsonObject { ["count"] = 3 })
            ),
        };
        var response = await _admin.PostAsync("realtime/mutations", HttpAssertions.Json(body));
        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.Conflict, "mutation-conflict");
        Assert.Equal(2, problem["counter"]!.GetValue<long>());
        Assert.Equal(1, problem["lastApplied"]!.GetValue<long>());
        Assert.Equal("changed elsewhere", problem["current"]!["title"]!.GetValue<string>());
        Assert.Equal(1, problem["current"]!["count"]!.GetValue<int>());

        // Rebased on the current entry (no ifMatch now), the rest applies; 1 is acknowledged as done.
        body["mutations"] = new JsonArray(
            Mutation(1, type, id, new JsonObject { ["count"] = 1 }),
            Mutation(2, type, id, new JsonObject { ["title"] = "offline edit" }),
            Mutation(3, type, id, new JsonObject { ["count"] = 3 })
        );
        var replay = await (
            await _admin.PostAsync("realtime/mutations", HttpAssertions.Json(body)).ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        Assert.Equal(3, replay["lastApplied"]!.GetValue<long>());
        Assert.Equal(["duplicate", "applied", "applied"], replay["results"]!.AsArray().Select(r => r!["status"]!.GetValue<string>()));
        var entry = await (await _admin.GetAsync($"content/{type}/{id}")).ReadObjectAsync();
        Assert.Equal("offline edit", entry["title"]!.GetValue<string>());
        Assert.Equal(3, entry["count"]!.GetValue<int>());
    }

    [Fact]
    public async Task Should_keep_counters_per_user_and_refuse_what_the_user_may_not_write()
    {
        var (type, id, _) = await CreateEntryAsync();
        var customer = host.CreateClientFor(Roles.Customer, Unique("cust"));
        var refused = await customer.PostAsync(
            "realtime/mutations",
            HttpAssertions.Json(
                new JsonObject
                {
                    ["clientId"] = "shared-id",
                    ["mutations"] = new JsonArray(Mutation(1, type, id, new JsonObject { ["count"] = 9 })),
                }
            )
        );
        await refused.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        var ack = await (
            await customer
                .PostAsync("realtime/mutations", HttpAssertions.Json("""{"clientId":"shared-id","mutations":[]}"""))
                .ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        Assert.Equal(0, ack["lastApplied"]!.GetValue<long>());

        // The same client id of another user is another client: its counter 1 applies.
        var applied = await (
            await _admin
                .PostAsync(
                    "realtime/mutations",
                    HttpAssertions.Json(
                        new JsonObject
                        {
                            ["clientId"] = "shared-id",
                            ["mutations"] = new JsonArray(Mutation(1, type, id, new JsonObject { ["count"] = 7 })),
                        }
                    )
                )
                .ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();
        Assert.Equal("applied", applied["results"]![0]!["status"]!.GetValue<string>());
        Assert.Equal(7, (await (await _admin.GetAsync($"content/{type}/{id}")).ReadObjectAsync())["count"]!.GetValue<int>());
    }

    [Fact]
    public async Task Should_answer_bad_mutations_with_a_problem_naming_each_field_and_apply_none()
    {
        var (type, id, _) = await CreateEntryAsync();
        var body = $$$"""
            {"clientId":"bad id!","extra":true,"mutations":[
              {"counter":2,"type":"{{{type}}}","id":"{{{id}}}","patch":{"count":2}},
              {"counter":2,"type":"Bad Type","id":"{{{id}}}","patch":[]},
              {"counter":0.5,"id":"a b","patch":{},"ifMatch":5,"other":1},
              "not an object"
            ]}
            """;
        var problem = await (await _admin.PostAsync("realtime/mutations", HttpAssertions.Json(body))).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        var errors = problem.Errors();
        Assert.Contains(("pointer", "/clientId", "pattern"), errors);
        Assert.Contains(("pointer", "/extra", "unknown-property"), errors);
        Assert.Contains(("pointer", "/mutations/1/type", "pattern"), errors);
        Assert.Contains(("pointer", "/mutations/1/patch", "type"), errors);
        Assert.Contains(("pointer", "/mutations/2/counter", "type"), errors);
        Assert.Contains(("pointer", "/mutations/2/type", "required"), errors);
        Assert.Contains(("pointer", "/mutations/2/id", "pattern"), errors);
        Assert.Contains(("pointer", "/mutations/2/ifMatch", "type"), errors);
        Assert.Contains(("pointer", "/mutations/2/other", "unknown-property"), errors);
        Assert.Contains(("pointer", "/mutations/3", "type"), errors);

        var order = await (
            await _admin.PostAsync(
                "realtime/mutations",
                HttpAssertions.Json(
                    new JsonObject
                    {
                        ["clientId"] = "ordered",
                        ["mutations"] = new JsonArray(
                            Mutation(2, type, id, new JsonObject { ["count"] = 2 }),
                            Mutation(2, type, id, new JsonObject { ["count"] = 3 })
                        ),
                    }
                )
            )
        ).ShouldBeProblemAsync(HttpStatusCode.BadRequest, "validation-failed");
        Assert.Contains(("pointer", "/mutations/1/counter", "order"), order.Errors());

        // Nothing of a refused request was applied.
        var entry = await (await _admin.GetAsync($"content/{type}/{id}")).ReadObjectAsync();
        Assert.Null(entry["count"]);
        var missing = await (await _admin.PostAsync("realtime/mutations", HttpAssertions.Json("{}"))).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        Assert.Contains(("pointer", "/clientId", "required"), missing.Errors());
        Assert.Contains(("pointer", "/mutations", "required"), missing.Errors());
    }

    private static JsonObject Create(long counter, string type, string id, JsonObject data) =>
        new()
        {
            ["counter"] = counter,
            ["op"] = "create",
            ["type"] = type,
            ["id"] = id,
            ["data"] = data,
        };

    private static JsonObject Delete(long counter, string type, string id, string? ifMatch = null)
    {
        var mutation = new JsonObject
        {
            ["counter"] = counter,
            ["op"] = "delete",
            ["type"] = type,
            ["id"] = id,
        };
        if (ifMatch is not null)
        {
            mutation["ifMatch"] = ifMatch;
        }
        return mutation;
    }

    private async Task<JsonObject> ReplayOkAsync(string clientId, params JsonObject[] mutations) =>
        await (
            await _admin
                .PostAsync(
                    "realtime/mutations",
                    HttpAssertions.Json(new JsonObject { ["clientId"] = clientId, ["mutations"] = new JsonArray(mutations) })
                )
                .ShouldBeAsync(HttpStatusCode.OK)
        ).ReadObjectAsync();

    private static List<string> Statuses(JsonObject replay) =>
        [.. replay["results"]!.AsArray().Select(r => r!["status"]!.GetValue<string>())];

    [Fact]
    public async Task Should_apply_a_create_with_a_client_chosen_id_once_when_replayed_twice()
    {
        var (type, _, _) = await CreateEntryAsync();
        var id = Unique("draft");
        JsonObject[] queue() =>
            [Create(1, type, id, new JsonObject { ["title"] = "made offline" }), Mutation(2, type, id, new JsonObject { ["count"] = 2 })];

        var first = await ReplayOkAsync("laptop", queue());
        Assert.Equal(["applied", "applied"], Statuses(first));
        Assert.Equal(2, first["lastApplied"]!.GetValue<long>());
        var second = await ReplayOkAsync("laptop", queue());
        Assert.Equal(["duplicate", "duplicate"], Statuses(second));

        var entry = await (await _admin.GetAsync($"content/{type}/{id}").ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        Assert.Equal("made offline", entry["title"]!.GetValue<string>());
        Assert.Equal(2, entry["count"]!.GetValue<int>());
        var list = await (await _admin.GetAsync($"content/{type}?limit=100").ShouldBeAsync(HttpStatusCode.OK)).ReadObjectAsync();
        Assert.Single(list["items"]!.AsArray(), e => e!["id"]!.GetValue<string>() == id);

        // A client that lost its acknowledgement (a crash between the write and the counter) sends the
        // create again under a fresh counter: the entry already holds it, so it counts as applied and
        // nothing is created twice.
        var again = await ReplayOkAsync("laptop-restored", Create(1, type, id, new JsonObject { ["title"] = "made offline" }));
        Assert.Equal(["applied"], Statuses(again));
        var after = await (await _admin.GetAsync($"content/{type}/{id}")).ReadObjectAsync();
        Assert.Equal(2, after["count"]!.GetValue<int>());
    }

    [Fact]
    public async Task Should_answer_a_create_whose_id_holds_another_entry_with_409_and_the_current_entry()
    {
        var (type, id, _) = await CreateEntryAsync();
        var response = await _admin.PostAsync(
            "realtime/mutations",
            HttpAssertions.Json(
                new JsonObject
                {
                    ["clientId"] = "collider",
                    ["mutations"] = new JsonArray(Create(1, type, id, new JsonObject { ["title"] = "mine" })),
                }
            )
        );
        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.Conflict, "mutation-conflict");
        Assert.Equal(1, problem["counter"]!.GetValue<long>());
        Assert.Equal(0, problem["lastApplied"]!.GetValue<long>());
        Assert.Equal("start", problem["current"]!["title"]!.GetValue<string>());
        var entry = await (await _admin.GetAsync($"content/{type}/{id}")).ReadObjectAsync();
        Assert.Equal("start", entry["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_answer_a_delete_with_a_stale_etag_with_409_and_apply_a_fresh_one_once()
    {
        var (type, id, etag) = await CreateEntryAsync();
        var changed = await _admin
            .PatchAsync($"content/{type}/{id}", HttpAssertions.Json("""{"title":"changed elsewhere"}""", "application/merge-patch+json"))
            .ShouldBeAsync(HttpStatusCode.OK);
        var fresh = changed.Headers.ETag!.Tag;

        var stale = await _admin.PostAsync(
            "realtime/mutations",
            HttpAssertions.Json(
                new JsonObject { ["clientId"] = "deleter", ["mutations"] = new JsonArray(Delete(1, type, id, "\"" + etag + "\"")) }
            )
        );
        var problem = await stale.ShouldBeProblemAsync(HttpStatusCode.Conflict, "mutation-conflict");
        Assert.Equal(0, problem["lastApplied"]!.GetValue<long>());
        Assert.Equal("changed elsewhere", problem["current"]!["title"]!.GetValue<string>());
        await _admin.GetAsync($"content/{type}/{id}").ShouldBeAsync(HttpStatusCode.OK);

        // Rebased on the current ETag; replayed twice, applied once.
        var first = await ReplayOkAsync("deleter", Delete(1, type, id, fresh));
        Assert.Equal(["applied"], Statuses(first));
        Assert.Null(first["results"]![0]!["etag"]);
        var second = await ReplayOkAsync("deleter", Delete(1, type, id, fresh));
        Assert.Equal(["duplicate"], Statuses(second));
        await (await _admin.GetAsync($"content/{type}/{id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");

        // Another client deleting what is already gone: the effect holds, so it is applied, not an error.
        Assert.Equal(["applied"], Statuses(await ReplayOkAsync("other-device", Delete(1, type, id))));
    }

    [Fact]
    public async Task Should_answer_bad_creates_and_deletes_with_a_problem_naming_each_field()
    {
        var (type, id, _) = await CreateEntryAsync();
        var body = $$$"""
            {"clientId":"bad-ops","mutations":[
              {"counter":1,"op":"move","type":"{{{type}}}","id":"{{{id}}}","patch":{}},
              {"counter":2,"op":"create","type":"{{{type}}}","id":"new-1","ifMatch":"x","patch":{}},
              {"counter":3,"op":"create","type":"{{{type}}}","id":"new-2","data":{"id":"other","title":"x"}},
              {"counter":4,"op":"delete","type":"{{{type}}}","id":"{{{id}}}","patch":{},"data":{}},
              {"counter":5,"op":7,"type":"{{{type}}}","id":"{{{id}}}"}
            ]}
            """;
        var problem = await (await _admin.PostAsync("realtime/mutations", HttpAssertions.Json(body))).ShouldBeProblemAsync(
            HttpStatusCode.BadRequest,
            "validation-failed"
        );
        var errors = problem.Errors();
        Assert.Contains(("pointer", "/mutations/0/op", "enum"), errors);
        Assert.Contains(("pointer", "/mutations/1/data", "required"), errors);
        Assert.Contains(("pointer", "/mutations/1/patch", "not-allowed"), errors);
        Assert.Contains(("pointer", "/mutations/1/ifMatch", "not-allowed"), errors);
        Assert.Contains(("pointer", "/mutations/2/data/id", "id-mismatch"), errors);
        Assert.Contains(("pointer", "/mutations/3/patch", "not-allowed"), errors);
        Assert.Contains(("pointer", "/mutations/3/data", "not-allowed"), errors);
        Assert.Contains(("pointer", "/mutations/4/op", "enum"), errors);

        // Nothing was applied: the entry is there and unchanged, no entry new-1 or new-2.
        await _admin.GetAsync($"content/{type}/{id}").ShouldBeAsync(HttpStatusCode.OK);
        await (await _admin.GetAsync($"content/{type}/new-2")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
        var ack = await ReplayOkAsync("bad-ops");
        Assert.Equal(0, ack["lastApplied"]!.GetValue<long>());
    }

    [Fact]
    public async Task Should_refuse_creating_and_deleting_customers_without_the_permissions()
    {
        var customerId = Unique("cust");
        var customer = host.CreateClientFor(Roles.Customer, customerId);
        foreach (var mutation in new[] { Delete(1, "customer", customerId), Create(1, "customer", Unique("c"), []) })
        {
            var refused = await customer.PostAsync(
                "realtime/mutations",
                HttpAssertions.Json(new JsonObject { ["clientId"] = "self", ["mutations"] = new JsonArray(mutation) })
            );
            await refused.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        }
    }
}
